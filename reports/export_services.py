"""Exports: validate and start them, generate their files, cancel and expire them.

Generation streams the responses from one query (one snapshot) in chunks of
``EXPORT_CHUNK_SIZE`` and hands each chunk to the format's writer
(``reports.exports``), so memory holds about one chunk whatever the number of
responses. The file is written under a temporary name and renamed once whole:
a failed or cancelled export leaves no file. Responses are read in a fixed
order and only those submitted (or, for drafts, started) before the export
was asked for, so generating an export again gives the same bytes while no
response was voided in between.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User
from core.errors import Forbidden
from core.sql import queryset_sql
from reports.exports import (
    AGGREGATE_VARIABLES,
    EXTENSIONS,
    RESPONSE_FIELDS,
    Batch,
    Columns,
    LongLayout,
    Meta,
    Selection,
    Variable,
    WideLayout,
    aggregate_rows,
    codebook_rows,
    codebook_variables,
    columns_of,
    wide_variables,
)
from reports.exports.writers import writer_open
from reports.models import CohortAggregate, Export
from reports.public import PUBLIC_RELEASE
from reports.scheduling import export_enqueue
from reports.selectors import rules_for_version_id
from surveys.models import Response, Survey, SurveyVersion
from surveys.selectors import (
    sheet_for_version_id,
    survey_can_read_results,
    survey_can_share,
)

logger = logging.getLogger(__name__)

FILTER_KEYS = {
    "versions",
    "submitted_from",
    "submitted_to",
    "status",
    "include_voided",
    "segment",
    "include_free_text",
    "include_personal",
}
STATUSES = ("submitted", "draft", "all")


class ExportCancelled(Exception):
    """The export was cancelled while it ran."""


# --- Filters ----------------------------------------------------------------------


def _date(value: Any, field: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValidationError(
            {field: ["Give a date as YYYY-MM-DD."]}, code="invalid"
        ) from None


def export_filters_clean(
    *, survey: Survey, user: User, layout: str, filters: Any
) -> dict[str, Any]:
    """Check an export's filters; return them complete, with their defaults.

    Errors name the field (``filters.versions``). Free text and personal
    fields are only for the survey's owner and staff (``Forbidden``).
    """
    if filters is None:
        filters = {}
    if not isinstance(filters, dict):
        raise ValidationError({"filters": ["Send an object."]})
    unknown = sorted(set(filters) - FILTER_KEYS)
    if unknown:
        raise ValidationError(
            {
                f"filters.{unknown[0]}": [
                    "Unknown filter. Filters: " + ", ".join(sorted(FILTER_KEYS)) + "."
                ]
            }
        )
    clean: dict[str, Any] = {}
    numbers = set(survey.versions.values_list("number", flat=True))
    versions = filters.get("versions") or []
    if not isinstance(versions, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in versions
    ):
        raise ValidationError({"filters.versions": ["Send a list of version numbers."]})
    missing = [n for n in versions if n not in numbers]
    if missing:
        raise ValidationError(
            {
                "filters.versions": [
                    f"No version {missing[0]}. Versions: "
                    + ", ".join(map(str, sorted(numbers)))
                    + "."
                ]
            }
        )
    if not versions:
        current = survey.current_version.number if survey.current_version else None
        if current is None:
            raise ValidationError({"survey": ["The survey has no published version."]})
        versions = [current]
    if layout != Export.Layout.AGGREGATES and len(versions) > 1:
        raise ValidationError(
            {
                "filters.versions": [
                    "Choose one version: each version has its own questions, "
                    "so its responses are exported on their own."
                ]
            }
        )
    clean["versions"] = sorted(versions)
    clean["submitted_from"] = _date(
        filters.get("submitted_from"), "filters.submitted_from"
    )
    clean["submitted_to"] = _date(filters.get("submitted_to"), "filters.submitted_to")
    if (
        clean["submitted_from"]
        and clean["submitted_to"]
        and clean["submitted_from"] > clean["submitted_to"]
    ):
        raise ValidationError(
            {"filters.submitted_to": ["Must not be before submitted_from."]}
        )
    status = filters.get("status", "submitted")
    if status not in STATUSES:
        raise ValidationError(
            {"filters.status": ["Choose one of: " + ", ".join(STATUSES) + "."]}
        )
    clean["status"] = status
    for key in ("include_voided", "include_free_text", "include_personal"):
        value = filters.get(key, False)
        if not isinstance(value, bool):
            raise ValidationError({f"filters.{key}": ["Send true or false."]})
        clean[key] = value
    segment = filters.get("segment")
    if segment:
        definition = sheet_for_version_id(
            survey.versions.get(number=clean["versions"][0]).pk
        ).definition
        question = (
            definition.questions.get(segment.get("question"))
            if isinstance(segment, dict)
            else None
        )
        if question is None or question.type != "single_choice":
            raise ValidationError(
                {
                    "filters.segment": [
                        'Send {"question": a single-choice question code, '
                        '"value": one of its choice codes}.'
                    ]
                }
            )
        if segment.get("value") not in question.choice_codes:
            raise ValidationError(
                {
                    "filters.segment": [
                        "Choose one of: " + ", ".join(question.choice_codes) + "."
                    ]
                }
            )
        clean["segment"] = {"question": question.code, "value": segment["value"]}
    else:
        clean["segment"] = None
    asked = [k for k in ("include_free_text", "include_personal") if clean[k]]
    if asked and not survey_can_share(survey=survey, user=user):
        raise Forbidden(
            "Only the survey's owner and staff may export free text and personal fields.",
            code="personal_data",
            errors={
                f"filters.{asked[0]}": [
                    "Only the survey's owner and staff may ask for this."
                ]
            },
        )
    if layout == Export.Layout.AGGREGATES:
        clean["small_cells"] = "shown" if user.is_staff else "suppressed"
    return clean


# --- Jobs ---------------------------------------------------------------------------


def export_create(
    *,
    survey: Survey,
    actor: User,
    fmt: str,
    layout: str,
    filters: Any = None,
    bom: bool = False,
) -> Export:
    """Log an export and queue its generation (after the commit)."""
    if not survey_can_read_results(survey=survey, user=actor):
        raise Forbidden("You may not export this survey's data.")
    clean = export_filters_clean(
        survey=survey, user=actor, layout=layout, filters=filters
    )
    with transaction.atomic():
        export = Export(
            survey=survey,
            requested_by=actor,
            format=fmt,
            layout=layout,
            filters=clean,
            bom=bom,
        )
        export.full_clean()
        export.save()
        transaction.on_commit(partial(export_enqueue, str(export.pk)))
    return export


def export_cancel(*, export: Export) -> Export:
    """Cancel a queued or running export; a finished one is left as it is."""
    with transaction.atomic():
        export = Export.objects.select_for_update().get(pk=export.pk)
        if export.status in {Export.Status.QUEUED, Export.Status.RUNNING}:
            export.status = Export.Status.CANCELLED
            export.error = "Cancelled on request."
            export.finished_at = timezone.now()
            export.save(update_fields=["status", "error", "finished_at"])
    return export


def export_path(export: Export) -> Path:
    return Path(settings.EXPORTS_DIR) / f"{export.pk}.{EXTENSIONS[export.format]}"


def export_download_name(export: Export) -> str:
    version = "-".join(f"v{n}" for n in export.filters.get("versions", []))
    stamp = export.created_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{export.survey.slug}-{version}-{export.layout}-{stamp}.{EXTENSIONS[export.format]}"


def export_run(*, export_id: str) -> Export | None:
    """Generate an export's file (the task's service); safe to run twice.

    A finished export is left as it is; a running one (a redelivered task
    whose worker died) starts again from the beginning.
    """
    with transaction.atomic():
        export = (
            Export.objects.select_for_update()
            .select_related("survey")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.is_finished:
            return export
        export.status = Export.Status.RUNNING
        export.started_at = timezone.now()
        export.progress = 0
        export.save(update_fields=["status", "started_at", "progress"])

    final = export_path(export)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex}.part")
    try:
        with _progress_reporter(export.pk) as report:
            rows = export_write(
                survey=export.survey,
                fmt=export.format,
                layout=export.layout,
                filters=export.filters,
                path=temporary,
                created_at=export.created_at,
                bom=export.bom,
                progress=report,
            )
        checksum, size = file_digest(temporary)
        with transaction.atomic():
            current = Export.objects.select_for_update().get(pk=export.pk)
            if current.status != Export.Status.RUNNING:
                raise ExportCancelled
            os.replace(temporary, final)
            current.status = Export.Status.DONE
            current.progress = 100
            current.rows = rows
            current.size = size
            current.checksum = checksum
            current.error = ""
            current.finished_at = timezone.now()
            current.expires_at = current.finished_at + dt.timedelta(
                days=settings.EXPORT_RETENTION_DAYS
            )
            current.save()
        return current
    except ExportCancelled:
        temporary.unlink(missing_ok=True)
        return Export.objects.get(pk=export.pk)
    except Exception as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, SoftTimeLimitExceeded):
            reason = (
                f"Stopped after {settings.EXPORT_SOFT_TIME_LIMIT} seconds, the "
                "time limit: narrow the filters or choose a faster format (CSV, Parquet)."
            )
        else:
            logger.exception("export %s failed", export.pk)
            reason = f"The export failed ({type(exc).__name__}: {str(exc)[:300]}). Try again; if it fails again, tell the site's staff."
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED, error=reason, finished_at=timezone.now()
        )
        return Export.objects.get(pk=export.pk)


@contextmanager
def _progress_reporter(export_id: uuid.UUID) -> Iterator[Callable[[int, int], None]]:
    """``report(done, total)``, which saves a running export's progress and
    raises ``ExportCancelled`` once the export is no longer running.

    It saves from a thread of its own, on the database connection Django
    gives that thread: the export's read streams its rows on this thread's
    connection (``_batches``), where no other query can run until the last
    row has arrived.
    """

    def save(progress: int, rows: int) -> int:
        return Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
            progress=progress, rows=rows
        )

    with ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="export-progress"
    ) as side:

        def report(done: int, total: int) -> None:
            progress = min(99, done * 100 // total) if total else 99
            if not side.submit(save, progress, done).result():
                raise ExportCancelled

        try:
            yield report
        finally:
            side.submit(connections.close_all).result()


def file_digest(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size of a file, read in blocks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


# A temporary file this old belongs to no running export (the task's hard
# limit is far shorter): its worker was killed before it could delete it.
STALE_PART_SECONDS = 24 * 3600


def exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their expiry (keeping their log rows)
    and the temporary files that killed workers left behind."""
    now = now or timezone.now()
    folder = Path(settings.EXPORTS_DIR)
    if folder.is_dir():
        for part in folder.glob(".*.part"):
            if part.stat().st_mtime < now.timestamp() - STALE_PART_SECONDS:
                part.unlink(missing_ok=True)
    count = 0
    for export in Export.objects.filter(
        status=Export.Status.DONE, expires_at__lte=now
    ).select_related("survey"):
        export_path(export).unlink(missing_ok=True)
        count += Export.objects.filter(pk=export.pk, status=Export.Status.DONE).update(
            status=Export.Status.EXPIRED
        )
    return count


# --- Generation (the task and the command) ------------------------------------------


@dataclass
class Plan:
    variables: list[Variable]
    meta: Meta
    total: int
    # Each chunk as its columns (``reports.exports.Columns``). A generator:
    # closing it ends the query that streams behind it.
    chunks: Generator[Columns, None, None]


def export_responses(
    *,
    survey: Survey,
    version: SurveyVersion,
    filters: dict[str, Any],
    until: dt.datetime,
) -> QuerySet[Response]:
    """The responses an export reads, in its fixed order."""
    responses = Response.objects.filter(survey=survey, version=version)
    status = filters.get("status", "submitted")
    if status != "all":
        responses = responses.filter(status=status)
    if not filters.get("include_voided"):
        responses = responses.filter(voided_at__isnull=True)
    # Only what existed when the export was asked for: a retry reads the same.
    responses = responses.filter(
        Q(submitted_at__lte=until) | Q(submitted_at__isnull=True, started_at__lte=until)
    )
    when = "submitted_at" if status == "submitted" else "started_at"
    if filters.get("submitted_from"):
        responses = responses.filter(
            **{f"{when}__date__gte": filters["submitted_from"]}
        )
    if filters.get("submitted_to"):
        responses = responses.filter(**{f"{when}__date__lte": filters["submitted_to"]})
    segment = filters.get("segment")
    if segment:
        responses = responses.filter(
            answers__contains={segment["question"]: segment["value"]}
        )
    return responses.order_by(
        F("submitted_at").asc(nulls_last=True), "started_at", "id"
    )


# The columns an export reads of each response.
_RECORD_FIELDS = (
    "id",
    "status",
    "voided_at",
    "started_at",
    "submitted_at",
    "language",
    "channel",
    "answers_text",
    "profile__scoring_version",
    "profile__overall_level",
    "profile__breadth",
    "profile__bottleneck",
    "dimensions_text",
)


def _batches(
    responses: QuerySet[Response], version: int, chunk: int
) -> Iterator[Batch]:
    """The responses as ``Batch``es of ``chunk`` responses.

    Streamed by psycopg (``Cursor.stream``, rows arriving ``chunk`` at a
    time) in binary format, which psycopg parses in C (Django's
    ``iterator()`` reads text, and parses each timestamp in Python). A
    streamed query is an ordinary one: PostgreSQL may run it in parallel and
    sends rows as it makes them, while this process turns the previous ones
    into a file, where a server-side cursor has no parallel plan and, held
    over commits, makes every row before the first is read (half again as
    long, at 100,000 responses). The connection is busy until the last row:
    progress is saved on another (``_progress_reporter``); nothing else may
    query on this thread meanwhile (psycopg would wait for the stream, which
    waits for it). Rows in chunks need libpq 17, which psycopg[binary]
    bundles. The answers and dimensions come as JSON text for orjson.
    """
    query = responses.annotate(
        answers_text=Cast("answers", TextField()),
        dimensions_text=Cast("profile__dimensions", TextField()),
    ).values_list(*_RECORD_FIELDS)
    statement = queryset_sql(query)
    loads = orjson.loads
    with connection.connection.cursor(binary=True) as cursor:
        stream = cursor.stream(statement, size=chunk)
        while rows := list(islice(stream, chunk)):
            (ids, statuses, voided_at, started, submitted, languages, channels,
             answers, scoring, overall, breadth, bottleneck, dimensions,
             ) = zip(*rows, strict=True)  # fmt: skip
            fields = dict(
                zip(
                    RESPONSE_FIELDS,
                    (
                        list(map(str, ids)),
                        [version] * len(rows),
                        statuses,
                        [v is not None for v in voided_at],
                        started,
                        submitted,
                        languages,
                        channels,
                        scoring,
                        overall,
                        breadth,
                        [b or None for b in bottleneck],
                    ),
                    strict=True,
                )
            )
            yield Batch(
                fields,
                list(map(loads, answers)),
                [None if d is None else loads(d) for d in dimensions],
            )


def export_plan(
    *,
    survey: Survey,
    layout: str,
    filters: dict[str, Any],
    created_at: dt.datetime,
    bom: bool = False,
) -> Plan:
    """What an export writes: its columns, its metadata and its rows in chunks."""
    chunk = settings.EXPORT_CHUNK_SIZE
    versions = list(
        survey.versions.filter(number__in=filters["versions"]).order_by("number")
    )
    version = versions[0]
    definition = sheet_for_version_id(version.pk).definition
    rules = rules_for_version_id(version.pk)
    selection = Selection(
        free_text=filters.get("include_free_text", False),
        personal=filters.get("include_personal", False),
    )
    variables = wide_variables(definition, rules, selection)
    meta = Meta(
        title=f"{survey.display_title} ({survey.slug} v{version.number})",
        created_at=created_at,
        languages=definition.languages,
        survey_version=version.number,
        scoring_version=rules.version if rules else None,
        codebook=variables,
        bom=bom,
        description=f"Export of {survey.slug}, layout {layout}, filters "
        + orjson.dumps(filters, option=orjson.OPT_SORT_KEYS).decode(),
    )
    if layout == Export.Layout.CODEBOOK:
        rows = codebook_rows(meta)
        columns = codebook_variables(meta.languages)
        return Plan(
            columns,
            Meta(
                title=meta.title,
                created_at=created_at,
                bom=bom,
                languages=meta.languages,
            ),
            len(rows),
            _single(columns_of(rows, len(columns))),
        )
    if layout == Export.Layout.AGGREGATES:
        full = filters.get("small_cells") == "shown"
        snapshots = (
            CohortAggregate.objects.filter(version__in=versions)
            .exclude(segment=PUBLIC_RELEASE)
            .select_related("version")
            .order_by("version__number", "segment")
        )

        def aggregate_chunks() -> Generator[Columns, None, None]:
            for snapshot in snapshots.iterator(chunk_size=20):
                groups = snapshot.data if full else snapshot.public_data
                rows = aggregate_rows(snapshot.version.number, snapshot.segment, groups)
                yield columns_of(list(rows), len(AGGREGATE_VARIABLES))

        return Plan(
            AGGREGATE_VARIABLES,
            Meta(
                title=meta.title,
                created_at=created_at,
                bom=bom,
                languages=meta.languages,
            ),
            snapshots.count(),
            aggregate_chunks(),
        )
    responses = export_responses(
        survey=survey, version=version, filters=filters, until=created_at
    )
    total = responses.count()
    if layout == Export.Layout.LONG:
        shape: Any = LongLayout(definition, selection)
        columns = shape.variables
    else:
        shape = WideLayout(variables)
        columns = variables
    chunks = (
        shape.columns(batch) for batch in _batches(responses, version.number, chunk)
    )
    return Plan(columns, meta, total, chunks)


def _single(columns: Columns) -> Generator[Columns, None, None]:
    """One chunk, as the plan's generator of chunks."""
    yield columns


def export_write(
    *,
    survey: Survey,
    fmt: str,
    layout: str,
    filters: dict[str, Any],
    path: Path,
    created_at: dt.datetime,
    bom: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write an export to ``path``; return its data rows. The task and the command's path.

    ``progress(done, total)`` is called after each chunk, ``done`` and
    ``total`` counting responses (snapshots for the aggregates layout), while
    the rows still stream on this thread's connection: it must not query on
    it (``export_run`` saves from a thread of its own). It may raise to stop
    the export (the caller deletes the file).
    """
    plan = export_plan(
        survey=survey, layout=layout, filters=filters, created_at=created_at, bom=bom
    )
    writer = writer_open(fmt, path, plan.variables, plan.meta)
    rows = done = 0
    # The chunks make no reference cycles (refcounting frees each one), but
    # their millions of small objects would set off the cycle collector again
    # and again, scanning everything alive each time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for chunk in plan.chunks:
            writer.write(chunk)
            rows += len(chunk[0])
            if layout == Export.Layout.AGGREGATES:
                done += 1
            elif layout == Export.Layout.CODEBOOK:
                done = plan.total
            else:
                done = min(plan.total, done + settings.EXPORT_CHUNK_SIZE)
            if progress is not None:
                progress(done, plan.total)
    except BaseException:
        writer.abort()
        raise
    finally:
        # Now, while the connection is as the chunks left it (a stopped export
        # would otherwise close its cursor whenever its traceback is freed).
        plan.chunks.close()
        if collecting:
            gc.enable()
    writer.close()
    return rows
