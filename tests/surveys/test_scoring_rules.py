"""Maturity scoring rules: the format, its checks against the questions, level names."""

import json

import pytest
import yaml

from surveys.scoring_rules import (
    ScoringRules,
    ScoringRulesError,
    level_name,
    scoring_errors,
    text_in,
)
from tests.surveys.reference_rules import (
    QUESTIONS,
    REFERENCE,
    REFERENCE_RULES,
    RULES,
    rules_with,
)

ITEMS = RULES.item_codes

# --- The reference rules --------------------------------------------------------


def test_reference_rules_are_valid_for_the_reference_questionnaire():
    assert scoring_errors(REFERENCE_RULES, QUESTIONS) == []


def test_reference_rules_cover_the_32_tagged_items_in_ladder_order():
    document = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    tagged = {
        tag.removeprefix("maturity:"): question["code"]
        for page in document["pages"]
        for question in page["questions"]
        for tag in question.get("tags", [])
        if tag.startswith("maturity:")
    }

    expected = {
        f"{dimension.code}:{k}": item
        for dimension in RULES.dimensions
        for k, item in enumerate(dimension.items, start=1)
    }
    assert len(ITEMS) == 32
    assert tagged == expected


def test_the_reference_scoring_block_reads_as_rules():
    assert REFERENCE_RULES["version"] == 1
    assert [dim.code for dim in RULES.dimensions] == [f"D{n}" for n in range(1, 9)]
    assert all(len(dim.items) == 4 for dim in RULES.dimensions)
    assert ScoringRules.from_dict(REFERENCE_RULES) == RULES


def test_rules_read_from_json_accept_string_level_keys():
    rules = ScoringRules.from_dict(json.loads(json.dumps(REFERENCE_RULES)))

    assert rules == RULES
    assert rules.max_level == 4


# --- Level names --------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "language", "name"),
    [
        (0, "en", "None"),
        (2, "en", "Repeatable"),
        (2.5, "en", "Repeatable"),
        (4, "pt-br", "Ciclo fechado"),
        (3, "pt-BR", "Automatizado"),
        (1.5, "fr", "Ad hoc"),
    ],
)
def test_level_names(level, language, name):
    assert level_name(RULES, level, language) == name


@pytest.mark.parametrize("level", [-0.5, 4.5])
def test_level_name_rejects_levels_off_the_ladder(level):
    with pytest.raises(ValueError, match="outside"):
        level_name(RULES, level, "en")


def test_text_in_falls_back_to_the_base_language_then_english():
    assert text_in({"pt": "Olá", "en": "Hello"}, "pt-br") == "Olá"
    assert text_in({"es": "Hola"}, "de") == "Hola"
    assert text_in("Plain", "pt-br") == "Plain"


# --- Rules validation ---------------------------------------------------------------


def set_item(data, dimension, index, value):
    data["dimensions"][dimension]["items"][index] = value


def extra_point(data):
    data["points"]["maybe"] = 0.5


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            lambda d: set_item(d, 2, 1, "d3_9"),
            'scoring.dimensions[2].items[1]: "d3_9" is not a question',
        ),
        (
            lambda d: d["points"].pop("partial"),
            'scoring.points: missing "partial"',
        ),
        (
            lambda d: d["points"].pop("dont_know"),
            'scoring.points: missing "dont_know" (a choice of "d1_1")',
        ),
        (
            lambda d: d["dimensions"][3].update(code="D1"),
            'scoring.dimensions[3].code: duplicate code "D1"',
        ),
        (
            lambda d: set_item(d, 1, 0, "d1_1"),
            'scoring.dimensions[1].items[0]: "d1_1" is already used in D1',
        ),
        (
            lambda d: set_item(d, 0, 3, "d1_1"),
            'scoring.dimensions[0].items[3]: duplicate code "d1_1"',
        ),
        (
            lambda d: d["dimensions"][4]["items"].pop(),
            "scoring.dimensions[4].items: 3 items, but D1 has 4; every dimension "
            "needs the same number",
        ),
        (
            lambda d: d["dimensions"][4].update(items=[]),
            "scoring.dimensions[4].items: must be a non-empty list",
        ),
        (
            extra_point,
            'scoring.points: "maybe" is not a choice of any item',
        ),
        (
            lambda d: d["flagged"].append("unsure"),
            'scoring.flagged[1]: "unsure" has no points',
        ),
        (
            lambda d: d["not_applicable"].append("absent"),
            'scoring.not_applicable[1]: "absent" also has points',
        ),
        (
            lambda d: d["points"].update(partial=1.5),
            "scoring.points.partial: must be a number from 0 to 1",
        ),
        (
            lambda d: d["points"].update(partial=1),
            'scoring.points: "present" must score more than "partial"',
        ),
        (
            lambda d: d["points"].update(dont_know=0.5),
            'scoring.points: "partial" must score more than every code except '
            '"present"',
        ),
        (
            lambda d: d.update(partial="present"),
            'scoring.partial: "present" is already used for another step',
        ),
        (
            lambda d: d.update(present="yes"),
            'scoring.present: "yes" is not a choice of any item',
        ),
        (
            lambda d: set_item(d, 0, 0, "age_range"),
            'scoring.dimensions[0].items[0]: "age_range" has no choice "present"',
        ),
        (
            lambda d: set_item(d, 0, 0, "satisfaction_dvc"),
            'scoring.dimensions[0].items[0]: "satisfaction_dvc" has no choices',
        ),
        (
            lambda d: set_item(d, 0, 0, "other_tools"),
            'scoring.dimensions[0].items[0]: "other_tools" is not a question',
        ),
        (
            lambda d: d["dimensions"][0]["stages"].append("coffee"),
            'scoring.dimensions[0].stages[2]: "coffee" is not a choice of '
            '"valued_stages"',
        ),
        (
            lambda d: d.update(stage_question="stages"),
            'scoring.stage_question: "stages" is not a question',
        ),
        (
            lambda d: d["levels"].pop(3),
            "scoring.levels: missing level 3",
        ),
        (
            lambda d: d["levels"].update({5: "Beyond"}),
            "scoring.levels: unknown level 5 (the top is 4)",
        ),
        (
            lambda d: d["levels"].update({1: {"en": ""}}),
            "scoring.levels.1: must be a text or a mapping of language code to text",
        ),
        (
            lambda d: d["dimensions"][7].update(title=""),
            "scoring.dimensions[7].title: must not be empty",
        ),
        (
            lambda d: d["dimensions"][7].update(weight=2),
            'scoring.dimensions[7]: unknown key "weight"',
        ),
        (lambda d: d.pop("version"), 'scoring: missing "version"'),
        (lambda d: d.update(version=0), "scoring.version: must be a positive integer"),
        (lambda d: d.update(weights={}), 'scoring: unknown key "weights"'),
    ],
)
def test_scoring_errors_name_the_place(change, error):
    assert error in scoring_errors(rules_with(change), QUESTIONS)


def test_scoring_errors_reject_a_non_mapping():
    assert scoring_errors(["D1"], QUESTIONS) == ["scoring: must be a mapping"]


def test_rules_without_stage_question_are_valid():
    data = rules_with(lambda d: d.pop("stage_question"))

    assert scoring_errors(data, QUESTIONS) == []
    assert ScoringRules.from_dict(data).stage_question is None


def test_rules_with_other_item_counts_are_valid():
    data = rules_with(lambda d: [dim["items"].pop() for dim in d["dimensions"]])
    data["levels"].pop(4)

    assert scoring_errors(data, QUESTIONS) == []
    assert ScoringRules.from_dict(data).max_level == 3


def test_from_dict_raises_with_every_problem():
    data = rules_with(lambda d: (d["points"].pop("partial"), d.pop("levels")))

    with pytest.raises(ScoringRulesError) as excinfo:
        ScoringRules.from_dict(data)

    assert excinfo.value.errors == [
        'scoring: missing "levels"',
        'scoring.points: missing "partial"',
    ]
