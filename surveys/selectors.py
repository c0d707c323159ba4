"""Reads of surveys, versions and responses."""

from __future__ import annotations

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from core.caching import process_cache
from surveys.answers import AnswerSheet
from surveys.definition import Definition, definition_parse
from surveys.models import (
    Invitation,
    Response,
    Survey,
    SurveyCollaborator,
    SurveyVersion,
    hash_token,
)


def definition_for_version(version: SurveyVersion) -> Definition:
    """The parsed definition of a version, cached per process."""
    return sheet_for_version_id(version.pk).definition


def sheet_for_version(version: SurveyVersion) -> AnswerSheet:
    """The answer sheet (parsed definition) of a version, cached per process."""
    return sheet_for_version_id(version.pk)


@process_cache(maxsize=256)
def sheet_for_version_id(version_id: int) -> AnswerSheet:
    """The answer sheet of a version, parsed once per process.

    Versions are immutable, so their id identifies the parse forever; the
    large definition column is read from the database only on a cache miss.
    """
    document = SurveyVersion.objects.values_list("definition", flat=True).get(
        pk=version_id
    )
    return AnswerSheet(definition_parse(document))


# How long a process keeps a survey's row for submissions. A change made in
# this process evicts it at once (``survey_cache_evict``, on every save); one
# made in another process reaches this one within this time. Dates and quotas
# are checked on every request, whatever the copy's age.
SURVEY_CACHE_SECONDS = 1
# What answering needs: not the texts (titles, description, consent).
_ANSWERING_FIELDS = [
    "id",
    "slug",
    "status",
    "access",
    "opens_at",
    "closes_at",
    "response_quota",
    "public_results",
    "current_version_id",
    "owner_id",
]


def _survey_cache_key(slug: str) -> str:
    return f"surveys:answering:{slug}"


def survey_get_for_answering(*, slug: str) -> Survey | None:
    """The survey with its current version's number, for submissions.

    The row is kept, as plain values, in this process's memory for
    ``SURVEY_CACHE_SECONDS``: a submission then reads nothing but what it writes.
    """
    local = caches["local"]
    key = _survey_cache_key(slug)
    row = local.get(key)
    if row is None:
        row = (
            Survey.objects.filter(slug=slug)
            .values_list(*_ANSWERING_FIELDS, "current_version__number")
            .first()
        )
        if row is None:
            return None
        local.set(key, row, SURVEY_CACHE_SECONDS)
    # Model.from_db is Django's documented way to build an instance from values;
    # the fields left out (titles, the definition) load on access if ever needed.
    survey = Survey.from_db(DEFAULT_DB_ALIAS, _ANSWERING_FIELDS, row[:-1])
    if survey.current_version_id is not None:
        survey.current_version = SurveyVersion.from_db(
            DEFAULT_DB_ALIAS,
            ["id", "survey_id", "number"],
            [survey.current_version_id, survey.pk, row[-1]],
        )
    return survey


def survey_cache_evict(*, slug: str) -> None:
    caches["local"].delete(_survey_cache_key(slug))


def survey_list_public() -> QuerySet[Survey]:
    """Surveys anyone may answer now: open, public, published, within their dates."""
    now = timezone.now()
    return (
        Survey.objects.filter(
            status=Survey.Status.OPEN,
            access=Survey.Access.PUBLIC,
            current_version__isnull=False,
        )
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .select_related("current_version")
    )


def survey_list_results_public() -> QuerySet[Survey]:
    """Surveys whose results anyone may read, as ``Survey.results_are_public`` says."""
    return (
        Survey.objects.filter(public_results=True, current_version__isnull=False)
        .exclude(status=Survey.Status.DRAFT)
        .only("slug", "title", "status", "public_results", "current_version_id")
        .order_by("slug")
    )


def survey_list_for_user(*, user: User) -> QuerySet[Survey]:
    """Open public surveys for everyone; researchers also those they own or
    collaborate on; staff all."""
    if user.is_authenticated and user.is_staff:
        surveys = Survey.objects.all()
    elif user.is_authenticated and user.is_researcher:
        surveys = Survey.objects.filter(
            Q(pk__in=surveys_shared_with(user=user).values("pk"))
            | Q(pk__in=survey_list_public().values("pk"))
        )
    else:
        surveys = survey_list_public()
    return surveys.select_related("current_version", "owner").order_by("slug")


def surveys_shared_with(*, user: User, roles: tuple[str, ...] = ()) -> QuerySet[Survey]:
    """The surveys a researcher owns, or collaborates on (in one of ``roles``,
    any role if none is given): ``survey_role`` as a filter. Staff: all."""
    if not user.is_authenticated:
        return Survey.objects.none()
    if user.is_staff:
        return Survey.objects.all()
    if not user.is_researcher:
        return Survey.objects.none()
    collaborations = SurveyCollaborator.objects.filter(user=user)
    if roles:
        collaborations = collaborations.filter(role__in=roles)
    return Survey.objects.filter(
        Q(owner=user) | Q(pk__in=collaborations.values("survey_id"))
    )


def survey_list_readable(*, user: User) -> QuerySet[Survey]:
    """The surveys whose results the user may read (``survey_can_read_results``
    as a filter), for the dashboards' list."""
    return (
        surveys_shared_with(user=user).only("slug", "title", "status").order_by("slug")
    )


# Who a user is to a survey, from the most to the least powerful.
STAFF, OWNER = "staff", "owner"
EDITOR, VIEWER = SurveyCollaborator.Role.EDITOR, SurveyCollaborator.Role.VIEWER
_CAN_MANAGE = {STAFF, OWNER, EDITOR}
_CAN_SHARE = {STAFF, OWNER}


def survey_role(*, survey: Survey, user: User) -> str | None:
    """``staff``, ``owner``, ``editor``, ``viewer``, or None for anyone else.

    Only researchers own or collaborate (a user who stops being one loses the
    access); staff may do everything.
    """
    if not user.is_authenticated:
        return None
    if user.is_staff:
        return STAFF
    if not user.is_researcher:
        return None
    if survey.owner_id == user.pk:
        return OWNER
    return (
        SurveyCollaborator.objects.filter(survey=survey, user=user)
        .values_list("role", flat=True)
        .first()
    )


def survey_can_read_results(*, survey: Survey, user: User) -> bool:
    """Dashboards, the response browser, the full aggregates and exports."""
    return survey_role(survey=survey, user=user) is not None


def survey_can_manage(*, survey: Survey, user: User) -> bool:
    """Publish, open and close, invite, void: the owner, editors and staff."""
    return survey_role(survey=survey, user=user) in _CAN_MANAGE


def survey_can_share(*, survey: Survey, user: User) -> bool:
    """Add or remove collaborators, export personal data: the owner and staff."""
    return survey_role(survey=survey, user=user) in _CAN_SHARE


def survey_collaborators(*, survey: Survey) -> QuerySet[SurveyCollaborator]:
    return survey.collaborators.select_related("user", "added_by").order_by(
        "added_at", "pk"
    )


def survey_submitted_count(*, survey: Survey) -> int:
    return survey.responses.counted().count()


def survey_availability(*, survey: Survey) -> str:
    """One of: open, draft, not_open_yet, closed, full, unpublished."""
    now = timezone.now()
    if survey.current_version_id is None:
        return "unpublished"
    if survey.status == Survey.Status.DRAFT:
        return "draft"
    if survey.status == Survey.Status.CLOSED or (
        survey.closes_at and survey.closes_at <= now
    ):
        return "closed"
    if survey.opens_at and survey.opens_at > now:
        return "not_open_yet"
    if survey.response_quota is not None and (
        survey_submitted_count(survey=survey) >= survey.response_quota
    ):
        return "full"
    return "open"


def response_list() -> QuerySet[Response]:
    """Responses with their survey and version, less the version's definition.

    The definition is large, and whoever needs it reads the parsed one cached
    per version (``sheet_for_version``).
    """
    return Response.objects.select_related("survey", "version").defer(
        "version__definition"
    )


def response_get_by_token(*, token: str) -> Response | None:
    if not token:
        return None
    return response_list().filter(resume_token_hash=hash_token(token)).first()


def invitation_get_by_token(*, survey: Survey, token: str) -> Invitation | None:
    if not token:
        return None
    return (
        Invitation.objects.filter(survey=survey, token_hash=hash_token(token))
        .annotate(responses=Count("response"))
        .first()
    )
