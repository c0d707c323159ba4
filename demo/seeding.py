"""Seed a survey with synthetic submitted responses, fast (demos and benchmarks).

Answers come from ``demo.personas`` (plausible respondents of the reference
questionnaire; uniform valid answers for any other survey). Each response is
submitted, its ``submitted_at`` spread evenly over the last 90 days in the
order the responses are drawn, in Portuguese or English (as the survey
allows) and through the web or the API.

Reproducible: responses are drawn in chunks of ``CHUNK``, each from its own
``random.Random`` seeded with the text ``"<slug>:<seed>:<chunk>"`` (a text
seed is hashed with SHA-512, not with Python's randomised ``hash``), so the
same slug and seed give the same ids and answers in the same order in any
process, whatever the count (a shorter run is a prefix of a longer one).
Only the timestamps move with the clock. Mixing in the slug keeps two surveys
seeded with the same number from colliding on ids.

Fast: rows are built as tuples, not model instances, and PostgreSQL receives
them through ``COPY`` in batches of ``BATCH_SIZE``, each in its own
transaction (an interrupted run keeps its whole batches). Rows are written
directly, so no ``response_submitted`` signal is sent: profiles and
aggregates are recomputed afterwards, in bulk, by the caller
(``seed_synthetic`` runs ``recompute_profiles``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import math
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from demo.personas import answer_model
from surveys.answers import condition_holds
from surveys.definition import Definition
from surveys.models import Response, Survey, SurveyVersion, hash_token
from surveys.selectors import sheet_for_version
from surveys.services import resume_token_for

logger = logging.getLogger(__name__)

MAX_RESPONSES = 5_000_000
CHUNK = 10_000  # responses drawn from one random stream: never change it
BATCH_SIZE = 10_000  # rows written per transaction
SPAN = dt.timedelta(days=90)
CHECKED = 50  # the first answers of a run are validated, as a guard
LANGUAGES = {"pt-br": 65, "en": 35}
API_SHARE = 0.15
MINUTES = (14, 0.5, 3, 120)  # log-normal median and sigma, clipped to [3, 120]

# The columns written, in row order; the others keep their defaults (NULL).
FIELDS = (
    "id",
    "survey",
    "version",
    "status",
    "answers",
    "language",
    "channel",
    "current_page",
    "resume_token_hash",
    "idempotency_key",
    "idempotency_fingerprint",
    "started_at",
    "updated_at",
    "submitted_at",
    "void_reason",
)
ANSWERS = FIELDS.index("answers")

Row = tuple[Any, ...]


class Drawn(NamedTuple):
    """One synthetic respondent, before it is placed in time and in a table."""

    id: uuid.UUID
    language: str
    channel: str
    at: float  # position in the seeding window, 0 (oldest) to 1 (now)
    minutes: float  # time spent answering
    answers: dict[str, Any]


def responses_draw(
    definition: Definition, *, key: str, seed: int, count: int
) -> Iterator[Drawn]:
    """Draw ``count`` respondents, reproducibly from ``key`` and ``seed``."""
    model = answer_model(definition)
    languages = [code for code in LANGUAGES if code in definition.languages]
    languages = languages or list(definition.languages)
    cum = list(itertools.accumulate(LANGUAGES.get(code, 20) for code in languages))
    median, sigma, low, high = MINUTES
    for first in range(0, count, CHUNK):
        rng = random.Random(f"{key}:{seed}:{first // CHUNK}")  # noqa: S311
        for i in range(first, min(first + CHUNK, count)):
            response_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            language = languages[_index(cum, rng.random() * cum[-1])]
            channel = "api" if rng.random() < API_SHARE else "web"
            at = (i + rng.random()) / count
            minutes = min(max(rng.lognormvariate(math.log(median), sigma), low), high)
            answers = model.answers(rng, language=language)
            yield Drawn(response_id, language, channel, at, minutes, answers)


def _index(cum: list[float], x: float) -> int:
    return next(i for i, edge in enumerate(cum) if x < edge)


def seed_rows(
    *, survey: Survey, version: SurveyVersion, count: int, seed: int, now: dt.datetime
) -> Iterator[Row]:
    """Yield the table rows (values in ``FIELDS`` order, answers as a dict).

    The first ``CHECKED`` answers are checked against the definition: a draw
    that the platform would refuse is a bug, reported before anything is written.
    """
    sheet = sheet_for_version(version)
    pages = [(page.code, page.condition) for page in reversed(sheet.definition.pages)]
    start = now - SPAN
    submitted_status = Response.Status.SUBMITTED.value
    drawn = responses_draw(sheet.definition, key=survey.slug, seed=seed, count=count)
    for n, one in enumerate(drawn):
        if n < CHECKED:
            clean, errors = sheet.clean(one.answers, complete=True)
            if errors or clean != one.answers:
                raise ValueError(f"synthetic answers fail validation: {errors}")
        submitted = start + SPAN * one.at
        current_page = ""
        if one.channel == "web":  # the last page the respondent was shown
            current_page = next(
                (code for code, cond in pages if condition_holds(cond, one.answers)), ""
            )
        yield (
            one.id,
            survey.pk,
            version.pk,
            submitted_status,
            one.answers,
            one.language,
            one.channel,
            current_page,
            hash_token(resume_token_for(one.id)),
            "",
            "",
            submitted - dt.timedelta(minutes=one.minutes),
            submitted,
            submitted,
            "",
        )


def rows_copy(rows: Iterable[Row]) -> int:
    """Write rows with PostgreSQL's COPY; return how many."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Response._meta.get_field(f).column) for f in FIELDS)
    statement = f"COPY {quote(Response._meta.db_table)} ({columns}) FROM STDIN"
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row((*row[:ANSWERS], dumps(row[ANSWERS]), *row[ANSWERS + 1 :]))
            written += 1
    return written


def responses_seed(
    *,
    survey: Survey,
    count: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Create ``count`` submitted synthetic responses to the survey's current
    version, reproducibly from ``seed``; return how many were created.

    Each batch commits on its own; ``progress(done, count)`` is called after
    each. Refuses a survey without a published version, a count outside
    1..``MAX_RESPONSES``, and a seed this survey was already seeded with.
    """
    if not 1 <= count <= MAX_RESPONSES:
        raise ValidationError(
            {"count": [f"Create between 1 and {MAX_RESPONSES:,} responses."]}
        )
    version = (
        SurveyVersion.objects.filter(pk=survey.current_version_id).first()
        if survey.current_version_id
        else None
    )
    if version is None:
        raise ValidationError({"survey": [f"{survey.slug} has no published version."]})
    rows = seed_rows(
        survey=survey, version=version, count=count, seed=seed, now=timezone.now()
    )
    first = next(rows)
    if Response.objects.filter(pk=first[0]).exists():
        raise ValidationError(
            {"seed": [f"{survey.slug} was already seeded with seed {seed}."]}
        )
    rows = itertools.chain([first], rows)
    done = 0
    while done < count:
        with transaction.atomic():
            written = rows_copy(itertools.islice(rows, BATCH_SIZE))
        done += written
        if not written:
            break
        if progress is not None:
            progress(done, count)
    logger.info(
        "seeded %s v%d with %d responses (seed %d)",
        survey.slug,
        version.number,
        done,
        seed,
    )
    return done
