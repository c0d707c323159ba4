"""Reads of surveys, versions and responses."""

from __future__ import annotations

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from surveys.answers import AnswerSheet
from surveys.definition import Definition, definition_parse
from surveys.models import Invitation, Response, Survey, SurveyVersion, hash_token

_SHEETS: dict[int, AnswerSheet] = {}
_SHEETS_MAX = 256


def definition_for_version(version: SurveyVersion) -> Definition:
    """The parsed definition of a version, cached per process."""
    return sheet_for_version(version).definition


def sheet_for_version(version: SurveyVersion) -> AnswerSheet:
    """The answer sheet (parsed definition) of a version, cached per process.

    Versions are immutable, so their id identifies the parse forever; the
    large definition column is read from the database only on a cache miss.
    """
    return sheet_for_version_id(version.pk, version=version)


def sheet_for_version_id(
    version_id: int, *, version: SurveyVersion | None = None
) -> AnswerSheet:
    sheet = _SHEETS.get(version_id)
    if sheet is None:
        if version is not None and "definition" in version.__dict__:
            document = version.definition
        else:
            document = SurveyVersion.objects.values_list("definition", flat=True).get(
                pk=version_id
            )
        if len(_SHEETS) >= _SHEETS_MAX:
            _SHEETS.clear()
        sheet = _SHEETS[version_id] = AnswerSheet(definition_parse(document))
    return sheet


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
    """Open public surveys for everyone; researchers also see their own; staff all."""
    if user.is_authenticated and user.is_staff:
        surveys = Survey.objects.all()
    elif user.is_authenticated and user.is_researcher:
        surveys = Survey.objects.filter(
            Q(owner=user) | Q(pk__in=survey_list_public().values("pk"))
        )
    else:
        surveys = survey_list_public()
    return surveys.select_related("current_version", "owner").order_by("slug")


def survey_can_manage(*, survey: Survey, user: User) -> bool:
    return user.is_authenticated and (
        user.is_staff or (user.is_researcher and survey.owner_id == user.pk)
    )


def survey_submitted_count(*, survey: Survey) -> int:
    return survey.responses.filter(
        status=Response.Status.SUBMITTED, voided_at__isnull=True
    ).count()


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


def response_get_by_token(*, token: str) -> Response | None:
    if not token:
        return None
    return (
        Response.objects.select_related("survey", "version")
        .defer("version__definition")
        .filter(resume_token_hash=hash_token(token))
        .first()
    )


def invitation_get_by_token(*, survey: Survey, token: str) -> Invitation | None:
    if not token:
        return None
    return (
        Invitation.objects.filter(survey=survey, token_hash=hash_token(token))
        .annotate(responses=Count("response"))
        .first()
    )
