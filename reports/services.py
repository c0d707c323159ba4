"""Every write of stored results."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from reports.aggregation import suppress_groups
from reports.models import CohortAggregate, ResponseProfile
from reports.profiles import PROFILE_CONTENT, profile_fields
from reports.profiles_sql import (
    batch_subquery,
    copy_escape,
    profile_inputs,
    response_ids_by_version,
)
from reports.public import ACTIVITY, PUBLIC_RELEASE, public_release_due
from reports.scoring_batch import BatchScorer
from reports.selectors import (
    activity_compute,
    aggregates_compute,
    responses_needing_profile,
    rules_for_version_id,
    scorer_for_version_id,
    version_watermark,
)
from surveys.models import Response, ResponseQuerySet, Survey, SurveyVersion
from surveys.selectors import sheet_for_version_id

logger = logging.getLogger(__name__)

# Responses per batch of a recompute (scored with numpy): big enough that
# per-statement costs vanish, small enough to keep memory flat.
RECOMPUTE_BATCH = 5000
# The order of a COPY row (``_profiles_upsert``, ``_profiles_store_batch``).
_PROFILE_COLUMNS = [
    ResponseProfile._meta.get_field(name).column
    for name in ["response", "version", *PROFILE_CONTENT, "computed_at"]
]
# The transaction's own table that batches of profiles are copied into.
_BATCH_TABLE = sql.Identifier("reports_profile_batch")
# pg_advisory_xact_lock's first key: "reports aggregates".
_AGGREGATES_LOCK = 0x5241


def _profile_fields(version_id: int, answers: dict[str, Any]) -> dict[str, Any]:
    definition = sheet_for_version_id(version_id).definition
    rules = rules_for_version_id(version_id)
    return {"version_id": version_id, **profile_fields(definition, rules, answers)}


@transaction.atomic
def profile_compute(*, response: Response) -> ResponseProfile | None:
    """Compute and store a counted response's profile; safe to repeat.

    A response that does not count (a draft, a voided one) gets no profile (a
    stale one is removed). Its row is read again: the caller's may be older.
    """
    counted = (
        Response.objects.counted()
        .filter(pk=response.pk)
        .values_list("version_id", "answers")
        .first()
    )
    if counted is None:
        ResponseProfile.objects.filter(response=response).delete()
        return None
    version_id, answers = counted
    stored, _created = ResponseProfile.objects.update_or_create(
        response=response, defaults=_profile_fields(version_id, answers)
    )
    return stored


def _profiles_store(rows: Iterable[tuple[Any, int, dict]]) -> int:
    """Compute and upsert the profiles of (response id, version id, answers) rows.

    One INSERT ... ON CONFLICT for the batch, in one transaction; a response
    voided meanwhile loses the profile just written (the void's own task may
    have run before this commit).
    """
    profiles = [
        ResponseProfile(response_id=response_id, **_profile_fields(version_id, answers))
        for response_id, version_id, answers in rows
    ]
    if not profiles:
        return 0
    with transaction.atomic():
        _profiles_upsert(profiles)
        ids = [profile.response_id for profile in profiles]
        profiles_prune(profiles=ResponseProfile.objects.filter(response_id__in=ids))
    return len(profiles)


def _profiles_upsert(profiles: list[ResponseProfile]) -> None:
    """INSERT ... ON CONFLICT UPDATE a batch of profiles.

    The rows go through COPY into a temporary table first, PostgreSQL's
    fastest way in for many rows of JSON, then one statement merges them.
    """
    now = timezone.now()
    with connection.cursor() as cursor:
        with _profile_batch_copy(cursor) as copy:
            for p in profiles:
                copy.write_row(
                    (
                        p.response_id,
                        p.version_id,
                        p.scoring_version,
                        p.overall_level,
                        p.breadth,
                        p.bottleneck,
                        json.dumps(p.dimensions),
                        json.dumps(p.flagged),
                        json.dumps(p.descriptive),
                        now,
                    )
                )
        _profile_batch_merge(cursor)


def _profile_batch_copy(cursor: Any) -> Any:
    """COPY into a transaction's temporary table shaped like the profiles."""
    cursor.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE IF NOT EXISTS {batch} (LIKE {table}) ON COMMIT DROP"
        ).format(
            batch=_BATCH_TABLE, table=sql.Identifier(ResponseProfile._meta.db_table)
        )
    )
    return cursor.cursor.copy(
        sql.SQL("COPY {batch} ({columns}) FROM STDIN").format(
            batch=_BATCH_TABLE, columns=_identifiers(_PROFILE_COLUMNS)
        )
    )


def _profile_batch_merge(cursor: Any) -> None:
    """Upsert the temporary table's profiles, then empty it."""
    key, *rest = _PROFILE_COLUMNS
    cursor.execute(
        sql.SQL(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM {batch} "
            "ON CONFLICT ({key}) DO UPDATE SET {updates}"
        ).format(
            table=sql.Identifier(ResponseProfile._meta.db_table),
            columns=_identifiers(_PROFILE_COLUMNS),
            batch=_BATCH_TABLE,
            key=sql.Identifier(key),
            updates=sql.SQL(", ").join(
                sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(column))
                for column in rest
            ),
        )
    )
    cursor.execute(sql.SQL("DELETE FROM {}").format(_BATCH_TABLE))


def _identifiers(names: list[str]) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, names))


def _profiles_store_batch(scorer: BatchScorer, version_id: int, ids: np.ndarray) -> int:
    """Compute and upsert the profiles of a batch of one version's responses.

    The answers are reduced to what the profile reads in the database
    (``reports.profiles_sql``) and scored with numpy
    (``reports.scoring_batch``), giving what ``_profile_fields`` gives. One
    transaction, like ``_profiles_store``: a response voided meanwhile loses
    the profile just written. Ids no longer counted are skipped.
    """
    with transaction.atomic():
        responses = Response.objects.counted(version_id=version_id)
        found, classes, texts = profile_inputs(scorer, responses, ids)
        rows = scorer.score(classes, texts)
        now = timezone.now().isoformat()
        head = f"\t{version_id}\t{copy_escape(scorer.scoring_version)}\t"
        data = "".join(
            response_id
            + head
            + "\t".join(
                [
                    copy_escape(row.overall_level),
                    copy_escape(row.breadth),
                    copy_escape(row.bottleneck),
                    copy_escape(row.dimensions),
                    copy_escape(row.flagged),
                    copy_escape(row.descriptive),
                    now,
                ]
            )
            + "\n"
            for response_id, row in zip(found, rows, strict=True)
        )
        if data:
            with connection.cursor() as cursor:
                with _profile_batch_copy(cursor) as copy:
                    copy.write(data)
                _profile_batch_merge(cursor)
        profiles_prune(
            profiles=ResponseProfile.objects.filter(response_id__in=batch_subquery(ids))
        )
    return len(rows)


def _profiles_in_batches(
    responses: Any,
    *,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Store the profiles of a queryset of responses, a batch at a time."""
    done = 0
    if progress is not None:
        progress(0, total)
    for version_id, ids in response_ids_by_version(responses):
        scorer = scorer_for_version_id(version_id)
        for start in range(0, len(ids), RECOMPUTE_BATCH):
            batch = ids[start : start + RECOMPUTE_BATCH]
            done += _profiles_store_batch(scorer, version_id, batch)
            if progress is not None:
                progress(done, max(total, done))
    return done


def profiles_recompute(
    *,
    survey: Survey | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Recompute the profile of every submitted, non-voided response; return the count.

    All surveys, or one. Batches of ``RECOMPUTE_BATCH`` are read with COPY
    and scored with numpy (``_profiles_store_batch``, equal to the reference
    engine's profiles). Each batch is upserted in one transaction, so an
    interruption leaves whole batches and running it again finishes the work.
    Profiles of voided (or draft) responses are deleted. ``progress(done,
    total)`` is called after each batch.
    """
    responses = Response.objects.counted()
    profiles = ResponseProfile.objects.all()
    if survey is not None:
        responses = responses.filter(survey=survey)
        profiles = profiles.filter(response__survey=survey)
    count = _profiles_in_batches(responses, total=responses.count(), progress=progress)
    removed = profiles_prune(profiles=profiles)
    if count:
        # Every row was just rewritten: without fresh statistics the planner
        # took the profiles for an empty table, and the aggregates' join that
        # usually follows ran markedly slower.
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("ANALYZE {}").format(
                    sql.Identifier(ResponseProfile._meta.db_table)
                )
            )
    logger.info(
        "recomputed %d profiles%s, removed %d",
        count,
        f" of {survey.slug}" if survey else "",
        removed,
    )
    return count


def profiles_store_for(*, response_ids: list[str], version_id: int) -> int:
    """Bring these responses (of one version) up to date; return how many
    profiles were stored.

    Counted responses without a current profile get theirs computed (one that
    reconciliation computed meanwhile is not computed again); voided or
    missing ones lose any.
    """
    rows = list(
        responses_needing_profile(version_id=version_id)
        .filter(pk__in=response_ids)
        .values_list("pk", "version_id", "answers")
    )
    stored = _profiles_store(rows)
    profiles_prune(
        profiles=ResponseProfile.objects.filter(response_id__in=response_ids)
    )
    return stored


def profiles_fill(*, version: SurveyVersion) -> int:
    """Compute the missing or outdated profiles of a version's counted responses."""
    responses = responses_needing_profile(version_id=version.pk)
    count = _profiles_in_batches(responses, total=0, progress=None)
    if count:
        logger.info("filled %d profiles of version %s", count, version.pk)
    return count


def profiles_prune(*, profiles: Any = None) -> int:
    """Delete the profiles of responses that are no longer counted (voided)."""
    profiles = ResponseProfile.objects.all() if profiles is None else profiles
    # A join, not NOT IN (every counted response): that would not scale.
    deleted, _by_model = profiles.exclude(
        ResponseQuerySet.counted_condition("response")
    ).delete()
    return deleted


def _snapshot_upsert(
    *, version: SurveyVersion, segment: str, fields: dict[str, Any]
) -> None:
    """Insert or update one snapshot, keyed by (version, segment).

    One INSERT ... ON CONFLICT: ``update_or_create`` would first lock and read
    the row, a round trip per snapshot for megabytes it only overwrites.
    """
    CohortAggregate.objects.bulk_create(
        [CohortAggregate(version=version, segment=segment, **fields)],
        update_conflicts=True,
        unique_fields=["version", "segment"],
        update_fields=list(fields),
    )


def _public_release_due(version: SurveyVersion, n: int, k: int) -> bool:
    """Whether the public summary moves to this recompute's "all responses"
    snapshot (see ``reports.public.PUBLIC_RELEASE``)."""
    released = (
        CohortAggregate.objects.filter(version=version, segment=PUBLIC_RELEASE)
        .values_list("n", flat=True)
        .first()
    )
    return public_release_due(released, n, k)


def aggregates_recompute(*, version: SurveyVersion) -> int:
    """Recompute and store every aggregate snapshot of a version; return how many.

    Beside the segments, the version's activity (``ACTIVITY``: responses per
    day, the completion funnel, durations, bottlenecks) is stored too, for the
    dashboards; it is not counted in the number returned.

    Counts the responses whose profile is stored (the profile task schedules
    a refresh after storing one, so none is missed for long). Idempotent: an
    upsert per snapshot on (version, segment), in one transaction with the
    removal of segments the plan no longer has, so an interrupted recompute
    leaves the previous snapshots whole. Concurrent recomputes of a version
    wait for each other (an advisory lock), so an older reading
    never overwrites a newer one.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [_AGGREGATES_LOCK, version.pk % 2**31],
            )
        k = settings.PRIVACY_MIN_CELL_SIZE
        # Read the watermark first: whatever commits after it and is still
        # read makes the snapshot look older than it is (a harmless extra
        # refresh), never fresher.
        source_count, source_changed_at = version_watermark(version_id=version.pk)
        started = timezone.now()
        result = aggregates_compute(version_id=version.pk)
        stored = list(result.items())
        if _public_release_due(version, result[""][0], k):
            stored.append((PUBLIC_RELEASE, result[""]))
        activity = activity_compute(version_id=version.pk)
        # Timing and progress only, no answers: the same for every reader.
        stored.append((ACTIVITY, (activity["started"], activity)))
        for segment, (n, groups) in stored:
            _snapshot_upsert(
                version=version,
                segment=segment,
                fields={
                    "n": n,
                    "data": groups,
                    "public_data": groups
                    if segment == ACTIVITY
                    else suppress_groups(groups, k),
                    "min_cell_size": k,
                    "computed_at": started,
                    "source_count": source_count,
                    "source_changed_at": source_changed_at,
                },
            )
        CohortAggregate.objects.filter(version=version).exclude(
            segment__in=[*result, PUBLIC_RELEASE, ACTIVITY]
        ).delete()
    logger.info(
        "aggregates of version %s: %d snapshots of %d responses",
        version.pk,
        len(result),
        result[""][0],
    )
    return len(result)
