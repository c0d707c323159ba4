"""The respondent's pages: survey list, landing, one page per section, thanks.

Views stay thin: services write (start, save, submit), selectors read, and
``surveys.forms`` turns form data into answers and answers into fields. A
respondent is anonymous: the session remembers which response is theirs, as
``session["survey_responses"][slug] = resume token``. Answers live in the
response's draft, so a language switch or a reload loses nothing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.csv import csv_writer
from core.errors import Conflict, DomainError
from surveys.answers import AnswerSheet
from surveys.definition import OTHER_SUFFIX, Page
from surveys.forms import (
    Progress,
    answer_rows,
    answers_from_form,
    known_answers,
    merge_answers,
    page_fields,
    page_progress,
    rendered_questions,
)
from surveys.models import Response, Survey, SurveyVersion, translate
from surveys.selectors import (
    definition_for_version,
    invitation_get_by_token,
    response_get_by_token,
    sheet_for_version,
    survey_availability,
    survey_can_manage,
    survey_list_public,
)
from surveys.services import (
    UNAVAILABLE_MESSAGES,
    response_save,
    response_save_valid,
    response_start,
    response_submit,
)
from surveys.session import held_response, remember_response

# --- Helpers -----------------------------------------------------------------------


def _language() -> str:
    return get_language() or "en"


def _page_url(slug: str, code: str) -> str:
    return reverse("surveys:page", kwargs={"slug": slug, "page_code": code})


def _neighbour(pages: list[Page], page: Page, step: int) -> Page | None:
    """The visible page after (step 1) or before (step -1) ``page``."""
    if step > 0:
        return next((p for p in pages if p.position > page.position), None)
    return next((p for p in reversed(pages) if p.position < page.position), None)


def _entry_page(sheet: AnswerSheet, response: Response) -> str:
    """Where a respondent continues: the page they were on, if it still shows."""
    codes = [page.code for page in sheet.visibility(response.answers).pages]
    if response.current_page in codes:
        return response.current_page
    return codes[0] if codes else sheet.definition.pages[0].code


def _problem(
    request: HttpRequest,
    *,
    title: str,
    message: str,
    status: int = 200,
    survey: Survey | None = None,
) -> HttpResponse:
    # A closed survey may still show its results: link them where public.
    results_slug = (
        survey.slug if survey is not None and survey.results_are_public else ""
    )
    return render(
        request,
        "surveys/unavailable.html",
        {"title": title, "message": message, "results_slug": results_slug},
        status=status,
    )


def _refused(
    request: HttpRequest, sheet: AnswerSheet, exc: DomainError
) -> HttpResponse:
    """A page explaining why the survey refused a save or a submission."""
    return _problem(
        request,
        title=translate(sheet.definition.title),
        message=exc.detail,
        status=exc.status,
    )


def _unavailable(
    request: HttpRequest, survey: Survey, availability: str
) -> HttpResponse:
    # A closed survey is gone for good; the others may open later.
    return _problem(
        request,
        title=survey.display_title,
        message=str(UNAVAILABLE_MESSAGES[availability]),
        status=410 if availability == "closed" else 200,
        survey=survey,
    )


def _nonce(value: str | None) -> str:
    """The start form's idempotency key: the rendered UUID, or a fresh one."""
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return str(uuid.uuid4())


# --- List and landing ------------------------------------------------------------


@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    """List the surveys open to the public."""
    surveys = []
    for survey in survey_list_public():
        definition = definition_for_version(survey.current_version)
        surveys.append(
            {
                "slug": survey.slug,
                "title": translate(definition.title),
                "description": translate(definition.description),
                "minutes": definition.estimated_minutes,
            }
        )
    return render(request, "surveys/list.html", {"surveys": surveys})


@never_cache
@require_http_methods(["GET", "POST"])
def survey_landing(
    request: HttpRequest, slug: str, invitation_token: str = ""
) -> HttpResponse:
    """Explain the survey, ask for consent and start (or continue) a response."""
    survey = get_object_or_404(
        Survey.objects.select_related("current_version"), slug=slug
    )
    availability = survey_availability(survey=survey)
    if availability != "open":
        return _unavailable(request, survey, availability)
    definition = definition_for_version(survey.current_version)
    held, _token = held_response(request, slug)
    draft = held if held is not None and not held.is_submitted else None
    context: dict[str, Any] = {
        "survey": survey,
        "title": translate(definition.title),
        "description": translate(definition.description),
        "consent": translate(definition.consent),
        "minutes": definition.estimated_minutes,
        "draft": draft,
        "submitted": held is not None and held.is_submitted,
        "invitation_required": (
            survey.access == Survey.Access.INVITATION and not invitation_token
        ),
    }
    if invitation_token and draft is None:
        problem = _invitation_problem(request, survey, invitation_token)
        if problem is not None:
            return problem
    if request.method == "GET" or (context["invitation_required"] and draft is None):
        if draft is not None:
            context["continue_url"] = _page_url(
                slug, _entry_page(sheet_for_version(draft.version), draft)
            )
        context["nonce"] = uuid.uuid4()
        return render(request, "surveys/landing.html", context)

    if draft is None and context["consent"] and request.POST.get("consent") != "yes":
        context["consent_error"] = _("Tick the box to agree before you start.")
        context["nonce"] = _nonce(request.POST.get("nonce"))
        return render(request, "surveys/landing.html", context)
    response = draft
    if response is None:
        try:
            response, _created = response_start(
                survey=survey,
                language=_language(),
                channel=Response.Channel.WEB,
                invitation_token=invitation_token,
                idempotency_key=_nonce(request.POST.get("nonce")),
            )
        except DomainError as exc:
            return _problem(
                request, title=context["title"], message=exc.detail, status=exc.status
            )
    remember_response(request, slug, response)
    if response.is_submitted:
        return redirect("surveys:thanks", slug=slug)
    return redirect(
        _page_url(slug, _entry_page(sheet_for_version(response.version), response))
    )


def _invitation_problem(
    request: HttpRequest, survey: Survey, token: str
) -> HttpResponse | None:
    """A page explaining why an invitation link cannot be used, or None."""
    invitation = invitation_get_by_token(survey=survey, token=token)
    title = survey.display_title
    if invitation is None:
        return _problem(
            request,
            title=title,
            message=_("This invitation link is not valid."),
            status=403,
        )
    if invitation.is_expired():
        return _problem(
            request, title=title, message=_("This invitation has expired."), status=410
        )
    if invitation.responses and invitation.response.is_submitted:
        return _problem(
            request,
            title=title,
            message=_("This invitation has already been used."),
            status=409,
        )
    return None


@never_cache
@require_GET
def survey_resume(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """Open a resume link: remember the response here and go back to it."""
    response = response_get_by_token(token=token)
    if response is None or response.survey.slug != slug:
        return _problem(
            request,
            title=_("Link not valid"),
            message=_("This link is not valid. Check that you copied all of it."),
            status=404,
        )
    remember_response(request, slug, response)
    if response.is_submitted:
        return redirect("surveys:thanks", slug=slug)
    sheet = sheet_for_version(response.version)
    return redirect(_page_url(slug, _entry_page(sheet, response)))


# --- Pages -------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, slug: str, page_code: str) -> HttpResponse:
    """One page of the questionnaire: show it, or save it and move on."""
    response, token = held_response(request, slug)
    if response is None:
        return redirect("surveys:landing", slug=slug)
    if response.is_submitted:
        return redirect("surveys:thanks", slug=slug)
    availability = survey_availability(survey=response.survey)
    if availability != "open":
        return _unavailable(request, response.survey, availability)
    sheet = sheet_for_version(response.version)
    page = sheet.definition.page(page_code)
    if page is None:
        raise Http404(_("No such page."))
    if request.method == "POST":
        return _page_post(request, response, token, sheet, page)

    pages = sheet.visibility(response.answers).pages
    if page.code not in {p.code for p in pages}:
        # Hidden by an earlier answer: go on to the next page that shows.
        target = _neighbour(pages, page, 1) or _neighbour(pages, page, -1)
        return redirect(_page_url(slug, target.code if target else pages[0].code))
    errors: dict[str, list[str]] = {}
    if request.GET.get("check"):
        _clean, found = sheet.clean(response.answers, complete=True)
        codes = {q.code for q in page.questions}
        errors = {
            key: messages
            for key, messages in found.items()
            if key.partition(OTHER_SUFFIX)[0] in codes
        }
    return _render_page(
        request,
        sheet=sheet,
        page=page,
        answers=response.answers,
        errors=errors,
        token=token,
        check=bool(request.GET.get("check")),
    )


def _page_post(
    request: HttpRequest,
    response: Response,
    token: str,
    sheet: AnswerSheet,
    page: Page,
) -> HttpResponse:
    slug = response.survey.slug
    action = request.POST.get("action", "next")
    stored = response.answers
    posted = answers_from_form(
        sheet, rendered_questions(sheet, page, stored), request.POST, stored=stored
    )
    merged = merge_answers(stored, posted)
    pages = sheet.visibility(merged).pages
    forward = action not in {"back", "save", "autosave"}
    if action == "back":
        destination = _neighbour(pages, page, -1)
    elif forward:
        destination = _neighbour(pages, page, 1)
    else:
        destination = page
    errors: dict[str, list[str]] = {}
    try:
        try:
            response = response_save(
                response=response,
                answers=posted,
                language=_language(),
                current_page=(destination or page).code,
                validate_pages={page.code} if forward else None,
            )
        except ValidationError as exc:
            # Keep what the respondent got right (a resume link finds it); the
            # page shows again with every answer, the invalid ones to correct.
            errors = exc.message_dict
            response, _invalid = response_save_valid(
                response=response,
                answers=posted,
                language=_language(),
                current_page=page.code,
            )
    except Conflict:
        return redirect("surveys:thanks", slug=slug)  # submitted in another tab
    except DomainError as exc:
        return _refused(request, sheet, exc)
    if errors:
        if action == "autosave":
            return HttpResponse(status=422)
        return _render_page(
            request,
            sheet=sheet,
            page=page,
            answers=merged,
            errors=errors,
            token=token,
        )

    if action == "autosave":
        return HttpResponse(status=204)
    if action == "save":
        return redirect("surveys:saved", slug=slug)
    if destination is not None:
        return redirect(_page_url(slug, destination.code))
    if action == "back":
        return redirect("surveys:landing", slug=slug)
    return _submit(request, response, sheet)


def _submit(
    request: HttpRequest, response: Response, sheet: AnswerSheet
) -> HttpResponse:
    slug = sheet.definition.slug  # the saved response has no survey loaded
    try:
        response_submit(response=response)
    except ValidationError as exc:
        # Send the respondent to the first page with a problem, and show it there.
        problems = {key.partition(OTHER_SUFFIX)[0] for key in exc.message_dict}
        pages = sheet.visibility(response.answers).pages
        target = next(
            (
                p
                for p in pages
                if any(question.code in problems for question in p.questions)
            ),
            pages[0],
        )
        return redirect(_page_url(slug, target.code) + "?check=1")
    except DomainError as exc:
        return _refused(request, sheet, exc)
    return redirect("surveys:thanks", slug=slug)


def _problem_line(label: str, message: str) -> str:
    """A question's text and its problem, without a colon after a question mark."""
    if not label:
        return message
    if label.rstrip()[-1] in "?!.:;\N{HORIZONTAL ELLIPSIS}":
        return f"{label.rstrip()} {message}"
    return _("%(question)s: %(problem)s") % {"question": label, "problem": message}


def _error_summary(fields: list, errors: dict[str, list[str]]) -> list[dict]:
    items, seen = [], set()
    for item in fields:
        for message in item.errors:
            items.append({"text": _problem_line(item.text, message), "anchor": item.id})
        for message in item.other_errors:
            items.append(
                {"text": _problem_line(item.text, message), "anchor": item.other_id}
            )
        seen |= {item.code, item.code + OTHER_SUFFIX}
    for key, messages in errors.items():
        if key not in seen:
            items.extend({"text": m, "anchor": ""} for m in messages)
    return items


def _render_page(
    request: HttpRequest,
    *,
    sheet: AnswerSheet,
    page: Page,
    answers: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    token: str = "",
    check: bool = False,
    preview: SurveyVersion | None = None,
) -> HttpResponse:
    definition = sheet.definition
    errors = errors or {}
    fields = page_fields(
        sheet, page, answers, errors=errors, preview=preview is not None
    )
    pages = list(definition.pages) if preview else sheet.visibility(answers).pages
    progress = (
        Progress(number=page.position + 1, count=len(definition.pages), settled=True)
        if preview
        else page_progress(sheet, page, answers)
    )
    previous, following = _neighbour(pages, page, -1), _neighbour(pages, page, 1)
    slug = definition.slug
    context = {
        "survey_title": translate(definition.title),
        "page": page,
        "page_title": translate(page.title),
        "page_description": translate(page.description),
        "fields": fields,
        "progress": progress,
        "is_first": previous is None,
        "is_last": following is None,
        "error_summary": _error_summary(fields, errors),
        "check": check,
        "known": known_answers(sheet, page, answers),
        "preview": preview,
    }
    if preview is not None:
        context["preview_pages"] = [
            {"code": p.code, "title": translate(p.title)} for p in definition.pages
        ]
        context["previous"] = previous
        context["following"] = following
    else:
        context["resume_url"] = request.build_absolute_uri(
            reverse("surveys:resume", kwargs={"slug": slug, "token": token})
        )
    return render(request, "surveys/page.html", context)


@never_cache
@require_GET
def survey_saved(request: HttpRequest, slug: str) -> HttpResponse:
    """Confirm a save and show the link to continue later."""
    response, token = held_response(request, slug)
    if response is None:
        return redirect("surveys:landing", slug=slug)
    if response.is_submitted:
        return redirect("surveys:thanks", slug=slug)
    sheet = sheet_for_version(response.version)
    return render(
        request,
        "surveys/saved.html",
        {
            "survey_title": translate(sheet.definition.title),
            "resume_url": request.build_absolute_uri(
                reverse("surveys:resume", kwargs={"slug": slug, "token": token})
            ),
            "continue_url": _page_url(slug, _entry_page(sheet, response)),
        },
    )


# --- After submitting ----------------------------------------------------------------


@never_cache
@require_GET
def survey_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """Thank the respondent and offer their own answers for download."""
    response, _token = held_response(request, slug)
    if response is None:
        return redirect("surveys:landing", slug=slug)
    sheet = sheet_for_version(response.version)
    if not response.is_submitted:
        return redirect(_page_url(slug, _entry_page(sheet, response)))
    definition = sheet.definition
    return render(
        request,
        "surveys/thanks.html",
        {
            "slug": slug,
            "survey_title": translate(definition.title),
            "thank_you": translate(definition.thank_you),
            "response": response,
            # A survey without scoring rules has no maturity profile to show.
            "scored": bool(definition.scoring),
            "results_public": response.survey.results_are_public,
        },
    )


@never_cache
@require_GET
def survey_my_answers(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """Download the answers of the response this session holds (JSON or CSV)."""
    response, _token = held_response(request, slug)
    if response is None:
        raise Http404(_("No answers of yours for this survey here."))
    filename = f"{slug}-my-answers.{fmt}"
    if fmt == "json":
        body = {
            "survey": slug,
            "version": response.version.number,
            "status": response.status,
            "language": response.language,
            "submitted_at": (
                response.submitted_at.isoformat() if response.submitted_at else None
            ),
            "answers": response.answers,
        }
        download = HttpResponse(
            json.dumps(body, ensure_ascii=False, indent=2) + "\n",
            content_type="application/json; charset=utf-8",
        )
    else:
        sheet = sheet_for_version(response.version)
        # A byte-order mark, so that spreadsheets read the accents right.
        download = HttpResponse("\ufeff", content_type="text/csv; charset=utf-8")
        writer = csv_writer(download)
        writer.writerow([_("Question code"), _("Question"), _("Answer")])
        writer.writerows(answer_rows(sheet, response.answers))
    download["Content-Disposition"] = f'attachment; filename="{filename}"'
    return download


# --- Preview ---------------------------------------------------------------------


@never_cache
@require_GET
def survey_preview(
    request: HttpRequest, slug: str, number: int | None = None
) -> HttpResponse:
    """Show any version's pages as respondents see them; nothing is saved."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    survey = get_object_or_404(Survey, slug=slug)
    if not survey_can_manage(survey=survey, user=request.user):
        raise PermissionDenied(
            _("Only the survey's owner, its editors or staff may preview it.")
        )
    if number is None:
        version = survey.current_version
        if version is None:
            raise Http404(_("This survey has no published version yet."))
    else:
        version = get_object_or_404(SurveyVersion, survey=survey, number=number)
    sheet = sheet_for_version(version)
    code = request.GET.get("page") or sheet.definition.pages[0].code
    page = sheet.definition.page(code)
    if page is None:
        raise Http404(_("No such page."))
    return _render_page(request, sheet=sheet, page=page, answers={}, preview=version)
