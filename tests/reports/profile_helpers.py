"""Shared helpers for the profile tests: the reference questionnaire and answers.

The reference questionnaire (``surveys/definitions/mlops-practices.yaml``) has
the scoring rules; complete answers are drawn the way the synthetic generator
draws them, with the maturity items, tools and valued stages fixed by the test.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import User
from demo.loading import REFERENCE_SURVEY, reference_survey_load
from demo.synthetic import _draw
from reports.models import ResponseProfile
from reports.profiles import profile_fields
from surveys.answers import AnswerSheet
from surveys.definition import OTHER, OTHER_SUFFIX, Definition, definition_load
from surveys.models import Response, Survey
from surveys.scoring_rules import ScoringRules
from surveys.selectors import sheet_for_version_id
from tests.accounts.factories import UserFactory
from tests.surveys.factories import ResponseFactory

SLUG = "mlops-practices"

# The hand-written answer set of the worked example, one ladder per dimension.
WORKED = {
    "D1": ["present", "present", "partial", "present"],  # L 2.5, S 3.5 (the design's)
    "D2": ["present", "present", "present", "present"],  # L 4, S 4
    "D3": ["present", "absent", "present", "absent"],  # L 1, S 2
    "D4": ["partial", "present", "present", "present"],  # L 0.5, S 3.5
    "D5": ["na", "present", "absent", "absent"],  # N/A stepped over: L 2, S 4/3
    "D6": ["na", "na", "present", "present"],  # two N/A: not assessed
    "D7": ["dont_know", "present", "present", "present"],  # L 0, S 3, flagged
    "D8": ["present", "partial", "absent", "absent"],  # L 1.5, S 1.5
}
WORKED_TOOLS = ["dvc", "mlflow", "sagemaker", "airflow", OTHER]
WORKED_STAGES = ["data_preparation", "training", "monitoring"]


def reference_definition() -> Definition:
    """The reference questionnaire parsed from its file (no database)."""
    from surveys.definition import definition_parse

    return definition_parse(
        definition_load(REFERENCE_SURVEY.read_text(encoding="utf-8"))
    )


def reference_rules() -> ScoringRules:
    return ScoringRules.from_dict(reference_definition().scoring)


def reference_survey(owner: User | None = None) -> Survey:
    """The reference questionnaire, published and open by ``owner`` (by default
    a new staff user), who owns it.

    Publishing validates and writes 95 questions, which took a good part of
    each test that needs the questionnaire. The service publishes it once per
    run (``reference_publication``); each call writes a copy of those rows,
    under new ids and with the timestamps of now. When the survey is there
    already (a second call in one test), the service publishes over it.
    """
    actor = owner or UserFactory(is_staff=True)
    if Survey.objects.filter(slug=SLUG).exists():
        return reference_survey_load(actor=actor).survey
    publication = reference_publication()
    ids: dict[tuple[type[models.Model], Any], Any] = {
        (User, publication.actor_id): actor.pk
    }
    now = timezone.now()
    with transaction.atomic():  # the foreign keys are checked once all rows are in
        for model, rows in publication.tables:
            pk = model._meta.pk.attname
            for row, new_id in zip(rows, _new_ids(model, len(rows)), strict=True):
                ids[model, row[pk]] = new_id
        for model, rows in publication.tables:
            model._base_manager.bulk_create(
                model(**_copied(model, row, ids, now)) for row in rows
            )
    return Survey.objects.get(pk=ids[Survey, publication.survey_id])


@dataclass(frozen=True)
class Publication:
    """The rows that publishing and opening the reference questionnaire wrote.

    ``tables`` holds each model's new rows (field attname -> value), every
    table but the actor's: each copy has its own actor.
    """

    actor_id: int
    survey_id: int
    tables: tuple[tuple[type[models.Model], tuple[dict[str, Any], ...]], ...]


@functools.cache
def reference_publication() -> Publication:
    """Publish and open the reference questionnaire through the service, once
    per test run, in a transaction rolled back, and keep the rows it wrote.

    The first test that needs it publishes it, in a savepoint of its own
    transaction: nothing stays in the database, so no other test sees the
    questionnaire and a flush between tests loses nothing. (A session fixture
    would have to set the database up for runs whose tests never use it.)
    """
    tables = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
    with transaction.atomic():
        if Survey.objects.filter(slug=SLUG).exists():
            raise RuntimeError(f"the test database already has a survey {SLUG!r}")
        before = {
            model: set(model._base_manager.values_list("pk", flat=True))
            for model in tables
        }
        actor = UserFactory(is_staff=True)
        survey = reference_survey_load(actor=actor).survey
        written = []
        for model in tables:
            columns = [field.attname for field in model._meta.concrete_fields]
            pk = model._meta.pk.attname
            rows = tuple(
                row
                for row in model._base_manager.values(*columns)
                if row[pk] not in before[model] and (model, row[pk]) != (User, actor.pk)
            )
            if rows:
                written.append((model, rows))
        transaction.set_rollback(True)
    publication = Publication(actor.pk, survey.pk, tuple(written))
    _check_self_contained(publication)
    return publication


def _check_self_contained(publication: Publication) -> None:
    """Every foreign key of the copied rows points into the copy (or its actor):
    a row outside it could be gone when a copy is made."""
    inside = {(User, publication.actor_id)} | {
        (model, row[model._meta.pk.attname])
        for model, rows in publication.tables
        for row in rows
    }
    for model, rows in publication.tables:
        for field in model._meta.concrete_fields:
            if not field.is_relation:
                continue
            for row in rows:
                target = row[field.attname]
                if target is not None and (field.related_model, target) not in inside:
                    raise RuntimeError(
                        f"{model.__name__}.{field.name} of the reference "
                        f"questionnaire points outside its rows ({target!r})"
                    )


def _new_ids(model: type[models.Model], count: int) -> list[Any]:
    """``count`` primary keys for new rows: from the table's sequence, or the default."""
    pk = model._meta.pk
    if not isinstance(pk, models.AutoField):  # BigAutoField and SmallAutoField too
        return [pk.get_default() for _ in range(count)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), pk.column, count],
        )
        return [new_id for (new_id,) in cursor.fetchall()]


def _copied(
    model: type[models.Model],
    row: dict[str, Any],
    ids: dict[tuple[type[models.Model], Any], Any],
    now: Any,
) -> dict[str, Any]:
    """A row of the publication with new ids, its references followed, and now
    for its timestamps."""
    values = dict(row)
    for field in model._meta.concrete_fields:
        value = values[field.attname]
        if field.primary_key:
            values[field.attname] = ids[model, value]
        elif field.is_relation and value is not None:
            values[field.attname] = ids[field.related_model, value]
        elif is_timestamp(field):
            values[field.attname] = now
    return values


def is_timestamp(field: models.Field) -> bool:
    """A field set to the time the row is written."""
    return (
        getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
        or field.default is timezone.now
    )


def reference_answers(
    definition: Definition,
    *,
    maturity: dict[str, list[str]] | None = None,
    tools: list[str] | None = None,
    stages: list[str] | None = None,
    seed: int = 1,
) -> dict[str, Any]:
    """Complete, valid answers: the given ones, and a seeded draw for the rest.

    Questions are walked in survey order, so conditions see earlier answers
    as a respondent's would; optional questions are left out.
    """
    fixed: dict[str, Any] = {}
    for dimension, ladder in (maturity or {}).items():
        for k, value in enumerate(ladder, start=1):
            fixed[f"d{dimension[1:]}_{k}"] = value
    if tools is not None:
        fixed["tools_used"] = tools
    if stages is not None:
        fixed["valued_stages"] = stages
    rng = random.Random(seed)
    sheet = AnswerSheet(definition)
    answers: dict[str, Any] = {}
    for _page, question, applies, _rows in sheet.walk(answers):
        if not applies:
            continue
        if question.code in fixed:
            value = fixed[question.code]
        elif question.required:
            value = _draw(question, sheet, answers, rng)
        else:
            continue
        if value is None:
            continue
        answers[question.code] = value
        if value == OTHER or (isinstance(value, list) and OTHER in value):
            answers[question.code + OTHER_SUFFIX] = fixed.get(
                question.code + OTHER_SUFFIX, "ClearML"
            )
    clean, errors = sheet.clean(answers, complete=True)
    assert not errors, errors
    return clean


def worked_answers(definition: Definition) -> dict[str, Any]:
    return reference_answers(
        definition, maturity=WORKED, tools=WORKED_TOOLS, stages=WORKED_STAGES
    )


def fresh_profile(response) -> dict[str, Any]:
    """What ``profile_compute`` should store for a response, recomputed in memory."""
    definition = sheet_for_version_id(response.version_id).definition
    rules = ScoringRules.from_dict(definition.scoring) if definition.scoring else None
    return {
        "version_id": response.version_id,
        **profile_fields(definition, rules, response.answers),
    }


def stored_profile(profile: ResponseProfile) -> dict[str, Any]:
    """A stored profile's content, without its timestamp."""
    return {
        "version_id": profile.version_id,
        "scoring_version": profile.scoring_version,
        "overall_level": profile.overall_level,
        "breadth": profile.breadth,
        "bottleneck": profile.bottleneck,
        "dimensions": profile.dimensions,
        "flagged": profile.flagged,
        "descriptive": profile.descriptive,
    }


def dimension(profile: ResponseProfile | dict, code: str) -> dict[str, Any]:
    dimensions = (
        profile["dimensions"] if isinstance(profile, dict) else profile.dimensions
    )
    return next(d for d in dimensions if d["code"] == code)


def many_responses(count: int) -> list[Response]:
    survey = reference_survey()
    definition = sheet_for_version_id(survey.current_version_id).definition
    return [
        ResponseFactory(
            survey=survey,
            submitted=True,
            answers=reference_answers(definition, seed=seed),
        )
        for seed in range(count)
    ]
