from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reports import dashboard
from reports.aggregation import ALL, pair_reversed
from reports.catalogue import rating_label, tool_catalogue, tool_list
from reports.charts import svg_file
from reports.cohort import cohort_cells, practitioner_ratings, reference_survey
from reports.models import CRITERIA
from reports.presentation import cohort_medians, profile_context
from reports.public import ACTIVITY, public_page_context
from reports.selectors import (
    aggregate_get_many,
    aggregate_groups,
    aggregate_public_get,
    other_texts,
    plan_for_version_id,
    profile_get,
    rules_for_version_id,
)
from surveys.models import Survey, translate
from surveys.selectors import (
    sheet_for_version_id,
    survey_can_read_results,
    survey_list_readable,
    survey_list_results_public,
)
from surveys.session import held_response


@require_GET
def dashboards(request: HttpRequest) -> HttpResponse:
    """The entry page of the results: the dashboards of the surveys the user
    may read the results of, and every survey whose results are public."""
    surveys = [
        {"slug": survey.slug, "title": survey.display_title}
        for survey in survey_list_results_public()
    ]
    readable = list(survey_list_readable(user=request.user))
    return render(
        request,
        "reports/dashboards.html",
        {"surveys": surveys, "readable": readable},
    )


def _readable_survey(request: HttpRequest, slug: str) -> Survey:
    """The survey, if the user may read its results (owner, collaborator,
    staff); 404 for anyone else, as if it did not exist."""
    survey = (
        Survey.objects.only(
            "pk", "slug", "title", "status", "owner_id", "current_version_id"
        )
        .filter(slug=slug)
        .first()
    )
    if survey is None or not survey_can_read_results(survey=survey, user=request.user):
        raise Http404(_("No survey here whose results you may read."))
    return survey


def _dashboard(request: HttpRequest, survey: Survey) -> dict[str, Any]:
    """Read the stored aggregates and activity; build the dashboard's context.

    One query for the snapshots (all responses, the chosen segment, the
    activity); the definition, its rules and plan, and the tool catalogue are
    kept per process.
    """
    context: dict[str, Any] = {
        "survey": survey,
        "slug": survey.slug,
        "title": survey.display_title,
        "min_cell_size": settings.PRIVACY_MIN_CELL_SIZE,
        "computed": False,
    }
    if survey.current_version_id is None:
        return context
    version_id = survey.current_version_id
    definition = sheet_for_version_id(version_id).definition
    rules = rules_for_version_id(version_id)
    plan = plan_for_version_id(version_id)
    language = get_language() or "en"
    staff = request.user.is_staff
    k = settings.PRIVACY_MIN_CELL_SIZE
    segments = [key for key in plan.segment_keys if key]
    segment = request.GET.get("segment", "").strip() or (
        segments[0] if segments else ""
    )
    context["title"] = translate(definition.title) or survey.display_title
    context["segments"] = [
        (key, dashboard.segment_label(key, definition, language)) for key in segments
    ]
    if pair_reversed(segment) in segments and segment not in segments:
        segment = pair_reversed(segment)  # a pair in either order, as the API
    context["segment"] = segment
    if segment and segment not in segments:
        context["segment_error"] = _(
            "segment: “%(segment)s” is not a segment of this survey; pick one "
            "from the list."
        ) % {"segment": segment}
        segment = ""
    snapshots = aggregate_get_many(
        survey=survey,
        segments=["", ACTIVITY, *([segment] if segment else [])],
        min_cell_size=None if staff else k,
        summaries=[segment],
    )
    everyone = snapshots.get("")
    if everyone is None:
        return context
    cells = aggregate_groups(everyone, segment="", staff=staff).get(ALL) or {}
    stored_activity = snapshots.get(ACTIVITY)
    activity = dashboard.activity_for_reader(
        orjson.loads(stored_activity.groups_json) if stored_activity else {},
        k=k,
        staff=staff,
    )
    context |= {
        "computed": True,
        "n": everyone.n,
        "version": everyone.version.number,
        "computed_at": everyone.computed_at,
        "suppressed": bool(cells.get("suppressed")),
        "activity": dashboard.activity_charts(activity, definition, language),
        "questions": [],
        "maturity": [],
        "tools": None,
        "comparison": None,
    }
    if context["suppressed"]:
        return context
    context["questions"] = dashboard.question_charts(cells, definition, language, k)
    if rules is not None and "dimensions" in cells:
        context["maturity"] = dashboard.maturity_charts(
            cells,
            definition,
            rules,
            language,
            bottlenecks=activity.get("bottlenecks"),
        )
    ratings = practitioner_ratings(cells)
    if ratings:
        context["tools"] = dashboard.tool_table(ratings, tool_catalogue())
        context["criteria"] = [CRITERION_LABELS[c] for c in CRITERIA]
    if segment and segment in snapshots:
        groups = aggregate_groups(snapshots[segment], segment=segment, staff=staff)
        context["comparison"] = dashboard.segment_comparison(
            segment, groups, definition, rules, language
        )
        context["segment_title"] = dashboard.segment_label(
            segment, definition, language
        )
    return context


def _charts(context: dict[str, Any]) -> list[dashboard.Chart]:
    charts = [
        *context.get("activity", []),
        *context.get("questions", []),
        *context.get("maturity", []),
    ]
    if context.get("comparison"):
        charts.append(context["comparison"]["chart"])
    return charts


@login_required
@require_GET
def dashboard_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A survey's dashboard: activity, every question, maturity, tools, segments.

    Read from the stored aggregates only, so its cost does not grow with the
    number of responses. Owner, collaborators and staff; 404 for anyone else.
    """
    survey = _readable_survey(request, slug)
    context = _dashboard(request, survey)
    status = 400 if context.get("segment_error") else 200
    return render(request, "reports/dashboard.html", context, status=status)


@login_required
@require_GET
def dashboard_chart(request: HttpRequest, slug: str, chart: str) -> HttpResponse:
    """One chart of the dashboard as an SVG file to download."""
    survey = _readable_survey(request, slug)
    found = next(
        (c for c in _charts(_dashboard(request, survey)) if c.id == chart and c.svg),
        None,
    )
    if found is None:
        raise Http404(_("No such chart on this dashboard."))
    response = HttpResponse(svg_file(found.svg), content_type="image/svg+xml")
    response["Content-Disposition"] = (
        f'attachment; filename="{survey.slug}-{chart}.svg"'
    )
    return response


@login_required
@require_GET
def dashboard_other(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """The "other" texts of one question, listed on demand (htmx or a full page)."""
    survey = _readable_survey(request, slug)
    question = (
        sheet_for_version_id(survey.current_version_id).definition.questions.get(code)
        if survey.current_version_id
        else None
    )
    if question is None or not question.allow_other:
        raise Http404(_("This question has no “other” answers."))
    context = {
        "slug": survey.slug,
        "title": survey.display_title,
        "question": translate(question.text),
        "texts": other_texts(survey=survey, code=code),
    }
    template = (
        "reports/dashboard_other_list.html"
        if request.headers.get("HX-Request")
        else "reports/dashboard_other.html"
    )
    return render(request, template, context)


@never_cache
@require_GET
def my_profile(request: HttpRequest, slug: str) -> HttpResponse:
    """The maturity profile of the response this session submitted.

    htmx asks for the fragment (polling while the worker computes it); a
    browser without JavaScript gets the same content as a full page.
    """
    response, _token = held_response(request, slug)
    if response is None or not response.is_submitted:
        return redirect("surveys:landing", slug=slug)
    # A voided response has no profile (voiding removes it): say so, stop polling.
    profile = None if response.is_voided else profile_get(response=response)
    context = {
        "slug": slug,
        "pending": profile is None and not response.is_voided,
        "voided": response.is_voided,
    }
    if profile is not None:
        definition = sheet_for_version_id(response.version_id).definition
        k = settings.PRIVACY_MIN_CELL_SIZE
        # The cohort, as the public summary has it (all responses, nothing
        # under k): the stored aggregates, never computed here.
        summary = aggregate_public_get(
            survey=response.survey,
            min_cell_size=k,
            version_number=response.version.number,
        )
        context |= profile_context(
            profile=profile.scores,
            descriptive=profile.descriptive,
            definition=definition,
            rules=rules_for_version_id(response.version_id),
            language=get_language() or "en",
            cohort=cohort_medians(summary, min_cell_size=k),
            cohort_n=summary.n if summary is not None else None,
        )
        context["survey_title"] = translate(definition.title)
        context["results_public"] = response.survey.results_are_public
    template = (
        "reports/_profile.html"
        if request.headers.get("HX-Request")
        else "reports/profile.html"
    )
    return render(request, template, context)


@require_GET
def public_results(request: HttpRequest, slug: str) -> HttpResponse:
    """The public summary of a survey's results, where the survey allows it.

    The same summary as the aggregates API gives anyone (``reports.public``
    says what it holds), for everyone, staff included; 404 when the results
    are not public. Three queries: the survey, the snapshot and, once per
    process, the version's definition.
    """
    survey = get_object_or_404(
        Survey.objects.only(
            "pk", "slug", "title", "status", "public_results", "current_version_id"
        ),
        slug=slug,
    )
    if not survey.results_are_public or survey.current_version_id is None:
        raise Http404(_("This survey's results are not public."))
    summary = aggregate_public_get(
        survey=survey, min_cell_size=settings.PRIVACY_MIN_CELL_SIZE
    )
    definition = sheet_for_version_id(survey.current_version_id).definition
    context = {
        "slug": survey.slug,
        "survey_title": translate(definition.title) or survey.display_title,
        "computed": summary is not None,
        "min_cell_size": settings.PRIVACY_MIN_CELL_SIZE,
    }
    if summary is not None:
        context |= public_page_context(
            summary=summary,
            definition=definition,
            rules=rules_for_version_id(survey.current_version_id),
            language=get_language() or "en",
        )
    return render(request, "reports/public_results.html", context)


CRITERION_LABELS = {
    "data_versioning": gettext_lazy("Data versioning"),
    "continuous_integration": gettext_lazy("Continuous integration"),
    "training": gettext_lazy("Training"),
    "pipeline_automation": gettext_lazy("Pipeline automation"),
    "orchestrator": gettext_lazy("Orchestration"),
    "monitoring": gettext_lazy("Monitoring"),
}


def _with_rating_name(cell: dict | None) -> dict | None:
    """The practitioners' median rating of one cell, named like the paper's."""
    if not cell or not cell.get("median"):
        return cell
    return {**cell, "median_name": rating_label(cell["median"])}


@require_GET
def tool_catalogue_page(request: HttpRequest) -> HttpResponse:
    """The tool catalogue, filtered like GET /api/v1/tools/, with practitioners' ratings."""
    present = [c for c in request.GET.getlist("present") if c in CRITERIA]
    open_source = {"yes": True, "no": False}.get(request.GET.get("open_source", ""))
    staff = request.user.is_authenticated and request.user.is_staff
    ratings = practitioner_ratings(cohort_cells(survey=reference_survey(), staff=staff))
    rows = []
    for tool in tool_list(present=present, open_source=open_source):
        said = ratings.get(tool.code, {})
        rows.append(
            {
                "tool": tool,
                "cells": [
                    {
                        "rating": tool.ratings[criterion],
                        "rating_name": rating_label(tool.ratings[criterion]),
                        "practitioners": _with_rating_name(
                            (said.get("ratings") or {}).get(criterion)
                        ),
                    }
                    for criterion in CRITERIA
                ],
                "satisfaction": said.get("satisfaction"),
            }
        )
    context = {
        "rows": rows,
        "criteria": [(c, CRITERION_LABELS[c]) for c in CRITERIA],
        "present": present,
        "open_source": request.GET.get("open_source", ""),
        "min_cell_size": settings.PRIVACY_MIN_CELL_SIZE,
    }
    return render(request, "reports/tools.html", context)
