from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reports.catalogue import tool_list
from reports.cohort import cohort_cells, practitioner_ratings, reference_survey
from reports.models import CRITERIA, Tool
from reports.presentation import cohort_medians, profile_context
from reports.public import public_page_context
from reports.selectors import aggregate_public_get, profile_get, rules_for_version_id
from surveys.models import Survey, translate
from surveys.selectors import sheet_for_version_id, survey_list_results_public
from surveys.session import held_response


@require_GET
def dashboards(request: HttpRequest) -> HttpResponse:
    """The entry page of the results: every survey whose results are public."""
    surveys = [
        {"slug": survey.slug, "title": survey.display_title}
        for survey in survey_list_results_public()
    ]
    return render(request, "reports/dashboards.html", {"surveys": surveys})


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
            profile={
                "dimensions": profile.dimensions,
                "overall_level": profile.overall_level,
                "breadth": profile.breadth,
                "bottleneck": profile.bottleneck,
                "flagged": profile.flagged,
            },
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
    names = dict(Tool.Rating.choices)
    return {**cell, "median_name": names.get(cell["median"], cell["median"])}


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
                        "rating_name": Tool.Rating(tool.ratings[criterion]).label,
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
