"""The response browser: a survey's responses (drafts when asked), one at a
time, voids.

For the survey's owner, its collaborators and staff (``survey_can_read_results``;
anyone else gets 404, so that nothing is learnt about another's survey); voids
and un-voids for the owner, editors and staff (``survey_can_manage``). The
filters and the order are the API's (``surveys.browse``), so a filtered page
here and ``GET /api/v1/surveys/{slug}/responses/`` with the same query list the
same responses.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from core.errors import Conflict
from reports.presentation import profile_context
from reports.response_display import answers_readable
from reports.selectors import profile_get, rules_for_version_id
from surveys.browse import (
    BROWSE_FIELDS,
    ResponseCursorPagination,
    ResponseFilter,
    answer_choices,
    lists_drafts,
    response_list_for_browsing,
)
from surveys.models import Response, Survey, translate
from surveys.selectors import (
    response_list,
    sheet_for_version_id,
    survey_can_manage,
    survey_can_read_results,
)
from surveys.services import response_unvoid, response_void

ACTIONS = {"void": response_void, "unvoid": response_unvoid}
# What the table shows: no answers, and only the timestamps it prints (the
# submission, or a draft's start).
PAGE_FIELDS = tuple(f for f in BROWSE_FIELDS if f not in {"answers", "started_at"})
DRAFT_PAGE_FIELDS = tuple(
    f for f in BROWSE_FIELDS if f not in {"answers", "submitted_at"}
)


def _answer_options(groups: list, picked: set[str]) -> str:
    """The answer filter's <optgroup>s, one per single-choice question.

    Built here rather than in the template (or with format_html per option):
    the reference survey has hundreds of choices, and either took a large
    share of the page's time.
    """
    parts = []
    for question, options in groups:
        parts.append(f'<optgroup label="{escape(question)}">')
        for value, label in options:
            selected = " selected" if value in picked else ""
            parts.append(
                f'<option value="{escape(value)}"{selected}>{escape(label)}</option>'
            )
        parts.append("</optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece escaped above)


def _survey_for(request: HttpRequest, slug: str) -> Survey:
    survey = get_object_or_404(
        Survey.objects.only("pk", "slug", "title", "owner_id", "current_version_id"),
        slug=slug,
    )
    if not survey_can_read_results(survey=survey, user=request.user):
        raise Http404(_("No such survey."))
    return survey


def _form_data(query: QueryDict) -> QueryDict:
    """The GET form's values, less an answer left at "Any".

    The answer select sends ``answer=`` then; the other selects' "Any" is a
    choice of their filter, but the answer filter takes values only (the API
    refuses an empty one).
    """
    if "" not in query.getlist("answer"):
        return query
    data = query.copy()
    data.setlist("answer", [value for value in query.getlist("answer") if value])
    return data


def _local(url: str | None) -> str | None:
    """A pagination link without scheme and host: the page links to itself."""
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@never_cache
@login_required
@require_GET
def response_browser(request: HttpRequest, slug: str) -> HttpResponse:
    """A page of a survey's responses, filtered by the GET form."""
    survey = _survey_for(request, slug)
    language = get_language() or "en"
    drafts = lists_drafts(request.GET)
    fields = DRAFT_PAGE_FIELDS if drafts else PAGE_FIELDS
    filters = ResponseFilter(
        _form_data(request.GET),
        queryset=response_list_for_browsing(survey=survey, fields=fields)
        .select_related("profile")
        .only(*fields, "profile__overall_level"),
        survey=survey,
    )
    rows, previous_url, next_url, status = [], None, None, 200
    if filters.is_valid():
        paginator = ResponseCursorPagination()
        try:
            rows = paginator.paginate_queryset(filters.qs, Request(request))
        except NotFound as exc:  # a cursor that was tampered with
            raise Http404(str(exc.detail)) from exc
        rows = _rows(survey, rows, drafts=drafts)
        previous_url = _local(paginator.get_previous_link())
        next_url = _local(paginator.get_next_link())
    else:
        status = 400
    context = {
        "survey": survey,
        "survey_title": survey.display_title,
        "filters": filters,
        "form": filters.form,
        "answer_options": _answer_options(
            answer_choices(survey, language), set(request.GET.getlist("answer"))
        ),
        "rows": rows,
        "drafts": drafts,
        "previous_url": previous_url,
        "next_url": next_url,
        "filtered": any(request.GET.get(name) for name in filters.filters),
    }
    return render(request, "reports/responses.html", context, status=status)


def _rows(survey: Survey, responses: list[Response], *, drafts: bool) -> list[dict]:
    """What the table shows of each response, its labels looked up once a page.

    A list holds drafts alone or submitted responses alone (``ResponseFilter``):
    a draft shows its start and no level.
    """
    base = reverse("reports:responses", args=[survey.slug])
    status = {True: _("Voided"), False: _("Counted")}
    draft = _("Draft")
    channels = dict(Response.Channel.choices)
    languages = {code: str(name) for code, name in settings.LANGUAGES}
    return [
        {
            "url": f"{base}{response.pk}/",
            "at": response.started_at if drafts else response.submitted_at,
            "voided": response.is_voided,
            "status": draft if drafts else status[response.is_voided],
            "version": response.version.number,
            "language": languages.get(response.language, response.language),
            "channel": str(channels.get(response.channel, response.channel)),
            "level": None
            if drafts or response.is_voided
            else getattr(getattr(response, "profile", None), "overall_level", None),
        }
        for response in responses
    ]


def _response_for(survey: Survey, response_id: str) -> Response:
    return get_object_or_404(response_list().filter(survey=survey), pk=response_id)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def response_page(request: HttpRequest, slug: str, response_id: str) -> HttpResponse:
    """One response: its answers as read, its profile, its voids; void or un-void.

    A draft shows its answers so far; it has no profile and cannot be voided
    (the services refuse it, and the page offers no button).
    """
    survey = _survey_for(request, slug)
    response = _response_for(survey, response_id)
    can_void = survey_can_manage(survey=survey, user=request.user)
    reason_error, status = "", 200
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None or not can_void:
            raise PermissionDenied(
                _("Only the survey's owner, its editors or staff may void responses.")
            )
        try:
            action(
                response=response,
                reason=request.POST.get("reason", ""),
                actor=request.user,
            )
        except ValidationError as exc:
            reason_error = " ".join(exc.message_dict.get("reason", exc.messages))
            status = 400
        except Conflict as exc:
            reason_error, status = str(exc), 409
        else:
            messages.success(
                request,
                _("The response was voided: it no longer counts in any result.")
                if request.POST["action"] == "void"
                else _("The response was un-voided: it counts in the results again."),
            )
            return redirect(
                "reports:response", slug=survey.slug, response_id=response.pk
            )
    return render(
        request,
        "reports/response.html",
        _page_context(survey, response, can_void=can_void, reason_error=reason_error)
        | {"reason": request.POST.get("reason", "") if status != 200 else ""},
        status=status,
    )


def _page_context(
    survey: Survey, response: Response, *, can_void: bool, reason_error: str
) -> dict:
    language = get_language() or "en"
    sheet = sheet_for_version_id(response.version_id)
    context = {
        "survey": survey,
        "survey_title": translate(sheet.definition.title) or survey.display_title,
        "response": response,
        "pages": answers_readable(sheet, response.answers),
        "events": response.void_events.select_related("actor").order_by("at", "pk"),
        "can_void": can_void,
        "reason_error": reason_error,
        # For the profile template: a researcher's page never polls.
        "slug": survey.slug,
        "pending": False,
        "voided": response.is_voided,
        "profile_missing": False,
    }
    if response.is_voided or not response.is_submitted:
        return context
    profile = profile_get(response=response)
    if profile is None:
        return context | {"profile_missing": True}
    return context | profile_context(
        profile=profile.scores,
        descriptive=profile.descriptive,
        definition=sheet.definition,
        rules=rules_for_version_id(response.version_id),
        language=language,
    )
