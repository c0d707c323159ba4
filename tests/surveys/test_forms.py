"""Form data to typed answers, fields to render, and the script's conditions.

Pure: no database. The SAMPLE definition has every question type.
"""

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.utils import translation

from surveys.answers import AnswerSheet, condition_holds
from surveys.definition import definition_load, definition_parse
from surveys.forms import (
    answer_text,
    answers_from_form,
    condition_refs,
    known_answers,
    merge_answers,
    ordinal_choice,
    page_fields,
    page_progress,
    parse_boolean,
    parse_integer,
    parse_number,
    rendered_questions,
)
from tests.surveys.sample_definition import COMPLETE_ANSWERS, SAMPLE, sample, t

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = ROOT / "static" / "js" / "survey.js"
REFERENCE = ROOT / "surveys" / "definitions" / "mlops-practices.yaml"


@pytest.fixture(autouse=True)
def _english():
    """Web tests leave their last request's language active in the thread."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def sheet() -> AnswerSheet:
    return AnswerSheet(definition_parse(SAMPLE))


def form(**data) -> QueryDict:
    return QueryDict(urlencode(data, doseq=True))


def page_form(sheet, code: str, data: dict, stored: dict | None = None) -> dict:
    """Parse the form data of one page, as the page view does."""
    stored = stored or {}
    page = sheet.definition.page(code)
    questions = rendered_questions(sheet, page, stored)
    return answers_from_form(
        sheet, questions, QueryDict(urlencode(data, doseq=True)), stored=stored
    )


# --- Parsing single values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4", 4),
        (" -12 ", -12),
        ("4.5", 4.5),
        ("4,5", 4.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("", None),
        ("   ", None),
        (None, None),
        ("four", "four"),
        ("1,000.5", "1,000.5"),
        ("1_000", "1_000"),
        ("1e999", "1e999"),
        ("nan", "nan"),
        ("9" * 5000, "9" * 5000),
    ],
)
def test_parse_number(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("3", 3), ("", None), ("3.5", "3.5"), ("x", "x")]
)
def test_parse_integer(raw, expected):
    assert parse_integer(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("false", False), ("TRUE", True), ("", None), ("maybe", "maybe")],
)
def test_parse_boolean(raw, expected):
    assert parse_boolean(raw) == expected


# --- Parsing a page ---------------------------------------------------------------------


def test_a_complete_page_becomes_typed_answers(sheet):
    answers = page_form(
        sheet,
        "about",
        {
            "role": "other",
            "role__other": "Researcher",
            "experience": "1to3",
            "years": "4",
            "started": "2021-03-01",
            "remote": "false",
        },
    )

    assert answers == {
        "role": "other",
        "role__other": "Researcher",
        "experience": "1to3",
        "years": 4,
        "started": "2021-03-01",
        "remote": False,
    }


def test_blank_and_missing_inputs_become_none(sheet):
    answers = page_form(
        sheet, "about", {"role__other": "  ", "years": "", "started": ""}
    )

    assert answers == {
        "role": None,
        "role__other": None,
        "experience": None,
        "years": None,
        "started": None,
        "remote": None,
    }
    assert merge_answers({"role": "engineer", "years": 3}, answers) == {}


def test_choices_ranking_and_matrix_of_a_page(sheet):
    answers = page_form(
        sheet,
        "tools",
        {
            "tools": ["mlflow", "dvc"],
            "mlflow_rating": "4",
            "tool_matrix.mlflow": "present",
            "tool_matrix.dvc": "partial",
            "stages.1": "",
            "stages.2": "data",
        },
    )

    assert answers == {
        "tools": ["mlflow", "dvc"],
        "tools__other": None,
        "mlflow_rating": 4,
        "tool_matrix": {"mlflow": "present", "dvc": "partial"},
        "stages": ["data"],
    }


def test_matrix_rows_of_unpicked_choices_are_dropped(sheet):
    answers = page_form(
        sheet,
        "tools",
        {
            "tools": ["dvc"],
            "tool_matrix.mlflow": "present",
            "tool_matrix.dvc": "absent",
        },
    )

    assert answers["tool_matrix"] == {"dvc": "absent"}
    only_unpicked = page_form(sheet, "tools", {"tool_matrix.mlflow": "present"})
    assert only_unpicked["tool_matrix"] is None


def test_unparsable_values_reach_the_validator_unchanged(sheet):
    answers = page_form(sheet, "about", {"years": "four", "remote": "maybe"})

    _clean, errors = sheet.clean(merge_answers({}, answers), complete=False)

    assert answers["years"] == "four"
    assert errors["years"] == ["Enter a number."]
    assert errors["remote"] == ["Answer true or false."]


def test_parsed_complete_answers_pass_the_validator(sheet):
    stored: dict = {}
    pages = {
        "about": {
            "role": "engineer",
            "experience": "1to3",
            "years": "4",
            "started": "2021-03-01",
            "remote": "true",
        },
        "tools": {
            "tools": ["mlflow", "dvc"],
            "mlflow_rating": "4",
            "tool_matrix.mlflow": "present",
            "tool_matrix.dvc": "partial",
            "stages.1": "training",
            "stages.2": "data",
        },
        "final": {"nickname": "ana", "comments": "Nothing else."},
    }
    for code, data in pages.items():
        stored = merge_answers(stored, page_form(sheet, code, data, stored))

    clean, errors = sheet.clean(stored, complete=True)

    assert errors == {}
    assert clean == COMPLETE_ANSWERS


# --- Which questions render -----------------------------------------------------------


def earlier_page_condition() -> AnswerSheet:
    document = sample()
    document["pages"][1]["questions"].append(
        {
            "code": "remote_tools",
            "type": "text",
            "text": t("Remote tools"),
            "condition": {"question": "remote", "op": "equals", "value": True},
        }
    )
    document["pages"][1]["questions"].append(
        {
            "code": "mixed",
            "type": "text",
            "text": t("Mixed"),
            "condition": {
                "all": [
                    {"question": "remote", "op": "equals", "value": True},
                    {"question": "tools", "op": "answered"},
                ]
            },
        }
    )
    return AnswerSheet(definition_parse(document))


def test_a_question_hidden_by_an_earlier_page_is_not_rendered():
    sheet = earlier_page_condition()
    page = sheet.definition.page("tools")

    hidden = [q.code for q in rendered_questions(sheet, page, {"remote": False})]
    shown = [q.code for q in rendered_questions(sheet, page, {"remote": True})]

    assert "remote_tools" not in hidden
    assert "remote_tools" in shown
    # Same-page conditions always render: the script decides.
    assert {"mlflow_rating", "tool_matrix", "mixed"} <= set(hidden)


def test_a_hidden_question_keeps_its_stored_answer():
    sheet = earlier_page_condition()
    page = sheet.definition.page("tools")
    stored = {"remote": False, "remote_tools": "ssh"}

    answers = answers_from_form(
        sheet, rendered_questions(sheet, page, stored), form(tools="dvc"), stored=stored
    )

    assert "remote_tools" not in answers


def test_known_answers_are_the_earlier_ones_same_page_conditions_read():
    sheet = earlier_page_condition()
    page = sheet.definition.page("tools")

    known = known_answers(
        sheet, page, {"remote": True, "role": "engineer", "tools": ["dvc"]}
    )

    assert known == {"remote": True}


def test_condition_refs_reads_nested_conditions():
    condition = {
        "all": [
            {"question": "a", "op": "answered"},
            {"any": [{"question": "b", "op": "equals", "value": 1}]},
            {"not": {"question": "c", "op": "answered"}},
        ]
    }

    assert condition_refs(condition) == {"a", "b", "c"}
    assert condition_refs(None) == set()


# --- Fields ------------------------------------------------------------------------------------


def test_fields_carry_values_ids_and_errors(sheet):
    page = sheet.definition.page("about")
    answers = {"role": "other", "role__other": "Lead", "years": 4, "remote": True}
    errors = {
        "experience": ["This question is required."],
        "role__other": ["Too long."],
    }

    fields = {f.code: f for f in page_fields(sheet, page, answers, errors=errors)}

    role = fields["role"]
    assert [c.value for c in role.choices] == ["scientist", "engineer", "other"]
    assert [c.checked for c in role.choices] == [False, False, True]
    assert role.other == "Lead"
    assert role.other_errors == ["Too long."]
    assert role.id == "f-role-0"
    assert fields["experience"].errors == ["This question is required."]
    assert fields["experience"].describedby == "e-experience"
    assert fields["years"].value == "4"
    assert fields["years"].id == "f-years"
    assert [c.checked for c in fields["remote"].choices] == [True, False]


def test_fields_of_same_page_conditions_and_rows(sheet):
    page = sheet.definition.page("tools")

    fields = {f.code: f for f in page_fields(sheet, page, {"stages": ["data"]})}

    assert json.loads(fields["mlflow_rating"].condition) == {
        "question": "tools",
        "op": "contains",
        "value": "mlflow",
    }
    assert [c.value for c in fields["mlflow_rating"].choices] == [
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
    matrix = fields["tool_matrix"]
    assert matrix.rows_from == "tools"
    assert [row.code for row in matrix.rows] == ["mlflow", "dvc", "kubeflow"]
    assert matrix.id == "f-tool_matrix-mlflow-present"
    stages = fields["stages"]
    assert [slot.label for slot in stages.slots] == ["1st choice", "2nd choice"]
    assert [c.checked for c in stages.slots[0].choices] == [True, False, False, False]
    assert fields["tools"].condition == ""


def test_fields_use_the_active_language(sheet):
    page = sheet.definition.page("about")

    with translation.override("pt-br"):
        fields = page_fields(sheet, page, {})

    assert fields[0].text == "Role (pt)"
    assert fields[0].choices[0].label == "Scientist (pt)"


def test_ordinal_choices():
    assert [ordinal_choice(n) for n in (1, 2, 3, 4, 11)] == [
        "1st choice",
        "2nd choice",
        "3rd choice",
        "4th choice",
        "11th choice",
    ]


def test_answers_as_text(sheet):
    questions = sheet.definition.questions
    answers = {**COMPLETE_ANSWERS, "role": "other", "role__other": "Lead"}

    def text(code):
        return answer_text(sheet, questions[code], answers[code], answers)

    assert text("role") == "Other: Lead"
    assert text("experience") == "1To3"
    assert text("tools") == "Mlflow; Dvc"
    assert text("mlflow_rating") == "4"
    assert text("remote") == "Yes"
    assert text("stages") == "1. Training; 2. Data"
    assert text("tool_matrix") == "Mlflow: Present; Dvc: Partial"
    assert text("years") == "4"


# --- The script's conditions match the server's -----------------------------------------------

CASES = [
    ({"question": "a", "op": "equals", "value": "x"}, {"a": "x"}),
    ({"question": "a", "op": "equals", "value": "x"}, {"a": "y"}),
    ({"question": "a", "op": "equals", "value": 1}, {"a": True}),
    ({"question": "a", "op": "equals", "value": True}, {"a": True}),
    ({"question": "a", "op": "equals", "value": 2}, {"a": 2.0}),
    ({"question": "a", "op": "not_equals", "value": "x"}, {}),
    ({"question": "a", "op": "not_equals", "value": "x"}, {"a": "x"}),
    ({"question": "a", "op": "in", "value": ["x", "y"]}, {"a": "y"}),
    ({"question": "a", "op": "in", "value": ["x", "y"]}, {}),
    ({"question": "a", "op": "not_in", "value": ["x"]}, {}),
    ({"question": "a", "op": "not_in", "value": ["x"]}, {"a": "z"}),
    ({"question": "a", "op": "contains", "value": "mlflow"}, {"a": ["dvc", "mlflow"]}),
    ({"question": "a", "op": "contains", "value": "mlflow"}, {"a": ["dvc"]}),
    ({"question": "a", "op": "contains", "value": "Flow"}, {"a": "We use MLflow"}),
    ({"question": "a", "op": "contains", "value": "r1"}, {"a": {"r1": "c"}}),
    ({"question": "a", "op": "contains", "value": "x"}, {"a": []}),
    ({"question": "a", "op": "gte", "value": 5}, {"a": 5}),
    ({"question": "a", "op": "gt", "value": 5}, {"a": 5}),
    ({"question": "a", "op": "lt", "value": 5}, {"a": 4.5}),
    ({"question": "a", "op": "lte", "value": 5}, {"a": "4"}),
    ({"question": "a", "op": "gt", "value": 0}, {"a": True}),
    ({"question": "a", "op": "answered"}, {"a": ""}),
    ({"question": "a", "op": "answered"}, {"a": 0}),
    ({"question": "a", "op": "answered"}, {"a": False}),
    (
        {
            "all": [
                {"question": "a", "op": "answered"},
                {
                    "any": [
                        {"question": "b", "op": "equals", "value": 1},
                        {"not": {"question": "c", "op": "answered"}},
                    ]
                },
            ]
        },
        {"a": "x", "c": "y"},
    ),
    ({"not": {"question": "a", "op": "in", "value": ["x"]}}, {"a": "x"}),
]


@pytest.mark.skipif(
    shutil.which("node") is None, reason="needs Node.js to run the script"
)
def test_the_script_evaluates_conditions_like_the_server():
    runner = (
        "global.window = global;"
        "global.document = {readyState: 'complete', querySelector: () => null,"
        " getElementById: () => null};"
        f"require({json.dumps(str(SCRIPT))});"
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(cases.map(([c, a]) => window.MLOpsSurvey.holds(c, a))));"
    )
    result = subprocess.run(
        ["node", "-e", runner],
        input=json.dumps(CASES),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )

    expected = [condition_holds(condition, answers) for condition, answers in CASES]
    assert json.loads(result.stdout) == expected


# --- Progress and layout of the reference questionnaire ----------------------------


@pytest.fixture(scope="module")
def reference() -> AnswerSheet:
    document = definition_load(REFERENCE.read_text(encoding="utf-8"))
    return AnswerSheet(definition_parse(document))


def walk(sheet: AnswerSheet, answers_by_page: dict[str, dict]) -> list[tuple]:
    """(page, number, count, settled) on each page a respondent goes through."""
    answers: dict = {}
    seen = []
    page = sheet.definition.pages[0]
    while page is not None:
        progress = page_progress(sheet, page, answers)
        seen.append((page.code, progress.number, progress.count, progress.settled))
        answers.update(answers_by_page.get(page.code, {}))
        pages = sheet.visibility(answers).pages
        page = next((p for p in pages if p.position > page.position), None)
    return seen


def test_the_page_count_never_grows_as_the_respondent_goes_forward(reference):
    seen = walk(
        reference,
        {
            "demographics": {"models_in_production": "3_10"},
            "tools": {"tools_used": ["mlflow"]},
        },
    )

    codes = [code for code, *_rest in seen]
    assert "outcomes" in codes and "tool_assessment" in codes
    assert [number for _code, number, _count, _settled in seen] == list(
        range(1, len(seen) + 1)
    )
    counts = [count for _code, _number, count, _settled in seen]
    assert counts == sorted(counts, reverse=True)  # never up
    assert counts[-1] == len(seen)  # exact at the end
    # "about" while a later page waits on tools_used, on the tools page at the latest.
    assert seen[0][3] is False
    assert all(
        settled for code, *_rest, settled in seen[codes.index("tool_assessment") :]
    )


def test_pages_hidden_by_earlier_answers_leave_the_count(reference):
    seen = walk(reference, {"demographics": {"models_in_production": "none"}})

    codes = [code for code, *_rest in seen]
    assert "outcomes" not in codes and "tool_assessment" not in codes
    counts = [count for _code, _number, count, _settled in seen]
    assert counts[0] == 10  # every page may still show
    assert counts == sorted(counts, reverse=True)
    assert counts[-1] == len(seen) == 8


def test_the_maturity_items_are_marked_as_one_compact_battery(reference):
    page = reference.definition.page("maturity_1")

    fields = page_fields(reference, page, {})

    assert len(fields) == 16
    assert all(item.battery for item in fields)
    demographics = page_fields(reference, reference.definition.page("demographics"), {})
    assert not any(item.battery for item in demographics)
