"""Reads of stored results."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    JSONField,
    Max,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Greatest, TruncDate

from core.caching import process_cache
from reports.aggregates_sql import extract_sql
from reports.aggregation import (
    ALL,
    Plan,
    aggregate,
    groups_reversed,
    plan_build,
    suppress_groups,
)
from reports.models import CohortAggregate, ResponseProfile
from reports.public import ACTIVITY, PUBLIC_RELEASE, PublicSummary, public_cells
from reports.scoring_batch import BatchScorer
from surveys.definition import OTHER_SUFFIX
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
    return aggregate_get_many(
        survey=survey,
        segments=[segment],
        version_number=version_number,
        min_cell_size=min_cell_size,
    ).get(segment)


class _WithoutParts(Func):
    """A snapshot's groups, each without the given parts (jsonb's ``-``)."""

    template = (
        "COALESCE((SELECT jsonb_object_agg(g.key, g.value - %(parts)s::text[]) "
        "FROM jsonb_each(%(expressions)s) g), '{}'::jsonb)"
    )
    output_field = JSONField()

    def __init__(self, expression: Any, parts: tuple[str, ...]) -> None:
        # Written into the SQL: constant key names, never input.
        if not all(part.isidentifier() for part in parts):
            raise ValueError(f"not key names: {parts}")
        super().__init__(expression, parts="'{" + ",".join(parts) + "}'")


# What a side-by-side comparison of groups does not read.
GROUP_DETAIL_PARTS = ("questions", "items", "tools")


def aggregate_get_many(
    *,
    survey: Survey,
    segments: list[str],
    version_number: int | None = None,
    min_cell_size: int | None = None,
    summaries: tuple[str, ...] | list[str] = (),
) -> dict[str, CohortAggregate]:
    """Several stored snapshots in one query, keyed by the segments asked for.

    Each as ``aggregate_get`` gives it; segments not stored are left out.
    Groups of the ``summaries`` segments come without their per-question
    parts (``GROUP_DETAIL_PARTS``): PostgreSQL drops them before the JSON is
    sent, so a comparison of many groups reads a fraction of the snapshot.
    """
    wanted: dict[str, str] = {}  # stored key -> the key asked for
    for segment in segments:
        first, _sep, second = segment.partition(",")
        if second:
            wanted.setdefault(f"{second},{first}", segment)
        wanted[segment] = segment
    slim = [key for key, asked in wanted.items() if asked in summaries]

    def text(column: str) -> Any:
        if not slim:
            return Cast(column, TextField())
        return Case(
            When(
                segment__in=slim,
                then=Cast(_WithoutParts(F(column), GROUP_DETAIL_PARTS), TextField()),
            ),
            default=Cast(column, TextField()),
        )

    full = text("data")
    groups = (
        full
        if min_cell_size is None
        else Case(
            When(min_cell_size=min_cell_size, then=text("public_data")),
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
    found: dict[str, CohortAggregate] = {}
    for snapshot in snapshots.filter(segment__in=list(wanted)):
        asked = wanted[snapshot.segment]
        # A pair stored in the order asked for wins over its reverse.
        if asked not in found or snapshot.segment == asked:
            found[asked] = snapshot
    return found


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
        .exclude(segment__in=[PUBLIC_RELEASE, ACTIVITY])
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


def aggregate_groups(
    snapshot: CohortAggregate, *, segment: str, staff: bool
) -> dict[str, Any]:
    """A snapshot's groups (from ``aggregate_get``) as its reader may see them.

    Keyed in the order asked for (a pair stored the other way round is
    turned), and, for everyone but staff, suppressed with the current
    threshold when the snapshot was built with another one. The aggregates
    API and the dashboards both read groups through here.
    """
    groups = orjson.loads(snapshot.groups_json)
    if snapshot.segment != segment:
        groups = groups_reversed(groups)
    k = settings.PRIVACY_MIN_CELL_SIZE
    if not staff and snapshot.min_cell_size != k:
        groups = suppress_groups(groups, k)
    return groups


# --- Dashboard activity ----------------------------------------------------------------


class _Quartiles(Aggregate):
    """PostgreSQL's percentile_cont at the quartiles, over seconds of a duration."""

    function = "percentile_cont"
    template = (
        "%(function)s(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP "
        "(ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    )
    output_field = ArrayField(FloatField())


def activity_compute(*, version_id: int) -> dict[str, Any]:
    """How a version's responses came in: per day, through the pages, how long.

    For the dashboards, stored with the aggregates (``ACTIVITY``) so a page
    never scans responses. Voided responses are left out everywhere.

    - ``days``: responses started and submitted per day (the site's time zone);
    - ``funnel``: responses by the furthest page reached (0 = none answered,
      1 = the first page, ...; submitted ones reached the last page). A web
      draft stores the page it was last on; an API draft does not, so its
      furthest page is the last one with an answer (the definition's pages in
      order), counted in ``derived``;
    - ``duration``: quartiles of the minutes from start to submission;
    - ``bottlenecks``: counted responses with a stored profile, by bottleneck
      dimension ("" when none), the same responses the aggregates count.
    """
    definition = sheet_for_version_id(version_id).definition
    pages = definition.pages
    responses = Response.objects.filter(version_id=version_id, voided_at__isnull=True)
    counted = Response.objects.counted(version_id=version_id)
    submitted = Response.Status.SUBMITTED
    started_days = (
        responses.annotate(day=TruncDate("started_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    submitted_days = (
        counted.annotate(day=TruncDate("submitted_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    days: dict[str, dict[str, int]] = {}
    for key, rows in (("started", started_days), ("submitted", submitted_days)):
        for row in rows:
            day = days.setdefault(
                row["day"].isoformat(), {"started": 0, "submitted": 0}
            )
            day[key] = row["n"]
    # The furthest page: submitted -> the last; a stored current page -> its
    # place; else the last page with an answer (later pages tried first).
    answered = [
        When(
            answers__has_any_keys=[q.code for q in page.questions],
            then=Value(position),
        )
        for position, page in reversed(list(enumerate(pages, start=1)))
        if page.questions
    ]
    furthest = Case(
        When(status=submitted, then=Value(len(pages))),
        *(
            When(current_page=page.code, then=Value(position))
            for position, page in enumerate(pages, start=1)
        ),
        *answered,
        default=Value(0),
        output_field=IntegerField(),
    )
    stored_page = Q(current_page__in=[page.code for page in pages])
    reached = (
        responses.annotate(furthest=furthest)
        .values("furthest")
        .annotate(
            n=Count("pk"),
            derived=Count("pk", filter=~Q(status=submitted) & ~stored_page),
        )
        .order_by()
    )
    funnel = {str(row["furthest"]): row["n"] for row in reached}
    derived = sum(row["derived"] for row in reached if row["furthest"])
    elapsed = ExpressionWrapper(
        F("submitted_at") - F("started_at"), output_field=DurationField()
    )
    durations = counted.aggregate(n=Count("pk"), q=_Quartiles(elapsed))
    quartiles = durations["q"] or [None] * 3
    bottlenecks = dict(
        ResponseProfile.objects.filter(
            ResponseQuerySet.counted_condition("response"),
            response__version_id=version_id,
        )
        .values("bottleneck")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("bottleneck", "n")
    )
    return {
        "started": sum(funnel.values()),
        "submitted": durations["n"],
        "days": dict(sorted(days.items())),
        "pages": [page.code for page in pages],
        "funnel": funnel,
        "derived": derived,
        "duration": {
            "n": durations["n"],
            **{
                name: (round(value / 60, 2) if value is not None else None)
                for name, value in zip(("q1", "median", "q3"), quartiles, strict=True)
            },
        },
        "bottlenecks": bottlenecks,
    }


def other_texts(
    *, survey: Survey, code: str, limit: int = 200
) -> list[tuple[str, int]]:
    """The "other" texts written for a question in counted responses of the
    survey's current version: (text, how many wrote it), most frequent first.

    Read on demand only (the dashboard lists them when asked): it reads the
    answers of every response that wrote one.
    """
    key = code + OTHER_SUFFIX
    rows = (
        Response.objects.counted(version_id=survey.current_version_id)
        .filter(answers__has_key=key)
        .annotate(text=KeyTextTransform(key, "answers"))
        .values("text")
        .annotate(n=Count("pk"))
        .order_by("-n", "text")
        .values_list("text", "n")[:limit]
    )
    return list(rows)
