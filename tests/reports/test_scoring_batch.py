"""The fast path of a full recompute stores exactly the reference's profiles.

``reports.scoring_batch`` scores batches with numpy and ``reports.profiles_sql``
reads them from PostgreSQL; the reference is ``reports.scoring`` with
``reports.profiles`` (what ``profile_compute`` stores). Every test compares the
two on varied responses: N/A, don't know, unanswered, hidden by a condition,
unknown or odd answers, odd stage rankings and tool lists.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo.seeding import responses_seed
from demo.synthetic import synthetic_answers
from reports.models import ResponseProfile
from reports.profiles import profile_fields
from reports.scoring_batch import BatchScorer
from reports.services import profiles_recompute
from surveys.definition import OTHER, Definition, definition_parse
from surveys.models import Response
from surveys.scoring_rules import ScoringRules
from surveys.selectors import sheet_for_version_id
from surveys.services import survey_publish, survey_update
from tests.reports.profile_helpers import (
    fresh_profile,
    reference_definition,
    reference_survey,
    stored_profile,
)
from tests.surveys.factories import ResponseFactory
from tests.surveys.sample_definition import opts, sample, t

# Answers no rule knows: scored like an unanswered item.
ODD = ["unknown", "", 1, 0, 2.5, True, None, ["present"], {"present": 1}]


# --- Varied answers -------------------------------------------------------------------


def varied(
    answers: dict[str, Any], definition: Definition, rng: random.Random
) -> dict[str, Any]:
    """Valid answers, with items, valued stages and tools made varied and odd."""
    rules = ScoringRules.from_dict(definition.scoring) if definition.scoring else None
    answers = dict(answers)
    for code in rules.item_codes if rules else ():
        roll = rng.random()
        if roll < 0.12:
            answers.pop(code, None)  # unanswered
        elif roll < 0.3:
            answers[code] = rng.choice([*rules.not_applicable, *rules.flagged])
        elif roll < 0.36:
            answers[code] = rng.choice(ODD)
    stages = definition.tagged("profile:stages")
    if stages is not None:
        choices = [choice.code for choice in stages.choices]
        roll = rng.random()
        if roll < 0.08:
            answers.pop(stages.code, None)
        elif roll < 0.16:  # repeats, a number, a stage no rule names
            picked = rng.sample(choices, 2)
            answers[stages.code] = [picked[0], 3, picked[0], "nowhere", picked[1]]
        elif roll < 0.2:
            answers[stages.code] = rng.choice(choices)  # not a list
    tools = definition.tagged("profile:tools")
    if tools is not None:
        choices = [choice.code for choice in tools.choices]
        roll = rng.random()
        if roll < 0.08:
            answers.pop(tools.code, None)
        elif roll < 0.16:
            answers[tools.code] = [*rng.sample(choices, 2), OTHER, choices[0]]
        elif roll < 0.2:
            answers[tools.code] = []
    return answers


def reference_row(definition: Definition, answers: dict[str, Any]) -> dict[str, Any]:
    """What ``profile_compute`` stores for these answers (without the version)."""
    rules = ScoringRules.from_dict(definition.scoring) if definition.scoring else None
    return profile_fields(definition, rules, answers)


def fast_rows(
    definition: Definition, answers: list[dict[str, Any]], batch: int = 500
) -> list[dict[str, Any]]:
    """The batch scorer's rows for these answers, decoded."""
    rules = ScoringRules.from_dict(definition.scoring) if definition.scoring else None
    scorer = BatchScorer(definition, rules)
    rows = []
    for start in range(0, len(answers), batch):
        classes, texts = scorer.encode(answers[start : start + batch])
        rows.extend(scorer.score(classes, texts))
    return [
        {
            "scoring_version": scorer.scoring_version,
            "overall_level": row.overall_level,
            "breadth": row.breadth,
            "bottleneck": row.bottleneck,
            "dimensions": json.loads(row.dimensions),
            "flagged": json.loads(row.flagged),
            "descriptive": json.loads(row.descriptive),
        }
        for row in rows
    ]


def json_codes_document(slug: str = "json-codes") -> dict[str, Any]:
    """A small scored survey whose answer codes read as JSON ("2", "null").

    Its maturity page is shown only to experienced respondents, so the
    others leave its items unanswered (hidden).
    """
    document = sample(slug=slug)
    tools_page = document["pages"][1]["questions"]
    tools_page[0]["tags"] = ["profile:tools"]
    tools_page[3]["tags"] = ["profile:stages"]
    items = [f"p{d}_{k}" for d in (1, 2, 3) for k in (1, 2, 3)]
    document["pages"].insert(
        2,
        {
            "code": "practice",
            "title": t("Practice"),
            "condition": {"question": "experience", "op": "not_equals", "value": "lt1"},
            "questions": [
                {
                    "code": code,
                    "type": "single_choice",
                    "text": t(code),
                    "required": True,
                    "choices": opts("2", "1", "0", "null", "na"),
                }
                for code in items
            ],
        },
    )
    document["scoring"] = {
        "version": 3,
        "points": {"2": 1, "1": 0.5, "0": 0, "null": 0},
        "not_applicable": ["na"],
        "flagged": ["null"],
        "present": "2",
        "partial": "1",
        "absent": "0",
        "stage_question": "stages",
        "dimensions": [
            {
                "code": f"P{d}",
                "title": t(f"P{d}"),
                "items": items[3 * (d - 1) : 3 * d],
                "stages": stages,
            }
            for d, stages in ((1, ["data"]), (2, ["training", "deployment"]), (3, []))
        ],
        "levels": {str(level): t(f"L{level}") for level in range(4)},
    }
    return document


def assert_rows_equal(fast: list[dict], reference: list[dict]) -> None:
    assert len(fast) == len(reference)
    for i, (got, expected) in enumerate(zip(fast, reference, strict=True)):
        assert got == expected, f"response {i} differs"


# --- The batch scorer alone -----------------------------------------------------------


# The descriptive part reads the tool catalogue from the database.
@pytest.mark.django_db
def test_batches_score_varied_reference_answers_as_the_reference():
    definition = reference_definition()
    rng = random.Random(2026)
    answers = [
        varied(synthetic_answers(definition, rng), definition, rng) for _ in range(1500)
    ]

    assert_rows_equal(
        fast_rows(definition, answers),
        [reference_row(definition, a) for a in answers],
    )


# The descriptive part reads the tool catalogue from the database.
@pytest.mark.django_db
def test_answer_codes_that_read_as_json_score_as_the_reference():
    definition = definition_parse(json_codes_document())
    rng = random.Random(7)
    answers = []
    for _ in range(400):
        one = varied(synthetic_answers(definition, rng), definition, rng)
        if rng.random() < 0.3:  # numbers and null where the codes are "2", "null"
            one[rng.choice(["p1_1", "p2_2", "p3_3"])] = rng.choice([2, 1, 0, None])
        answers.append(one)

    assert_rows_equal(
        fast_rows(definition, answers, batch=37),
        [reference_row(definition, a) for a in answers],
    )


REFERENCE = reference_definition()
ITEMS = ScoringRules.from_dict(REFERENCE.scoring).item_codes
ITEM_ANSWERS = st.sampled_from(
    ["present", "partial", "absent", "dont_know", "na", *ODD]
)
STAGES = [choice.code for choice in REFERENCE.questions["valued_stages"].choices]
answer_batches = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            **dict.fromkeys(ITEMS, ITEM_ANSWERS),
            "valued_stages": st.lists(st.sampled_from([*STAGES, 1]), max_size=4),
        },
    ),
    min_size=1,
    max_size=25,
)


# The descriptive part reads the tool catalogue from the database.
@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(batch=answer_batches)
def test_any_item_answers_and_rankings_score_as_the_reference(batch):
    assert_rows_equal(
        fast_rows(REFERENCE, batch, batch=7),
        [reference_row(REFERENCE, a) for a in batch],
    )


def test_an_empty_batch_scores_nothing():
    assert fast_rows(REFERENCE, []) == []


# --- The recompute through PostgreSQL -------------------------------------------------


@pytest.mark.django_db
def test_recompute_stores_the_reference_profile_of_every_varied_response(mocker):
    survey = reference_survey()
    definition = sheet_for_version_id(survey.current_version_id).definition
    responses_seed(survey=survey, count=300, seed=5)  # personas: N/A, don't know
    rng = random.Random(11)
    for _ in range(150):
        ResponseFactory(
            survey=survey,
            submitted=True,
            answers=varied(synthetic_answers(definition, rng), definition, rng),
        )
    voided = ResponseFactory(survey=survey, voided=True)
    draft = ResponseFactory(survey=survey, answers={"d1_1": "present"})
    mocker.patch("reports.services.RECOMPUTE_BATCH", 64)  # several batches

    assert profiles_recompute(survey=survey) == 450

    counted = Response.objects.filter(survey=survey, status="submitted").exclude(
        pk=voided.pk
    )
    stored = {p.response_id: p for p in ResponseProfile.objects.all()}
    assert set(stored) == {r.pk for r in counted}
    assert draft.pk not in stored
    for response in counted:
        assert stored_profile(stored[response.pk]) == fresh_profile(response)


@pytest.mark.django_db
def test_hidden_items_and_codes_that_read_as_json_through_postgresql(researcher):
    version = survey_publish(document=json_codes_document(), actor=researcher)
    survey = survey_update(survey=version.survey, actor=researcher, status="open")
    definition = sheet_for_version_id(survey.current_version_id).definition
    rng = random.Random(3)
    responses = []
    for i in range(120):
        answers = varied(synthetic_answers(definition, rng), definition, rng)
        if i % 5 == 0:
            answers["p1_1"] = rng.choice([2, 1, 0, None, "2 "])
        responses.append(
            ResponseFactory(survey=survey, submitted=True, answers=answers)
        )
    assert any("p1_1" not in r.answers for r in responses)  # hidden page

    assert profiles_recompute(survey=survey) == 120

    for response in responses:
        profile = ResponseProfile.objects.get(response=response)
        assert stored_profile(profile) == fresh_profile(response)


@pytest.mark.django_db
def test_a_version_without_rules_gets_the_reference_descriptive_profile(researcher):
    document = json_codes_document(slug="no-rules")
    del document["scoring"]
    version = survey_publish(document=document, actor=researcher)
    survey = survey_update(survey=version.survey, actor=researcher, status="open")
    definition = sheet_for_version_id(survey.current_version_id).definition
    rng = random.Random(4)
    responses = [
        ResponseFactory(
            survey=survey,
            submitted=True,
            answers=varied(synthetic_answers(definition, rng), definition, rng),
        )
        for _ in range(30)
    ]

    assert profiles_recompute(survey=survey) == 30

    for response in responses:
        profile = ResponseProfile.objects.get(response=response)
        assert profile.scoring_version is None
        assert stored_profile(profile) == fresh_profile(response)
