"""Survey definitions: the schema, the semantic rules, parsing and canonical export."""

import copy
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.definition import (
    DefinitionLoadError,
    definition_canonical,
    definition_dump,
    definition_errors,
    definition_load,
    definition_parse,
)
from tests.surveys.sample_definition import SAMPLE, opts, sample, t

REFERENCE = (
    Path(__file__).resolve().parents[2] / "surveys/definitions/mlops-practices.yaml"
)


def question(document: dict, page: int, index: int) -> dict:
    return document["pages"][page]["questions"][index]


# --- Valid documents ----------------------------------------------------------


def test_sample_uses_every_question_type_and_is_valid():
    types = {q["type"] for page in SAMPLE["pages"] for q in page["questions"]}

    assert types == {
        "single_choice",
        "multiple_choice",
        "likert",
        "number",
        "text",
        "long_text",
        "boolean",
        "date",
        "ranking",
        "matrix",
    }
    assert definition_errors(SAMPLE) == []


def test_reference_questionnaire_is_valid():
    document = definition_load(REFERENCE.read_text(encoding="utf-8"))

    assert definition_errors(document) == []


def test_minimal_document_is_valid():
    document = {
        "format": 1,
        "slug": "tiny",
        "languages": ["en"],
        "title": {"en": "Tiny"},
        "pages": [
            {
                "code": "only",
                "title": {"en": "Only"},
                "questions": [{"code": "ok", "type": "boolean", "text": {"en": "OK?"}}],
            }
        ],
    }

    assert definition_errors(document) == []


def test_validation_does_not_change_the_document():
    document = sample()

    definition_errors(document)

    assert document == SAMPLE


# --- Semantic rules, each with its place ----------------------------------------


def _duplicate_choice(d):
    question(d, 1, 0)["choices"].append({"code": "dvc", "label": t("Again")})


def _duplicate_question_across_pages(d):
    question(d, 2, 0)["code"] = "role"


def _duplicate_page(d):
    d["pages"][2]["code"] = "about"


def _missing_pt_br(d):
    del question(d, 0, 1)["text"]["pt-br"]


def _blank_pt_br_title(d):
    d["title"]["pt-br"] = "   "


def _missing_pt_br_label(d):
    del question(d, 1, 3)["choices"][2]["label"]["pt-br"]


def _language_not_in_survey(d):
    d["languages"] = ["en"]
    d["title"] = {"en": "Sample", "pt-br": "Amostra"}
    d.pop("description")
    d.pop("consent")
    d["pages"] = [
        {
            "code": "only",
            "title": {"en": "Only"},
            "questions": [{"code": "ok", "type": "boolean", "text": {"en": "OK?"}}],
        }
    ]


def _condition_on_later_question(d):
    question(d, 0, 0)["condition"] = {
        "question": "experience",
        "op": "equals",
        "value": "lt1",
    }


def _condition_on_itself(d):
    question(d, 0, 1)["condition"] = {"question": "experience", "op": "answered"}


def _page_condition_on_its_own_question(d):
    d["pages"][2]["condition"] = {"question": "nickname", "op": "answered"}


def _condition_value_not_a_choice(d):
    question(d, 0, 1)["condition"] = {
        "question": "role",
        "op": "equals",
        "value": "boss",
    }


def _condition_list_item_not_a_choice(d):
    question(d, 0, 1)["condition"] = {
        "question": "role",
        "op": "in",
        "value": ["scientist", "boss"],
    }


def _condition_object_value(d):
    question(d, 0, 1)["condition"] = {
        "question": "role",
        "op": "equals",
        "value": {"a": 1},
    }


def _condition_nested(d):
    d["pages"][2]["condition"] = {
        "all": [
            {"question": "experience", "op": "equals", "value": "x"},
            {"not": {"question": "zz", "op": "answered"}},
        ]
    }


def _condition_in_needs_list(d):
    d["pages"][2]["condition"] = {"question": "experience", "op": "in", "value": "gt3"}


def _condition_gt_needs_number(d):
    d["pages"][2]["condition"] = {"question": "years", "op": "gt", "value": "5"}


def _condition_answered_takes_no_value(d):
    d["pages"][2]["condition"] = {"question": "years", "op": "answered", "value": 5}


def _condition_equals_needs_value(d):
    d["pages"][2]["condition"] = {"question": "years", "op": "equals"}


def _condition_contains_list(d):
    d["pages"][2]["condition"] = {
        "question": "tools",
        "op": "contains",
        "value": ["mlflow"],
    }


def _rows_from_single_choice(d):
    question(d, 1, 2)["rows_from"] = "role"


def _rows_from_later_question(d):
    question(d, 1, 2)["rows_from"] = "nickname"


def _number_min_above_max(d):
    question(d, 0, 2)["min"] = 70


def _number_bound_not_a_number(d):
    question(d, 0, 2)["max"] = "sixty"


def _number_bound_not_finite(d):
    question(d, 0, 2)["max"] = float("inf")


def _date_min_above_max(d):
    question(d, 0, 3)["max"] = "1999-12-31"


def _date_bound_not_a_date(d):
    question(d, 0, 3)["min"] = "2000-13-01"


def _top_n_above_choices(d):
    question(d, 1, 3)["top_n"] = 5


def _min_selections_above_choices(d):
    question(d, 1, 0)["min_selections"] = 5
    question(d, 1, 0)["max_selections"] = 5


def _max_selections_below_min(d):
    question(d, 1, 0)["min_selections"] = 3
    question(d, 1, 0)["max_selections"] = 2


def _likert_label_outside_scale(d):
    question(d, 1, 1)["scale"]["labels"] = {"9": t("Nine")}


def _text_too_long_limit(d):
    question(d, 2, 0)["max_length"] = 1001


def _reserved_double_underscore(d):
    question(d, 2, 0)["code"] = "nick__other"


def _reserved_other_choice(d):
    question(d, 0, 0)["choices"] = opts("scientist", "other")


def _matrix_one_column(d):
    question(d, 1, 2)["columns"] = opts("present")


SEMANTIC_CASES = [
    (_duplicate_choice, 'pages[1].questions[0].choices: duplicate code "dvc"'),
    (
        _duplicate_question_across_pages,
        'pages[2].questions[0].code: duplicate question code "role"',
    ),
    (_duplicate_page, 'pages[2].code: duplicate page code "about"'),
    (_missing_pt_br, 'pages[0].questions[1].text: missing text for "pt-br"'),
    (_blank_pt_br_title, 'title: missing text for "pt-br"'),
    (
        _missing_pt_br_label,
        'pages[1].questions[3].choices[2].label: missing text for "pt-br"',
    ),
    (_language_not_in_survey, 'title: "pt-br" is not one of the survey\'s languages'),
    (
        _condition_on_later_question,
        'pages[0].questions[0].condition.question: "experience" is not an earlier question',
    ),
    (
        _condition_on_itself,
        'pages[0].questions[1].condition.question: "experience" is not an earlier question',
    ),
    (
        _page_condition_on_its_own_question,
        'pages[2].condition.question: "nickname" is not an earlier question',
    ),
    (
        _condition_value_not_a_choice,
        'pages[0].questions[1].condition.value: "boss" is not a choice of "role"',
    ),
    (
        _condition_list_item_not_a_choice,
        'pages[0].questions[1].condition.value: "boss" is not a choice of "role"',
    ),
    (
        _condition_object_value,
        'pages[0].questions[1].condition.value: "{\'a\': 1}" is not a choice of "role"',
    ),
    (_condition_in_needs_list, 'pages[2].condition.value: "in" needs a list'),
    (_condition_gt_needs_number, 'pages[2].condition.value: "gt" needs a number'),
    (
        _condition_answered_takes_no_value,
        'pages[2].condition.value: "answered" takes no value',
    ),
    (_condition_equals_needs_value, 'pages[2].condition.value: "equals" needs a value'),
    (
        _condition_contains_list,
        'pages[2].condition.value: "contains" needs a single value',
    ),
    (
        _rows_from_single_choice,
        'pages[1].questions[2].rows_from: "role" is not a multiple_choice question',
    ),
    (
        _rows_from_later_question,
        'pages[1].questions[2].rows_from: "nickname" is not an earlier question',
    ),
    (_number_min_above_max, "pages[0].questions[2].max: must not be less than min"),
    (_number_bound_not_a_number, "pages[0].questions[2].max: must be a number"),
    (_number_bound_not_finite, "pages[0].questions[2].max: must be a number"),
    (_date_min_above_max, "pages[0].questions[3].max: must not be less than min"),
    (
        _date_bound_not_a_date,
        "pages[0].questions[3].min: must be a YYYY-MM-DD date",
    ),
    (_top_n_above_choices, "pages[1].questions[3].top_n: 5 is more than the 4 choices"),
    (
        _min_selections_above_choices,
        "pages[1].questions[0].min_selections: 5 is more than the 4 choices",
    ),
    (
        _max_selections_below_min,
        "pages[1].questions[0].max_selections: must not be less than min_selections",
    ),
    (
        _likert_label_outside_scale,
        "pages[1].questions[1].scale.labels: 9 is outside the scale",
    ),
    (_text_too_long_limit, "pages[2].questions[0].max_length: at most 1000 for text"),
    (
        _reserved_double_underscore,
        'pages[2].questions[0].code: "__" is reserved (it marks "other" texts)',
    ),
    (
        _reserved_other_choice,
        'pages[0].questions[0].choices: the code "other" is reserved: use allow_other',
    ),
    (
        _matrix_one_column,
        "pages[1].questions[2].columns: a matrix needs at least 2 columns",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"),
    SEMANTIC_CASES,
    ids=[change.__name__.strip("_") for change, _message in SEMANTIC_CASES],
)
def test_each_semantic_rule_reports_its_place(change, message):
    document = sample()
    change(document)

    errors = definition_errors(document)

    assert message in errors


def test_only_the_broken_rule_is_reported():
    document = sample()
    _duplicate_choice(document)

    assert definition_errors(document) == [
        'pages[1].questions[0].choices: duplicate code "dvc"'
    ]


def test_nested_conditions_report_the_place_of_each_part():
    document = sample()
    _condition_nested(document)

    assert definition_errors(document) == [
        'pages[2].condition.all[0].value: "x" is not a choice of "experience"',
        'pages[2].condition.all[1].not.question: "zz" is not an earlier question',
    ]


def test_a_condition_on_an_earlier_question_of_the_same_page_is_valid():
    document = sample()
    question(document, 0, 2)["condition"] = {
        "question": "experience",
        "op": "in",
        "value": ["1to3", "gt3"],
    }

    assert definition_errors(document) == []


def test_other_is_a_valid_condition_value_when_allowed():
    document = sample()
    question(document, 0, 1)["condition"] = {
        "question": "role",
        "op": "equals",
        "value": "other",
    }

    assert definition_errors(document) == []


def test_a_nul_character_anywhere_is_reported_with_its_place():
    # PostgreSQL cannot store U+0000 in jsonb: the document must be refused.
    document = sample(title={"en": "Sample\x00", "pt-br": "Amostra"})
    question(document, 2, 0)["condition"] = {
        "question": "remote",
        "op": "equals",
        "value": "x\x00",
    }
    question(document, 1, 0)["choices"][0]["label"]["pt-br"] = "\x00"

    assert definition_errors(document) == [
        "title.en: contains a NUL character",
        "pages[1].questions[0].choices[0].label.pt-br: contains a NUL character",
        "pages[2].questions[0].condition.value: contains a NUL character",
    ]


def test_all_semantic_problems_are_reported_at_once():
    document = sample()
    _duplicate_choice(document)
    _missing_pt_br(document)
    _top_n_above_choices(document)

    errors = definition_errors(document)

    assert errors == [
        'pages[0].questions[1].text: missing text for "pt-br"',
        'pages[1].questions[0].choices: duplicate code "dvc"',
        "pages[1].questions[3].top_n: 5 is more than the 4 choices",
    ]


# --- Schema errors, with places ---------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: question(d, 0, 0).update(unknown=1),
            "pages[0].questions[0]: Additional properties are not allowed "
            "('unknown' was unexpected)",
        ),
        (
            lambda d: d.update(colour="blue"),
            "(document): Additional properties are not allowed ('colour' was unexpected)",
        ),
        (
            lambda d: question(d, 0, 4).update(required="yes"),
            "pages[0].questions[4].required: 'yes' is not of type 'boolean'",
        ),
        (
            lambda d: question(d, 0, 4).update(text="Remote?"),
            "pages[0].questions[4].text: 'Remote?' is not of type 'object'",
        ),
        (
            lambda d: question(d, 0, 2).update(choices=opts("a", "b")),
            "pages[0].questions[2]: has a key that does not belong to this question type",
        ),
        (
            lambda d: question(d, 0, 4).pop("text"),
            "pages[0].questions[4]: 'text' is a required property",
        ),
        (
            lambda d: question(d, 0, 0).pop("choices"),
            "pages[0].questions[0]: 'choices' is a required property",
        ),
        (
            lambda d: question(d, 1, 1).pop("scale"),
            "pages[1].questions[1]: 'scale' is a required property",
        ),
        (
            lambda d: question(d, 1, 3).pop("top_n"),
            "pages[1].questions[3]: 'top_n' is a required property",
        ),
        (lambda d: d.pop("title"), "(document): 'title' is a required property"),
        (lambda d: d.update(format=2), "format: 1 was expected"),
        (
            lambda d: d.update(slug="Not A Slug"),
            "slug: 'Not A Slug' does not match '^[a-z0-9][a-z0-9-]{1,58}[a-z0-9]$'",
        ),
        (lambda d: d.update(pages=[]), "pages: [] should be non-empty"),
        (
            lambda d: d.update(title={"en": "x", "fr": "y"}),
            "title: 'fr' is not one of ['en', 'pt-br']",
        ),
        (
            lambda d: question(d, 0, 0)["choices"][0].update(code="Bad Code"),
            "pages[0].questions[0].choices[0].code: 'Bad Code' does not match "
            "'^[a-z0-9][a-z0-9_]{0,39}$'",
        ),
        (
            lambda d: d.update(estimated_minutes=True),
            "estimated_minutes: True is not of type 'integer'",
        ),
    ],
    ids=[
        "unknown-question-key",
        "unknown-top-key",
        "wrong-type-required",
        "wrong-type-text",
        "key-of-another-type",
        "missing-text",
        "missing-choices",
        "missing-scale",
        "missing-top-n",
        "missing-title",
        "wrong-format",
        "bad-slug",
        "no-pages",
        "unknown-language",
        "bad-choice-code",
        "bool-is-not-integer",
    ],
)
def test_schema_errors_report_their_place(change, message):
    document = sample()
    change(document)

    assert message in definition_errors(document)


def test_an_unknown_question_type_is_reported_at_its_type():
    document = sample()
    question(document, 0, 4)["type"] = "slider"

    errors = definition_errors(document)

    assert any(
        error.startswith("pages[0].questions[4].type: 'slider'") for error in errors
    )


@pytest.mark.parametrize("document", [[], "text", None, 3])
def test_a_document_that_is_not_an_object_is_reported(document):
    assert definition_errors(document) == [
        f"(document): {document!r} is not of type 'object'"
    ]


def test_all_schema_problems_are_reported_at_once():
    document = sample()
    question(document, 0, 0)["unknown"] = 1
    question(document, 0, 2)["choices"] = opts("a")
    question(document, 0, 4)["text"] = "Remote?"

    assert definition_errors(document) == [
        "pages[0].questions[0]: Additional properties are not allowed "
        "('unknown' was unexpected)",
        "pages[0].questions[2]: has a key that does not belong to this question type",
        "pages[0].questions[4].text: 'Remote?' is not of type 'object'",
    ]


# --- Parsing --------------------------------------------------------------------------


def test_parse_builds_pages_and_questions_in_survey_order():
    definition = definition_parse(SAMPLE)

    assert [page.code for page in definition.pages] == ["about", "tools", "final"]
    assert list(definition.questions) == [
        "role",
        "experience",
        "years",
        "started",
        "remote",
        "tools",
        "mlflow_rating",
        "tool_matrix",
        "stages",
        "nickname",
        "comments",
    ]
    assert [q.position for q in definition.questions.values()] == list(range(11))
    assert definition.questions["tools"].page == "tools"
    assert definition.page("final").condition == SAMPLE["pages"][2]["condition"]
    assert definition.page("nowhere") is None


def test_parse_fills_defaults_and_other_codes():
    definition = definition_parse(SAMPLE)
    questions = definition.questions

    assert questions["role"].choice_codes == ["scientist", "engineer", "other"]
    assert questions["experience"].choice_codes == ["lt1", "1to3", "gt3"]
    assert questions["comments"].max_length == 2000
    assert questions["nickname"].max_length == 20
    assert questions["remote"].max_length is None
    assert questions["remote"].required is False
    assert (
        questions["mlflow_rating"].scale_min,
        questions["mlflow_rating"].scale_max,
    ) == (1, 5)
    assert questions["tool_matrix"].column_codes == ["present", "partial", "absent"]
    assert questions["tool_matrix"].rows_from == "tools"
    assert questions["years"].integer is True
    assert definition.languages == ("en", "pt-br")


# --- Loading and canonical export ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_then_load_gives_the_same_document(fmt):
    assert definition_load(definition_dump(SAMPLE, fmt)) == SAMPLE


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_reference_questionnaire_round_trips(fmt):
    document = definition_load(REFERENCE.read_text(encoding="utf-8"))

    assert definition_load(definition_dump(document, fmt)) == document


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_round_trip_keeps_strings_that_look_like_other_types(fmt):
    document = sample(title={"en": "2000-01-01", "pt-br": "yes"})
    question(document, 0, 0)["choices"] = opts(
        "no", "on", "1_2", "0x1f", "1e3", "null", "2000", "010"
    )
    assert definition_errors(document) == []

    assert definition_load(definition_dump(document, fmt)) == document


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_round_trip_keeps_floats_in_exponent_form(fmt):
    document = sample()
    question(document, 0, 2).update(min=1e-7, max=1e20, integer=False)
    assert definition_errors(document) == []

    loaded = definition_load(definition_dump(document, fmt))

    assert loaded == document
    assert definition_errors(loaded) == []


def test_json_dump_is_json_and_yaml_dump_is_block_yaml():
    as_json = definition_dump(SAMPLE, "json")
    as_yaml = definition_dump(SAMPLE)

    assert json.loads(as_json) == SAMPLE
    assert as_json.endswith("}\n")
    assert as_yaml.startswith("format: 1\nslug: sample\nlanguages:\n- en\n- pt-br\n")
    assert yaml.safe_load(as_yaml) == SAMPLE


def test_canonical_order_follows_the_documentation():
    shuffled = json.loads(json.dumps(SAMPLE, sort_keys=True))

    canonical = definition_canonical(shuffled)

    assert list(canonical) == [
        "format",
        "slug",
        "languages",
        "title",
        "description",
        "consent",
        "estimated_minutes",
        "pages",
    ]
    assert list(canonical["pages"][2]) == ["code", "title", "condition", "questions"]
    assert list(canonical["pages"][0]["questions"][0]) == [
        "code",
        "type",
        "text",
        "required",
        "choices",
        "allow_other",
    ]
    rating = canonical["pages"][1]["questions"][1]
    assert list(rating["condition"]) == ["question", "op", "value"]
    assert list(rating["scale"]) == ["min", "max"]
    assert canonical == SAMPLE


def test_canonical_dump_is_the_same_whatever_the_key_order():
    shuffled = json.loads(json.dumps(SAMPLE, sort_keys=True))
    reversed_maps = _reverse_every_mapping(copy.deepcopy(SAMPLE))

    assert definition_dump(shuffled) == definition_dump(SAMPLE)
    assert definition_dump(reversed_maps) == definition_dump(SAMPLE)


def _reverse_every_mapping(value):
    if isinstance(value, dict):
        return {k: _reverse_every_mapping(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse_every_mapping(item) for item in value]
    return value


def test_canonical_orders_likert_labels_by_number():
    document = sample()
    question(document, 1, 1)["scale"]["labels"] = {
        "5": t("Great"),
        "1": t("Poor"),
        "3": t("Fair"),
    }

    canonical = definition_canonical(document)

    assert list(canonical["pages"][1]["questions"][1]["scale"]["labels"]) == [
        "1",
        "3",
        "5",
    ]


def test_load_rejects_text_that_is_neither_yaml_nor_json():
    with pytest.raises(DefinitionLoadError, match="not valid YAML or JSON"):
        definition_load("pages: [unclosed")


def test_load_reads_json_bytes_and_yaml_text():
    assert definition_load(json.dumps(SAMPLE).encode()) == SAMPLE
    assert definition_load(yaml.safe_dump(SAMPLE)) == SAMPLE


# --- Property: any valid text and codes survive the round trip ----------------------

_texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda s: s.strip())
_codes = st.from_regex(r"[a-z0-9][a-z0-9_]{0,10}", fullmatch=True)
_numbers = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)


@settings(max_examples=60, deadline=None)
@given(
    title=_texts,
    label=_texts,
    codes=st.lists(_codes, min_size=2, max_size=6, unique=True).filter(
        lambda codes: "other" not in codes
    ),
    bounds=st.lists(_numbers, min_size=2, max_size=2).map(sorted),
    fmt=st.sampled_from(["yaml", "json"]),
)
def test_any_valid_document_round_trips(title, label, codes, bounds, fmt):
    document = sample(title={"en": title, "pt-br": label})
    question(document, 0, 0)["choices"] = [
        {"code": code, "label": {"en": label, "pt-br": title}} for code in codes
    ]
    question(document, 0, 2).update(min=bounds[0], max=bounds[1], integer=False)
    assert definition_errors(document) == []

    loaded = definition_load(definition_dump(document, fmt))

    assert loaded == document
