"""Reads of surveys, versions and responses."""

from __future__ import annotations

import pickle
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from core.caching import process_cache
from surveys.answers import AnswerSheet
from surveys.definition import Definition, definition_parse
from surveys.models import Invitation, Response, Survey, SurveyVersion, hash_token


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


SURVEY_CACHE_SECONDS = 30
# Each process also keeps the row this long, saving a round trip to Redis on
# every submission; a status change made in another process reaches it
# within this time (dates and quotas are checked on every request).
SURVEY_LOCAL_SECONDS = 1.0
_LOCAL_SURVEYS: dict[str, tuple[float, bytes]] = {}


def _survey_cache_key(slug: str) -> str:
    return f"surveys:survey:{slug}"


def _survey_for_answering_query(slug: str) -> Survey | None:
    return (
        Survey.objects.select_related("current_version")
        .defer("current_version__definition")
        .filter(slug=slug)
        .first()
    )


def survey_get_for_answering(*, slug: str) -> Survey | None:
    """The survey with its current version (definition deferred), for submissions.

    With a shared cache (Redis) the row is cached briefly: every save of a
    survey evicts it (see ``survey_cache_evict``), so a closed survey stops
    taking answers at once in the process that closed it and within
    ``SURVEY_LOCAL_SECONDS`` in the others. A per-process cache alone could not
    be evicted from another process, so without Redis the database is read
    every time.
    """
    if not settings.REDIS_URL:
        return _survey_for_answering_query(slug)
    now = time.monotonic()
    local = _LOCAL_SURVEYS.get(slug)
    if local is not None and local[0] > now:
        return pickle.loads(local[1])  # noqa: S301 (written by this process)
    key = _survey_cache_key(slug)
    survey = cache.get(key)
    if survey is None:
        survey = _survey_for_answering_query(slug)
        if survey is None:
            return None
        cache.set(key, survey, SURVEY_CACHE_SECONDS)
    if len(_LOCAL_SURVEYS) > 256:
        _LOCAL_SURVEYS.clear()
    _LOCAL_SURVEYS[slug] = (now + SURVEY_LOCAL_SECONDS, pickle.dumps(survey))
    return survey


def survey_cache_evict(*, slug: str) -> None:
    _LOCAL_SURVEYS.pop(slug, None)
    cache.delete(_survey_cache_key(slug))


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
