"""Reads of stored results."""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.db.models import Case, Count, Max, Q, QuerySet, TextField, When
from django.db.models.functions import Cast, Coalesce, Greatest

from core.caching import process_cache
from reports.aggregates_sql import extract_sql
from reports.aggregation import ALL, Plan, aggregate, plan_build
from reports.models import CohortAggregate, ResponseProfile
from reports.public import PUBLIC_RELEASE, PublicSummary, public_cells
from reports.scoring_batch import BatchScorer
from surveys.models import Response, ResponseQuerySet, Survey
from surveys.scoring_rules import ScoringRules
from surveys.selectors import sheet_for_version_id


@process_cache(maxsize=256)
def rules_for_version_id(version_id: int) -> ScoringRules | None:
    """The version's scoring rules, parsed once per process (versions never change)."""
    scoring = sheet_for_version_id(version_id).definition.scoring
    return ScoringRules.from_dict(scoring) if scoring else None


@process_cache(maxsize=64)
def scorer_for_version_id(version_id: int) -> BatchScorer:
    """The version's batch scorer, kept per process with what it has learnt."""
    definition = sheet_for_version_id(version_id).definition
    return BatchScorer(definition, rules_for_version_id(version_id))


def profile_get(*, response: Response) -> ResponseProfile | None:
    return ResponseProfile.objects.filter(response=response).first()


# --- Profiles to (re)compute ---------------------------------------------------------


def responses_needing_profile(*, version_id: int) -> QuerySet[Response]:
    """Counted responses of a version without a profile, or with an outdated one.

    A profile is outdated when it records another scoring version than the
    version's rules (a profile written by older code).
    """
    rules = rules_for_version_id(version_id)
    expected = rules.version if rules is not None else None
    stale = ResponseProfile.objects.filter(version_id=version_id)
    stale = (
        stale.filter(scoring_version__isnull=False)
        if expected is None
        else stale.exclude(scoring_version=expected)
    )
    return Response.objects.counted(version_id=version_id).filter(
        Q(profile__isnull=True) | Q(pk__in=stale.values("response_id"))
    )


def profiles_needed_by_version() -> dict[int, int]:
    """How many profiles each version with counted responses is missing."""
    versions = (
        Response.objects.counted()
        .values_list("version_id", flat=True)
        .distinct()
        .order_by()
    )
    needed = {}
    for version_id in versions:
        count = responses_needing_profile(version_id=version_id).count()
        if count:
            needed[version_id] = count
    return needed


# --- Aggregates ----------------------------------------------------------------------


def plan_for_version_id(version_id: int) -> Plan:
    """The aggregates plan of a version under the current settings, built once."""
    return _plan(
        version_id, settings.AGGREGATE_MAX_PAIRS, settings.AGGREGATE_PAIR_MAX_CHOICES
    )


@process_cache(maxsize=64)
def _plan(version_id: int, max_pairs: int, max_pair_choices: int) -> Plan:
    return plan_build(
        sheet_for_version_id(version_id).definition,
        rules_for_version_id(version_id),
        max_pairs=max_pairs,
        max_pair_choices=max_pair_choices,
    )


def version_watermark(*, version_id: int) -> tuple[int, datetime | None]:
    """The number of counted responses and the time of the latest submission or void."""
    return _watermarks(Response.objects.filter(version_id=version_id)).get(
        version_id, (0, None)
    )


def _watermarks(
    responses: QuerySet[Response],
) -> dict[int, tuple[int, datetime | None]]:
    rows = (
        responses.filter(status=Response.Status.SUBMITTED)
        .values("version_id")
        .order_by()
        .annotate(
            live=Count("pk", filter=ResponseQuerySet.counted_condition()),
            latest=Max(Greatest("submitted_at", Coalesce("voided_at", "submitted_at"))),
        )
    )
    return {row["version_id"]: (row["live"], row["latest"]) for row in rows}


def aggregates_stale_version_ids() -> list[int]:
    """Versions whose stored aggregates miss a submission or a void.

    A snapshot records the count and the latest change it saw before reading
    (``source_count``, ``source_changed_at``); anything different now means a
    response arrived or was voided since.
    """
    current = _watermarks(Response.objects.all())
    stored = {
        row["version_id"]: (row["source_count"], row["source_changed_at"])
        for row in CohortAggregate.objects.filter(segment="").values(
            "version_id", "source_count", "source_changed_at"
        )
    }
    return sorted(
        version_id
        for version_id, mark in current.items()
        if stored.get(version_id) != mark
    )


def aggregate_sources(*, version_id: int) -> QuerySet[Response]:
    """The responses a version's aggregates count: counted, with a stored profile."""
    return Response.objects.counted(version_id=version_id).filter(profile__isnull=False)


def aggregates_compute(*, version_id: int) -> dict[str, tuple[int, dict]]:
    """Compute (without storing) every segment of a version: key -> (n, groups)."""
    plan = plan_for_version_id(version_id)
    return aggregate(plan, extract_sql(plan, aggregate_sources(version_id=version_id)))


def aggregate_get(
    *,
    survey: Survey,
    segment: str,
    version_number: int | None = None,
    min_cell_size: int | None = None,
) -> CohortAggregate | None:
    """A stored snapshot of the survey's current (or given) version, or None.

    Its groups come as JSON text in ``groups_json`` (the JSON columns are not
    decoded): ``public_data`` when ``min_cell_size`` is given and the snapshot
    was built with it, else ``data`` (compare ``min_cell_size`` to know which).
    A pair segment is found in either order ("role,experience_years" or
    "experience_years,role"); compare ``segment`` to know which.
    """
    first, _sep, second = segment.partition(",")
    wanted = [segment, f"{second},{first}"] if second else [segment]
    full = Cast("data", TextField())
    groups = (
        full
        if min_cell_size is None
        else Case(
            When(min_cell_size=min_cell_size, then=Cast("public_data", TextField())),
            default=full,
        )
    )
    snapshots = (
        CohortAggregate.objects.select_related("version")
        .defer("version__definition", "data", "public_data")
        .annotate(groups_json=groups)
    )
    if version_number is None:
        snapshots = snapshots.filter(version_id=survey.current_version_id)
    else:
        snapshots = snapshots.filter(
            version__survey=survey, version__number=version_number
        )
    return snapshots.filter(segment__in=wanted).first()


def aggregate_segments(
    *, survey: Survey, version_number: int | None = None
) -> list[str] | None:
    """The precomputed segments of a version; None if the version does not exist."""
    versions = survey.versions.all()
    version = (
        versions.filter(pk=survey.current_version_id)
        if version_number is None
        else versions.filter(number=version_number)
    )
    version_id = version.values_list("pk", flat=True).first()
    if version_id is None:
        return None
    return list(
        CohortAggregate.objects.filter(version_id=version_id)
        .exclude(segment=PUBLIC_RELEASE)
        .order_by("pk")
        .values_list("segment", flat=True)
    )


def aggregate_public_get(
    *, survey: Survey, min_cell_size: int, version_number: int | None = None
) -> PublicSummary | None:
    """The public summary of the survey's current (or given) version, or None.

    One query: the full snapshot of all responses, cut down to its public
    parts and suppressed under ``min_cell_size`` by ``reports.public``, which
    says what the summary holds and why.
    """
    snapshot = aggregate_get(
        survey=survey, segment=PUBLIC_RELEASE, version_number=version_number
    )
    if snapshot is None:
        return None
    groups = json.loads(snapshot.groups_json)
    return PublicSummary(
        version=snapshot.version.number,
        n=snapshot.n,
        computed_at=snapshot.computed_at,
        min_cell_size=min_cell_size,
        cells=public_cells(groups.get(ALL), min_cell_size),
    )
