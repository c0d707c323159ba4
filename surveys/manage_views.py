"""The researcher's survey management pages under ``/manage/surveys/``.

Every page needs a signed-in researcher or staff member (anyone else gets
403), and a survey page needs ``survey_can_manage`` (otherwise 404, so that
a researcher learns nothing about another's survey). Views stay thin: forms
check the input's shape, ``survey_publish``, ``survey_update`` and
``invitations_create`` do the writes, and their ValidationErrors are shown
on the form that caused them. A failed form re-renders its page with 400.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from accounts.models import User
from core.csv import csv_text
from surveys.definition import definition_dump, definition_errors
from surveys.manage_forms import (
    DefinitionUploadForm,
    InvitationsForm,
    SurveySettingsForm,
    copy_errors,
    max_definition_bytes,
)
from surveys.models import ResponseQuerySet, Survey, SurveyCollaborator, SurveyVersion
from surveys.selectors import (
    survey_availability,
    survey_can_manage,
    survey_list_for_user,
    survey_submitted_count,
    surveys_shared_with,
)
from surveys.services import (
    MAX_INVITATIONS_PER_BATCH,
    UNAVAILABLE_MESSAGES,
    invitations_create,
    survey_publish,
    survey_update,
)

UPLOAD_PREFIX = "upload"
SETTINGS_PREFIX = "settings"
INVITE_PREFIX = "invite"
INVITATION_CSV_HEADER = ["id", "url", "token", "expires_at"]


# --- Helpers -----------------------------------------------------------------------


def researcher_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Send anonymous visitors to the login page and refuse non-researchers."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_researcher:
            raise PermissionDenied(_("Only researchers and staff may manage surveys."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def survey_list_managed(*, user: User) -> QuerySet[Survey]:
    """The surveys the user may manage, each with its count of submitted responses.

    Mirrors ``survey_can_manage`` as a filter (staff: all; researchers: their
    own and those they edit) and counts in the same query, so the list costs
    one query however many surveys it shows. The versions' large definition
    column is not read.
    """
    surveys = survey_list_for_user(user=user).filter(
        pk__in=surveys_shared_with(
            user=user, roles=(SurveyCollaborator.Role.EDITOR,)
        ).values("pk")
    )
    return surveys.defer("current_version__definition").annotate(
        submitted=Count(
            "responses", filter=ResponseQuerySet.counted_condition("responses")
        )
    )


def _survey_for(request: HttpRequest, slug: str) -> Survey:
    survey = get_object_or_404(
        Survey.objects.select_related("current_version", "owner").defer(
            "current_version__definition"
        ),
        slug=slug,
    )
    if not survey_can_manage(survey=survey, user=request.user):
        raise Http404(_("No such survey."))
    return survey


def _preview_url(slug: str) -> str:
    # The respondent pages belong to another module: fall back to their
    # documented address should the route be renamed.
    try:
        return reverse("surveys:preview", kwargs={"slug": slug})
    except NoReverseMatch:
        return f"/surveys/{slug}/preview/"


def _landing_url(request: HttpRequest, slug: str) -> str:
    try:
        path = reverse("surveys:landing", kwargs={"slug": slug})
    except NoReverseMatch:
        path = f"/surveys/{slug}/"
    return request.build_absolute_uri(path)


def _invitation_url(request: HttpRequest, slug: str, token: str) -> str:
    return request.build_absolute_uri(f"/surveys/{slug}/invite/{token}/")


def _upload_form(request: HttpRequest | None = None) -> DefinitionUploadForm:
    if request is None:
        return DefinitionUploadForm(prefix=UPLOAD_PREFIX)
    return DefinitionUploadForm(request.POST, request.FILES, prefix=UPLOAD_PREFIX)


def _publish(
    request: HttpRequest, form: DefinitionUploadForm, *, survey: Survey | None = None
) -> SurveyVersion | None:
    """Publish the form's definition; on any problem list them all on the form.

    With ``survey`` the document must be a new version of that survey.
    Returns None, having saved nothing, when the definition has problems.
    """
    document = form.cleaned_data["document"]
    slug = document.get("slug") if isinstance(document, dict) else None
    if survey is not None and isinstance(document, dict) and slug != survey.slug:
        mismatch = _(
            'must be "%(slug)s", the address of this survey. To create another '
            "survey, upload its definition on the survey list."
        ) % {"slug": survey.slug}
        form.add_error(None, [f"slug: {mismatch}", *definition_errors(document)])
        return None
    previous = (
        Survey.objects.filter(slug=slug)
        .values_list("current_version_id", flat=True)
        .first()
        if isinstance(slug, str)
        else None
    )
    try:
        version = survey_publish(document=document, actor=request.user)
    except ValidationError as error:
        form.add_error(None, error.messages)
        return None
    except PermissionDenied as error:
        form.add_error(
            None,
            str(error)
            or _("A survey with this address exists and belongs to someone else."),
        )
        return None
    if version.pk == previous:
        messages.info(
            request,
            _("Nothing changed: this definition is the same as version %(number)d.")
            % {"number": version.number},
        )
    else:
        messages.success(
            request,
            _("Published version %(number)d of “%(slug)s”.")
            % {"number": version.number, "slug": version.survey.slug},
        )
    return version


def _render_detail(
    request: HttpRequest,
    survey: Survey,
    *,
    settings_form: SurveySettingsForm | None = None,
    upload_form: DefinitionUploadForm | None = None,
    invitations_form: InvitationsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    availability = survey_availability(survey=survey)
    context = {
        "survey": survey,
        "versions": survey.versions.select_related("published_by")
        .defer("definition")
        .order_by("-number"),
        "submitted": survey_submitted_count(survey=survey),
        "availability": availability,
        "availability_message": UNAVAILABLE_MESSAGES.get(availability, ""),
        "preview_url": _preview_url(survey.slug),
        "landing_url": _landing_url(request, survey.slug),
        "settings_form": settings_form
        or SurveySettingsForm.for_survey(survey, prefix=SETTINGS_PREFIX),
        "upload_form": upload_form or _upload_form(),
        "invitations_form": invitations_form or InvitationsForm(prefix=INVITE_PREFIX),
        "max_invitations": MAX_INVITATIONS_PER_BATCH,
        "max_definition_bytes": max_definition_bytes(),
    }
    return render(request, "manage/detail.html", context, status=status)


# --- Views -------------------------------------------------------------------------


@never_cache
@researcher_required
@require_http_methods(["GET", "POST"])
def survey_list(request: HttpRequest) -> HttpResponse:
    """List the user's surveys; publish a new survey from an uploaded definition."""
    form = _upload_form()
    status = 200
    if request.method == "POST":
        form = _upload_form(request)
        if form.is_valid():
            version = _publish(request, form)
            if version is not None:
                return redirect("manage:detail", slug=version.survey.slug)
        status = 400
    context = {
        "surveys": survey_list_managed(user=request.user),
        "upload_form": form,
        "max_definition_bytes": max_definition_bytes(),
    }
    return render(request, "manage/list.html", context, status=status)


@never_cache
@researcher_required
@require_GET
def survey_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Show a survey's settings, versions and the forms that change them."""
    return _render_detail(request, _survey_for(request, slug))


@never_cache
@researcher_required
@require_POST
def survey_status(request: HttpRequest, slug: str) -> HttpResponse:
    """Open or close the survey."""
    survey = _survey_for(request, slug)
    status = request.POST.get("status")
    if status not in {Survey.Status.OPEN, Survey.Status.CLOSED}:
        return HttpResponseBadRequest(_("Choose to open or to close the survey."))
    try:
        survey_update(survey=survey, actor=request.user, status=status)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if status == Survey.Status.OPEN:
            messages.success(request, _("The survey is open."))
        else:
            messages.success(request, _("The survey is closed."))
    return redirect("manage:detail", slug=survey.slug)


@never_cache
@researcher_required
@require_POST
def survey_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Change who may answer, the opening and closing times and the quota."""
    survey = _survey_for(request, slug)
    form = SurveySettingsForm(request.POST, prefix=SETTINGS_PREFIX)
    if form.is_valid():
        try:
            survey_update(survey=survey, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            copy_errors(form, error)
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("manage:detail", slug=survey.slug)
    return _render_detail(request, survey, settings_form=form, status=400)


@never_cache
@researcher_required
@require_POST
def survey_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """Publish an uploaded definition as the survey's next version."""
    survey = _survey_for(request, slug)
    form = _upload_form(request)
    if form.is_valid() and _publish(request, form, survey=survey) is not None:
        return redirect("manage:detail", slug=survey.slug)
    return _render_detail(request, survey, upload_form=form, status=400)


@never_cache
@researcher_required
@require_GET
def survey_definition(request: HttpRequest, slug: str) -> HttpResponse:
    """Download the current definition, or version ``?version=N``, as YAML."""
    survey = _survey_for(request, slug)
    versions = SurveyVersion.objects.filter(survey=survey)
    number = request.GET.get("version", "")
    if number:
        try:
            version = get_object_or_404(versions, number=int(number))
        except (ValueError, OverflowError) as exc:
            raise Http404(_("No such version.")) from exc
    elif survey.current_version_id is None:
        raise Http404(_("This survey has no published version yet."))
    else:
        version = versions.get(pk=survey.current_version_id)
    response = HttpResponse(
        definition_dump(version.definition),
        content_type="application/yaml; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{survey.slug}-v{version.number}.yaml"
    )
    return response


@never_cache
@researcher_required
@require_POST
def survey_invitations(request: HttpRequest, slug: str) -> HttpResponse:
    """Create a batch of invitations and download their links as CSV, once."""
    survey = _survey_for(request, slug)
    form = InvitationsForm(request.POST, prefix=INVITE_PREFIX)
    if form.is_valid():
        try:
            created = invitations_create(
                survey=survey,
                actor=request.user,
                count=form.cleaned_data["count"],
                label=form.cleaned_data["label"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except ValidationError as error:
            copy_errors(form, error)
        else:
            return _invitations_csv(request, survey, created)
    return _render_detail(request, survey, invitations_form=form, status=400)


def _invitations_csv(
    request: HttpRequest, survey: Survey, created: list
) -> HttpResponse:
    rows = (
        (
            invitation.public_id,
            _invitation_url(request, survey.slug, token),
            token,
            invitation.expires_at.isoformat() if invitation.expires_at else "",
        )
        for invitation, token in created
    )
    response = HttpResponse(
        csv_text(INVITATION_CSV_HEADER, rows), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{survey.slug}-invitations-{stamp}.csv"
    )
    # Shown on the next page the researcher opens, as the download has no page.
    messages.success(
        request,
        ngettext(
            "%(count)d invitation was created; its link is in the downloaded file.",
            "%(count)d invitations were created; their links are in the downloaded "
            "file.",
            len(created),
        )
        % {"count": len(created)},
    )
    return response
