"""Every write to surveys, versions, invitations and responses."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.errors import Conflict, Forbidden, Gone, Unprocessable
from surveys.definition import definition_errors
from surveys.forms import merge_answers
from surveys.models import (
    Invitation,
    Page,
    Question,
    Response,
    ResponseVoidEvent,
    Survey,
    SurveyCollaborator,
    SurveyVersion,
    hash_token,
    new_token,
)
from surveys.selectors import (
    sheet_for_version,
    sheet_for_version_id,
    survey_availability,
    survey_can_manage,
    survey_can_share,
)
from surveys.signals import response_submitted, response_unvoided, response_voided

logger = logging.getLogger(__name__)

MAX_INVITATIONS_PER_BATCH = 10_000

UNAVAILABLE_MESSAGES = {
    "unpublished": gettext_lazy("This survey has no published version yet."),
    "draft": gettext_lazy("This survey is not open yet."),
    "not_open_yet": gettext_lazy("This survey is not open yet."),
    "closed": gettext_lazy("This survey is closed."),
    "full": gettext_lazy("This survey has reached its number of responses."),
}


def definition_checksum(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def request_fingerprint(data: Any) -> str:
    """What an Idempotency-Key is bound to: the request body, canonically."""
    encoded = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


# --- Surveys and versions --------------------------------------------------------


@transaction.atomic
def survey_publish(*, document: Any, actor: User) -> SurveyVersion:
    """Publish a definition as the next version of its survey, creating the survey.

    Nothing is saved when the document has any problem: every problem is
    reported under ``definition``. Publishing the same document again is a
    no-op that returns the current version.
    """
    errors = definition_errors(document)
    if errors:
        raise ValidationError({"definition": errors})
    survey = Survey.objects.select_for_update().filter(slug=document["slug"]).first()
    if survey is None:
        if not actor.is_researcher:
            raise PermissionDenied(_("Only researchers may create surveys."))
        survey = Survey.objects.create(slug=document["slug"], owner=actor)
    elif not survey_can_manage(survey=survey, user=actor):
        raise PermissionDenied(
            _("Only the survey's owner, its editors or staff may publish it.")
        )
    checksum = definition_checksum(document)
    current = survey.current_version
    if current is not None and current.checksum == checksum:
        return current
    last = survey.versions.order_by("-number").values_list("number", flat=True).first()
    version = SurveyVersion.objects.create(
        survey=survey,
        number=(last or 0) + 1,
        definition=document,
        checksum=checksum,
        published_by=actor,
    )
    _materialise(version, document)
    survey.title = document["title"]
    survey.description = document.get("description", {})
    survey.consent = document.get("consent", {})
    survey.current_version = version
    survey.save(
        update_fields=[
            "title",
            "description",
            "consent",
            "current_version",
            "updated_at",
        ]
    )
    logger.info("published %s v%d by %s", survey.slug, version.number, actor.pk)
    return version


def _materialise(version: SurveyVersion, document: dict) -> None:
    pages = Page.objects.bulk_create(
        Page(version=version, code=page["code"], position=i, title=page["title"])
        for i, page in enumerate(document["pages"])
    )
    position = 0
    questions = []
    for page, spec in zip(pages, document["pages"], strict=True):
        for item in spec["questions"]:
            questions.append(
                Question(
                    version=version,
                    page=page,
                    code=item["code"],
                    position=position,
                    type=item["type"],
                    text=item["text"],
                    required=item.get("required", False),
                    tags=item.get("tags", []),
                    spec=item,
                )
            )
            position += 1
    Question.objects.bulk_create(questions)


@transaction.atomic
def survey_update(
    *,
    survey: Survey,
    actor: User,
    status: str | None = None,
    access: str | None = None,
    opens_at: dt.datetime | Any | None = ...,
    closes_at: dt.datetime | Any | None = ...,
    response_quota: int | Any | None = ...,
    public_results: bool | None = None,
) -> Survey:
    """Change a survey's status (open, close, reopen) and its distribution settings.

    ``public_results`` lets anyone read the public summary of its results.
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey_can_manage(survey=survey, user=actor):
        raise PermissionDenied(
            _("Only the survey's owner, its editors or staff may change it.")
        )
    fields = []
    if status is not None and status != survey.status:
        if status == Survey.Status.OPEN and survey.current_version_id is None:
            raise ValidationError(
                {"status": [_("Publish a version before opening the survey.")]}
            )
        if status == Survey.Status.DRAFT and survey.responses.exists():
            raise ValidationError(
                {"status": [_("A survey with responses cannot go back to draft.")]}
            )
        survey.status = status
        fields.append("status")
    for name, value in (
        ("access", access),
        ("opens_at", opens_at),
        ("closes_at", closes_at),
        ("response_quota", response_quota),
        ("public_results", public_results),
    ):
        if value is not ... and not (
            name in {"access", "public_results"} and value is None
        ):
            setattr(survey, name, value)
            fields.append(name)
    if fields:
        survey.full_clean(exclude=["owner", "current_version"])
        survey.save(update_fields=[*fields, "updated_at"])
    return survey


@transaction.atomic
def survey_hand_over(*, survey: Survey, owner: User, actor: User) -> Survey:
    """Make a researcher the survey's owner; only staff may hand a survey over."""
    if not actor.is_staff:
        raise PermissionDenied(_("Only staff may hand a survey over."))
    if not owner.is_researcher:
        raise ValidationError({"owner": [_("Choose a researcher as the owner.")]})
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.owner_id != owner.pk:
        survey.owner = owner
        survey.save(update_fields=["owner", "updated_at"])
    return survey


@transaction.atomic
def invitations_create(
    *,
    survey: Survey,
    count: int,
    actor: User,
    label: str = "",
    expires_at: dt.datetime | None = None,
) -> list[tuple[Invitation, str]]:
    """Create single-use invitations; return each with its clear token (shown once)."""
    if not survey_can_manage(survey=survey, user=actor):
        raise PermissionDenied(
            _("Only the survey's owner, its editors or staff may invite.")
        )
    if not 1 <= count <= MAX_INVITATIONS_PER_BATCH:
        raise ValidationError(
            {"count": [_("Choose from 1 to %(n)d.") % {"n": MAX_INVITATIONS_PER_BATCH}]}
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": [_("Choose a time in the future.")]})
    tokens = [new_token() for _ in range(count)]
    invitations = Invitation.objects.bulk_create(
        Invitation(
            survey=survey,
            token_hash=hash_token(token),
            label=label,
            expires_at=expires_at,
            created_by=actor,
        )
        for token in tokens
    )
    return list(zip(invitations, tokens, strict=True))


@transaction.atomic
def collaborator_add(
    *, survey: Survey, actor: User, email: str, role: str
) -> SurveyCollaborator:
    """Let another researcher into the survey as viewer or editor; adding one
    already there changes their role."""
    if not survey_can_share(survey=survey, user=actor):
        raise PermissionDenied(_("Only the survey's owner or staff may share it."))
    if role not in SurveyCollaborator.Role.values:
        raise ValidationError({"role": [_("Choose viewer or editor.")]})
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_researcher:
        raise ValidationError({"email": [_("No researcher has this email address.")]})
    if user.pk == survey.owner_id:
        raise ValidationError({"email": [_("The owner already has every right.")]})
    collaborator, _created = SurveyCollaborator.objects.update_or_create(
        survey=survey, user=user, defaults={"role": role, "added_by": actor}
    )
    logger.info("%s shared %s with %s as %s", actor.pk, survey.slug, user.pk, role)
    return collaborator


@transaction.atomic
def collaborator_remove(*, collaborator: SurveyCollaborator, actor: User) -> None:
    """Take a collaborator's access away."""
    if not survey_can_share(survey=collaborator.survey, user=actor):
        raise PermissionDenied(_("Only the survey's owner or staff may share it."))
    collaborator.delete()
    logger.info(
        "%s removed %s from %s",
        actor.pk,
        collaborator.user_id,
        collaborator.survey.slug,
    )


def invitation_issue(
    *,
    survey: Survey,
    created_by: User,
    label: str = "",
    expires_at: dt.datetime | None = None,
) -> tuple[Invitation, str]:
    """Issue one invitation to a public survey; return it with its clear token.

    For callers that checked their own permission: an organisation inviting
    its members to answer for a project. A public survey is open to anyone,
    so the link grants nothing more; it only ties the response to the caller.
    """
    if survey.access != Survey.Access.PUBLIC:
        raise PermissionDenied(_("Only the survey's owner or staff may invite."))
    token = new_token()
    invitation = Invitation.objects.create(
        survey=survey,
        token_hash=hash_token(token),
        label=label,
        expires_at=expires_at,
        created_by=created_by,
    )
    return invitation, token


# --- Responses ---------------------------------------------------------------------


def resume_token_for(response_id: Any) -> str:
    """The response's resume token, derived so a retried request can show it again.

    Equal to ``salted_hmac("surveys.resume-token", id, algorithm="sha256")``,
    with the key derived once per secret rather than on every call.
    """
    key = _resume_key(settings.SECRET_KEY)
    return hmac.new(key, str(response_id).encode(), hashlib.sha256).hexdigest()


@functools.cache
def _resume_key(secret: str) -> bytes:
    return hashlib.sha256(("surveys.resume-token" + secret).encode()).digest()


def _require_open(survey: Survey) -> None:
    availability = survey_availability(survey=survey)
    if availability != "open":
        raise Conflict(
            str(UNAVAILABLE_MESSAGES[availability]), code=f"survey_{availability}"
        )


def _check_invitation(survey: Survey, token: str) -> Invitation | None:
    if survey.access != Survey.Access.INVITATION:
        # A public survey needs no invitation, but a valid one ties the
        # response to it (an organisation inviting its members); any other
        # token is ignored.
        if not token:
            return None
        invitation = (
            Invitation.objects.select_for_update()
            .filter(survey=survey, token_hash=hash_token(token))
            .first()
        )
        return None if invitation is None or invitation.is_expired() else invitation
    if not token:
        raise Forbidden(
            _("This survey is by invitation only."), code="invitation_required"
        )
    invitation = (
        Invitation.objects.select_for_update()
        .filter(survey=survey, token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise Forbidden(
            _("This invitation link is not valid."), code="invitation_invalid"
        )
    if invitation.is_expired():
        raise Gone(_("This invitation has expired."), code="invitation_expired")
    return invitation


def response_start(
    *,
    survey: Survey,
    language: str = "en",
    channel: str = Response.Channel.WEB,
    invitation_token: str = "",
    idempotency_key: str = "",
    fingerprint: str = "",
    answers: Any = None,
    submit: bool = False,
) -> tuple[Response, bool]:
    """Start a response and return it with whether it is new.

    With ``answers`` the response starts with them (checked as a draft), and
    with ``submit`` it is created already submitted (checked completely), in
    one INSERT. The same idempotency key, or the same invitation, returns the
    response already started instead of a second one (then nothing else is
    done here); the database constraints settle races between two requests.
    """
    if idempotency_key:
        existing = _by_idempotency_key(survey, idempotency_key, fingerprint)
        if existing is not None:
            return existing, False
    _require_open(survey)
    # A public response with no quota to respect is one INSERT, atomic on its
    # own: no transaction around it saves two round trips (BEGIN, COMMIT).
    locks = (
        survey.access == Survey.Access.INVITATION
        or bool(invitation_token)
        or (submit and survey.response_quota is not None)
    )
    try:
        with transaction.atomic() if locks else nullcontext():
            if submit and survey.response_quota is not None:
                # Lock the survey so that two last-place submissions cannot both pass.
                _require_open(Survey.objects.select_for_update().get(pk=survey.pk))
            invitation = _check_invitation(survey, invitation_token)
            clean = (
                _clean_new(survey, answers, submit=submit)
                if (answers or submit)
                else {}
            )
            if invitation is not None:
                existing = Response.objects.filter(invitation=invitation).first()
                if existing is not None:
                    if existing.is_submitted:
                        raise Conflict(
                            _("This invitation has already been used."),
                            code="invitation_used",
                        )
                    return existing, False
            now = timezone.now()
            response = Response(
                survey=survey,
                version_id=survey.current_version_id,
                language=language,
                channel=channel,
                invitation=invitation,
                idempotency_key=idempotency_key,
                idempotency_fingerprint=fingerprint,
                answers=clean,
                status=Response.Status.SUBMITTED if submit else Response.Status.DRAFT,
                started_at=now,
                submitted_at=now if submit else None,
            )
            response.resume_token = resume_token_for(response.id)
            response.resume_token_hash = hash_token(response.resume_token)
            # Outside a transaction (public, no quota) this INSERT is the
            # whole write: no BEGIN, no COMMIT.
            response.save(force_insert=True)
            if Survey.current_version.is_cached(survey):
                response.version = survey.current_version  # saves a query for callers
            if submit:
                response_submitted.send(sender=Response, response=response)
    except IntegrityError:
        # A simultaneous request with the same key or invitation won the race.
        existing = None
        if idempotency_key:
            existing = _by_idempotency_key(survey, idempotency_key, fingerprint)
        if existing is None and invitation_token:
            existing = Response.objects.filter(
                invitation__token_hash=hash_token(invitation_token)
            ).first()
        if existing is None:
            raise
        return existing, False
    if submit:
        logger.info("response %s submitted to %s", response.pk, survey.slug)
    return response, True


def _clean_new(survey: Survey, answers: Any, *, submit: bool) -> dict:
    sheet = sheet_for_version_id(survey.current_version_id)
    clean, errors = sheet.clean(answers or {}, complete=submit, keep_hidden=not submit)
    if errors:
        raise ValidationError(errors)
    return clean


def _by_idempotency_key(survey: Survey, key: str, fingerprint: str) -> Response | None:
    existing = Response.objects.filter(survey=survey, idempotency_key=key).first()
    if existing is not None:
        _same_request(existing, fingerprint)
    return existing


def _same_request(existing: Response, fingerprint: str) -> None:
    if (
        fingerprint
        and existing.idempotency_fingerprint
        and existing.idempotency_fingerprint != fingerprint
    ):
        raise Unprocessable(
            _("This Idempotency-Key was already used with a different request body."),
            code="idempotency_key_reused",
        )


def _locked(response: Response) -> Response:
    locked = _lock_response(response.pk)
    if locked.is_submitted:
        raise Conflict(
            _("This response was submitted and can no longer change."),
            code="response_submitted",
        )
    return locked


@transaction.atomic
def response_save(
    *,
    response: Response,
    answers: Any,
    language: str | None = None,
    current_page: str | None = None,
    validate_pages: set[str] | None = None,
) -> Response:
    """Merge answers into a draft (a null value removes an answer) and save it.

    Every answer is checked; on any error nothing is saved. ``validate_pages``
    also enforces the required questions of those pages (leaving a page).
    """
    response = _locked(response)
    _require_open(response.survey)
    if not isinstance(answers, dict):
        raise ValidationError(
            {"answers": [_("Send an object mapping question codes to answers.")]}
        )
    sheet = sheet_for_version(response.version)
    clean, errors = sheet.clean(
        merge_answers(response.answers, answers),
        complete=validate_pages is not None,
        only_pages=validate_pages,
        keep_hidden=True,
    )
    if errors:
        raise ValidationError(errors)
    return _draft_store(response, clean, language, current_page)


def _draft_store(
    response: Response,
    answers: dict[str, Any],
    language: str | None,
    current_page: str | None,
) -> Response:
    response.answers = answers
    fields = ["answers", "updated_at"]
    if language:
        response.language = language
        fields.append("language")
    if current_page is not None:
        response.current_page = current_page
        fields.append("current_page")
    response.save(update_fields=fields)
    return response


@transaction.atomic
def response_save_valid(
    *,
    response: Response,
    answers: dict[str, Any],
    language: str | None = None,
    current_page: str | None = None,
) -> tuple[Response, dict[str, list[str]]]:
    """Merge the answers that pass the draft check into a draft; return the others' errors.

    For a page that failed its checks: what the respondent got right is kept
    (a resume link finds it), and where a new answer is invalid the earlier
    one stays. Required questions are not enforced, as in any draft save.
    """
    response = _locked(response)
    _require_open(response.survey)
    sheet = sheet_for_version(response.version)
    clean, errors = sheet.clean(
        merge_answers(response.answers, answers), complete=False, keep_hidden=True
    )
    if errors:
        valid = {key: value for key, value in answers.items() if key not in errors}
        # An answer still in error here holds no valid value: it is left out.
        clean, _still = sheet.clean(
            merge_answers(response.answers, valid), complete=False, keep_hidden=True
        )
    return _draft_store(response, clean, language, current_page), errors


def _lock_response(pk: Any) -> Response:
    # The definition is deferred: the parsed, cached sheet is all that is needed.
    return (
        Response.objects.select_for_update(of=("self",))
        .select_related("version", "survey")
        .defer("version__definition")
        .get(pk=pk)
    )


@transaction.atomic
def response_submit(*, response: Response, answers: Any = None) -> Response:
    """Validate a response completely and submit it; submitting twice is a no-op.

    Answers to hidden questions are discarded. On any error nothing changes.
    """
    locked = _lock_response(response.pk)
    if locked.is_submitted:
        return locked  # a retried request or a second tab
    return _submit(locked, answers)


def _submit(locked: Response, answers: Any) -> Response:
    """Submit a response whose row the current transaction already holds."""
    survey = locked.survey
    if survey.response_quota is not None:
        # Lock the survey so that two last-place submissions cannot both pass.
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _require_open(survey)
    merged = dict(locked.answers)
    if answers is not None:
        if not isinstance(answers, dict):
            raise ValidationError(
                {"answers": [_("Send an object mapping question codes to answers.")]}
            )
        merged = merge_answers(merged, answers)
    clean, errors = sheet_for_version(locked.version).clean(merged, complete=True)
    if errors:
        raise ValidationError(errors)
    locked.answers = clean
    locked.status = Response.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["answers", "status", "submitted_at", "updated_at"])
    response_submitted.send(sender=Response, response=locked)
    logger.info("response %s submitted to %s", locked.pk, survey.slug)
    return locked


def _locked_for_void(*, response: Response, actor: User, refusal: str) -> Response:
    """The response, locked, once the actor may void it and it is submitted
    (``refusal`` says otherwise: a draft is neither voided nor un-voided)."""
    if not survey_can_manage(survey=response.survey, user=actor):
        raise PermissionDenied(
            _("Only the survey's owner, its editors or staff may void responses.")
        )
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if not locked.is_submitted:
        raise Conflict(refusal, code="response_not_submitted")
    return locked


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    return reason.strip()


@transaction.atomic
def response_void(*, response: Response, reason: str, actor: User) -> Response:
    """Flag a submitted response as void: kept, but left out of every result.

    The owner, editors and staff may; the change is logged with its reason.
    Voiding a voided response changes nothing (a retried request).
    """
    locked = _locked_for_void(
        response=response,
        actor=actor,
        refusal=_("Only submitted responses can be voided."),
    )
    reason = _reason(reason)
    if locked.is_voided:
        return locked
    locked.voided_at = timezone.now()
    locked.void_reason = reason
    locked.voided_by = actor
    locked.save(update_fields=["voided_at", "void_reason", "voided_by", "updated_at"])
    ResponseVoidEvent.objects.create(
        response=locked,
        action=ResponseVoidEvent.Action.VOID,
        reason=reason,
        actor=actor,
        at=locked.voided_at,
    )
    response_voided.send(sender=Response, response=locked)
    return locked


@transaction.atomic
def response_unvoid(*, response: Response, reason: str, actor: User) -> Response:
    """Count a voided response again, as if it had never been voided.

    The same people as for a void, with a reason, logged; results are brought
    up to date as for a void. Un-voiding a response that is not voided changes
    nothing (a retried request); a draft is refused, as for a void, rather
    than answered as if it had been un-voided.
    """
    locked = _locked_for_void(
        response=response,
        actor=actor,
        refusal=_("Only submitted responses can be un-voided."),
    )
    reason = _reason(reason)
    if not locked.is_voided:
        return locked
    locked.voided_at = None
    locked.void_reason = ""
    locked.voided_by = None
    locked.save(update_fields=["voided_at", "void_reason", "voided_by", "updated_at"])
    ResponseVoidEvent.objects.create(
        response=locked,
        action=ResponseVoidEvent.Action.UNVOID,
        reason=reason,
        actor=actor,
        at=locked.updated_at,
    )
    response_unvoided.send(sender=Response, response=locked)
    return locked


def response_create(
    *,
    survey: Survey,
    answers: Any,
    submit: bool,
    language: str = "en",
    channel: str = Response.Channel.API,
    invitation_token: str = "",
    idempotency_key: str = "",
    fingerprint: str = "",
) -> tuple[Response, bool]:
    """Start a response with its answers, and submit it if asked, all or nothing.

    A replayed idempotency key returns the first response unchanged; an
    invitation whose draft exists gets the answers merged into that draft.
    """
    response, created = response_start(
        survey=survey,
        language=language,
        channel=channel,
        invitation_token=invitation_token,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        answers=answers,
        submit=submit,
    )
    if created or (idempotency_key and response.idempotency_key == idempotency_key):
        return response, created
    # The invitation's draft already existed: continue it.
    if submit:
        response = response_submit(response=response, answers=answers)
    elif answers:
        response = response_save(response=response, answers=answers, language=language)
    return response, False
