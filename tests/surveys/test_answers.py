"""Answer values: conditions, visibility and validation against a definition."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.answers import AnswerSheet, condition_holds, is_empty
from surveys.definition import definition_errors, definition_parse
from tests.surveys.sample_definition import COMPLETE_ANSWERS, SAMPLE, opts, sample, t

SHEET = AnswerSheet(definition_parse(SAMPLE))
DROP = object()  # marks an answer to leave out


def clean(changes=None, *, complete=True, sheet=SHEET, **options):
    answers = {**COMPLETE_ANSWERS, **(changes or {})}
    answers = {key: value for key, value in answers.items() if value is not DROP}
    return sheet.clean(answers, complete=complete, **options)


def sheet_for(document: dict) -> AnswerSheet:
    assert definition_errors(document) == []
    return AnswerSheet(definition_parse(document))


# --- Complete, valid answers -------------------------------------------------------


def test_complete_answers_are_clean_and_unchanged():
    answers, errors = clean()

    assert errors == {}
    assert answers == COMPLETE_ANSWERS


def test_clean_does_not_change_its_input():
    answers = copy.deepcopy(COMPLETE_ANSWERS)
    answers["nickname"] = "  ana  "

    SHEET.clean(answers, complete=True)

    assert answers["nickname"] == "  ana  "


def test_clean_answers_follow_survey_order():
    shuffled = dict(reversed(list(COMPLETE_ANSWERS.items())))

    answers, errors = SHEET.clean(shuffled, complete=True)

    assert errors == {}
    assert list(answers) == list(COMPLETE_ANSWERS)


# --- Every question type: accepted values ---------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ("role", "scientist", "scientist"),
        ("experience", "gt3", "gt3"),
        ("years", 0, 0),
        ("years", 60, 60),
        ("years", 4.0, 4),
        ("started", "2000-01-01", "2000-01-01"),
        ("started", "2024-02-29", "2024-02-29"),
        ("remote", False, False),
        ("tools", ["dvc", "mlflow"], ["dvc", "mlflow"]),
        ("mlflow_rating", 1, 1),
        ("mlflow_rating", 5.0, 5),
        (
            "tool_matrix",
            {"dvc": "absent", "mlflow": "present"},
            {"mlflow": "present", "dvc": "absent"},
        ),
        ("stages", ["monitoring", "deployment"], ["monitoring", "deployment"]),
        ("nickname", "  Ana Maria  ", "Ana Maria"),
        ("nickname", "x" * 20, "x" * 20),
        ("comments", "y" * 2000, "y" * 2000),
    ],
)
def test_a_valid_value_of_each_type_is_accepted(code, value, expected):
    answers, errors = clean({code: value})

    assert errors == {}
    assert answers[code] == expected


def test_a_number_without_the_integer_flag_keeps_its_fraction():
    document = sample()
    del document["pages"][0]["questions"][2]["integer"]
    sheet = sheet_for(document)

    answers, errors = clean({"years": 4.5}, sheet=sheet)

    assert errors == {}
    assert answers["years"] == 4.5


def test_matrix_cells_left_null_are_dropped_in_a_draft():
    answers, errors = clean(
        {"tool_matrix": {"mlflow": "present", "dvc": None}}, complete=False
    )

    assert errors == {}
    assert answers["tool_matrix"] == {"mlflow": "present"}


# --- Every question type: rejected values ---------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        # single_choice
        ("experience", "x", "Choose one of: lt1, 1to3, gt3."),
        ("experience", 1, "Choose one of: lt1, 1to3, gt3."),
        ("experience", ["lt1"], "Choose one of: lt1, 1to3, gt3."),
        ("experience", "other", "Choose one of: lt1, 1to3, gt3."),
        ("role", "boss", "Choose one of: scientist, engineer, other."),
        # multiple_choice
        ("tools", "dvc", "Send a list of choice codes."),
        ("tools", {"dvc": True}, "Send a list of choice codes."),
        ("tools", ["dvc", "nope"], "Choose one of: mlflow, dvc, kubeflow, other."),
        ("tools", ["dvc", 5], "Choose one of: mlflow, dvc, kubeflow, other."),
        ("tools", ["dvc", ["mlflow"]], "Choose one of: mlflow, dvc, kubeflow, other."),
        ("tools", ["dvc", "dvc"], "Each choice may appear only once."),
        ("tools", ["mlflow", "dvc", "kubeflow", "other"], "Choose at most 3."),
        ("tools", ["dvc"] * 201, "Send a list of choice codes."),
        # likert
        ("mlflow_rating", True, "Enter a whole number from 1 to 5."),
        ("mlflow_rating", 0, "Enter a whole number from 1 to 5."),
        ("mlflow_rating", 6, "Enter a whole number from 1 to 5."),
        ("mlflow_rating", 4.5, "Enter a whole number from 1 to 5."),
        ("mlflow_rating", "4", "Enter a whole number from 1 to 5."),
        # number
        ("years", "4", "Enter a number."),
        ("years", True, "Enter a number."),
        ("years", float("nan"), "Enter a number."),
        ("years", float("inf"), "Enter a number."),
        ("years", 4.5, "Enter a whole number."),
        ("years", -1, "Enter a number of at least 0."),
        ("years", 61, "Enter a number of at most 60."),
        # date
        ("started", "2021-3-1", "Enter a date as YYYY-MM-DD."),
        ("started", "01/03/2021", "Enter a date as YYYY-MM-DD."),
        ("started", "2021-02-30", "Enter a date as YYYY-MM-DD."),
        ("started", "20210301", "Enter a date as YYYY-MM-DD."),
        ("started", 20210301, "Enter a date as YYYY-MM-DD."),
        ("started", "1999-12-31", "Enter a date on or after 2000-01-01."),
        # boolean
        ("remote", "true", "Answer true or false."),
        ("remote", 1, "Answer true or false."),
        # text and long_text
        ("nickname", "x" * 21, "At most 20 characters (this has 21)."),
        ("nickname", 5, "Enter text."),
        ("nickname", ["ana"], "Enter text."),
        ("comments", "y" * 2001, "At most 2000 characters (this has 2001)."),
        ("nickname", "an\x00a", "Remove the NUL character."),
        # ranking
        ("stages", ["data", "training", "deployment"], "Rank at most 2 choices."),
        ("stages", ["data", "data"], "Each choice may appear only once."),
        (
            "stages",
            ["data", "nope"],
            "Choose one of: data, training, deployment, monitoring.",
        ),
        ("stages", "data", "Send a list of choice codes."),
        ("stages", ["data"], "Rank 2 choices."),
        # matrix
        (
            "tool_matrix",
            ["present"],
            "Send an object mapping each row code to a column code.",
        ),
        (
            "tool_matrix",
            {"mlflow": "present", "dvc": "partial", "zzz": "absent"},
            "Unknown rows: zzz. Rows: mlflow, dvc.",
        ),
        (
            "tool_matrix",
            {"mlflow": "present", "dvc": "sometimes"},
            "Rows dvc: choose one of: present, partial, absent.",
        ),
        (
            "tool_matrix",
            {"mlflow": ["present"], "dvc": "partial"},
            "Rows mlflow: choose one of: present, partial, absent.",
        ),
        ("tool_matrix", {"mlflow": "present"}, "Answer every row: dvc."),
    ],
)
def test_an_invalid_value_is_rejected_with_a_message_under_its_code(
    code, value, message
):
    answers, errors = clean({code: value})

    assert errors == {code: [message]}
    assert code not in answers


def test_an_invalid_answer_does_not_stop_the_others_being_checked():
    _answers, errors = clean({"experience": "x", "years": 61, "remote": "no"})

    assert errors == {
        "experience": ["Choose one of: lt1, 1to3, gt3."],
        "years": ["Enter a number of at most 60."],
        "remote": ["Answer true or false."],
    }


def test_minimum_selections_are_enforced():
    document = sample()
    document["pages"][1]["questions"][0]["min_selections"] = 2
    sheet = sheet_for(document)

    _answers, errors = clean(
        {"tools": ["dvc"], "tool_matrix": {"dvc": "present"}, "mlflow_rating": DROP},
        sheet=sheet,
    )

    assert errors == {"tools": ["Choose at least 2."]}


def test_a_date_after_the_maximum_is_rejected():
    document = sample()
    document["pages"][0]["questions"][3]["max"] = "2020-12-31"
    sheet = sheet_for(document)

    _answers, errors = clean({"started": "2021-01-01"}, sheet=sheet)

    assert errors == {"started": ["Enter a date on or before 2020-12-31."]}


def test_a_required_ranking_needs_all_choices_when_top_n_is_all():
    document = sample()
    ranking = document["pages"][1]["questions"][3]
    ranking["choices"] = opts("data", "training")
    ranking["top_n"] = 2
    sheet = sheet_for(document)

    _answers, errors = clean({"stages": ["data"]}, sheet=sheet)

    assert errors == {"stages": ["Rank 2 choices."]}


def test_a_partial_ranking_is_fine_in_a_draft():
    answers, errors = clean({"stages": ["data"]}, complete=False)

    assert errors == {}
    assert answers["stages"] == ["data"]


def test_a_partial_ranking_is_fine_when_not_required():
    document = sample()
    document["pages"][1]["questions"][3]["required"] = False
    sheet = sheet_for(document)

    answers, errors = clean({"stages": ["data"]}, sheet=sheet)

    assert errors == {}
    assert answers["stages"] == ["data"]


# --- "other" --------------------------------------------------------------------------


def test_other_with_its_text_is_kept_stripped():
    answers, errors = clean({"role": "other", "role__other": "  Data steward  "})

    assert errors == {}
    assert answers["role"] == "other"
    assert answers["role__other"] == "Data steward"


def test_other_in_a_multiple_choice_takes_a_text():
    answers, errors = clean(
        {
            "tools": ["other", "dvc"],
            "tools__other": "Airflow",
            "tool_matrix": {"dvc": "present"},
        }
    )

    assert errors == {}
    assert answers["tools"] == ["other", "dvc"]
    assert answers["tools__other"] == "Airflow"
    assert "mlflow_rating" not in answers


def test_other_needs_a_text_on_submit():
    _answers, errors = clean({"role": "other"})

    assert errors == {"role__other": ['Describe "other".']}


def test_other_without_text_is_fine_in_a_draft():
    answers, errors = clean({"role": "other", "role__other": "  "}, complete=False)

    assert errors == {}
    assert answers["role"] == "other"
    assert "role__other" not in answers


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 201, "At most 200 characters."),
        (5, "Enter text."),
        (["x"], "Enter text."),
        ("a\x00b", "Remove the NUL character."),
    ],
)
def test_a_bad_other_text_is_rejected_under_its_own_key(text, message):
    _answers, errors = clean({"role": "other", "role__other": text})

    assert errors == {"role__other": [message]}


def test_the_text_of_an_unpicked_other_is_dropped():
    answers, errors = clean({"role": "engineer", "role__other": "Boss"})

    assert errors == {}
    assert "role__other" not in answers


@pytest.mark.parametrize(
    "key", ["experience__other", "role__others", "role__other__other", "__other", "zzz"]
)
def test_an_unknown_key_is_an_error_under_that_key(key):
    _answers, errors = clean({key: "x"})

    assert errors == {key: ["Unknown question."]}


def test_ranking_does_not_accept_other():
    _answers, errors = clean({"stages": ["other", "data"]})

    assert errors == {
        "stages": ["Choose one of: data, training, deployment, monitoring."]
    }


# --- The shape of the whole answer document ----------------------------------------------


@pytest.mark.parametrize("answers", [[], "role=engineer", None, 3])
def test_answers_must_be_an_object(answers):
    assert SHEET.clean(answers, complete=False) == (
        {},
        {"answers": ["Send an object mapping question codes to answers."]},
    )


def test_too_many_keys_are_refused_before_anything_else():
    limit = 2 * len(SHEET.questions) + 10
    answers = {f"key{i}": i for i in range(limit + 1)}

    assert SHEET.clean(answers, complete=False) == (
        {},
        {"answers": [f"Too many keys: at most {limit}."]},
    )


def test_as_many_keys_as_the_limit_are_checked_one_by_one():
    limit = 2 * len(SHEET.questions) + 10
    answers = {f"key{i}": i for i in range(limit)}

    _answers, errors = SHEET.clean(answers, complete=False)

    assert len(errors) == limit
    assert errors["key0"] == ["Unknown question."]


# --- Required questions --------------------------------------------------------------------


def test_required_questions_are_enforced_on_submit():
    answers, errors = SHEET.clean({}, complete=True)

    assert answers == {}
    assert errors == {
        code: ["This question is required."]
        for code in ("role", "experience", "tools", "stages")
    }


def test_required_questions_are_not_enforced_in_a_draft():
    assert SHEET.clean({}, complete=False) == ({}, {})


@pytest.mark.parametrize("empty", ["", "   ", [], {}, None])
def test_an_empty_value_counts_as_unanswered(empty):
    answers, errors = clean({"experience": empty})

    assert errors == {"experience": ["This question is required."]}
    assert "experience" not in answers


def test_only_pages_limits_required_checks_to_those_pages():
    _answers, errors = SHEET.clean(
        {"role": "engineer"}, complete=True, only_pages={"about"}
    )

    assert errors == {"experience": ["This question is required."]}


def test_only_pages_limits_completeness_of_rankings_and_matrices():
    answers = {"experience": "lt1", "role": "engineer", "stages": ["data"]}

    _answers, errors = SHEET.clean(answers, complete=True, only_pages={"about"})

    assert errors == {}


def test_false_and_zero_are_answers():
    answers, errors = clean({"remote": False, "years": 0})

    assert errors == {}
    assert answers["remote"] is False
    assert answers["years"] == 0


# --- Conditions: hidden questions and pages -------------------------------------------------


def test_a_hidden_question_is_never_required():
    answers, errors = clean(
        {"tools": ["dvc"], "tool_matrix": {"dvc": "present"}, "mlflow_rating": DROP}
    )

    assert errors == {}
    assert "mlflow_rating" not in answers


def test_a_hidden_question_answer_is_dropped_on_submit():
    answers, errors = clean({"tools": ["dvc"], "tool_matrix": {"dvc": "present"}})

    assert errors == {}
    assert "mlflow_rating" not in answers


def test_a_hidden_question_answer_is_not_validated_on_submit():
    answers, errors = clean(
        {"tools": ["dvc"], "tool_matrix": {"dvc": "present"}, "mlflow_rating": 99}
    )

    assert errors == {}
    assert "mlflow_rating" not in answers


def test_keep_hidden_keeps_valid_hidden_answers_in_drafts():
    answers, errors = clean(
        {"tools": ["dvc"], "tool_matrix": {"dvc": "present"}},
        complete=False,
        keep_hidden=True,
    )

    assert errors == {}
    assert answers["mlflow_rating"] == 4


def test_keep_hidden_still_validates_hidden_answers():
    _answers, errors = clean(
        {"tools": ["dvc"], "tool_matrix": {"dvc": "present"}, "mlflow_rating": 99},
        complete=False,
        keep_hidden=True,
    )

    assert errors == {"mlflow_rating": ["Enter a whole number from 1 to 5."]}


def test_a_page_condition_hides_the_whole_page():
    answers, errors = clean({"experience": "lt1"})

    assert errors == {}
    assert "nickname" not in answers
    assert "comments" not in answers
    assert [page.code for page in SHEET.visibility(answers).pages] == ["about", "tools"]


def test_answers_on_a_hidden_page_are_not_validated():
    answers, errors = clean({"experience": "lt1", "nickname": "x" * 500})

    assert errors == {}
    assert "nickname" not in answers


def test_keep_hidden_keeps_answers_on_a_hidden_page():
    answers, errors = clean({"experience": "lt1"}, complete=False, keep_hidden=True)

    assert errors == {}
    assert answers["nickname"] == "ana"
    assert answers["comments"] == "Nothing else."


def test_keep_hidden_validates_answers_on_a_hidden_page():
    _answers, errors = clean(
        {"experience": "lt1", "nickname": "x" * 21}, complete=False, keep_hidden=True
    )

    assert errors == {"nickname": ["At most 20 characters (this has 21)."]}


def test_keep_hidden_does_not_store_a_blank_text():
    answers, errors = clean(
        {"experience": "lt1", "comments": "   "}, complete=False, keep_hidden=True
    )

    assert errors == {}
    assert "comments" not in answers


def test_a_matrix_with_only_null_cells_is_unanswered():
    answers, errors = clean(
        {"tool_matrix": {"mlflow": None, "dvc": None}}, complete=False, keep_hidden=True
    )

    assert errors == {}
    assert "tool_matrix" not in answers


def test_a_required_matrix_with_only_null_cells_fails_on_submit():
    _answers, errors = clean({"tool_matrix": {"mlflow": None, "dvc": None}})

    assert errors == {"tool_matrix": ["Answer every row: mlflow, dvc."]}


def test_a_matrix_without_rows_is_hidden():
    answers, errors = clean(
        {"tools": ["other"], "tools__other": "Airflow", "mlflow_rating": DROP}
    )

    assert errors == {}
    assert "tool_matrix" not in answers
    codes = [q.code for q in SHEET.visibility(answers).questions]
    assert "tool_matrix" not in codes


def test_keep_hidden_keeps_a_hidden_matrix_with_any_source_row():
    answers, errors = clean(
        {"tools": ["other"], "tool_matrix": {"kubeflow": "absent"}},
        complete=False,
        keep_hidden=True,
    )

    assert errors == {}
    assert answers["tool_matrix"] == {"kubeflow": "absent"}


def test_matrix_rows_follow_the_picked_choices():
    rows = SHEET.rows(
        SHEET.questions["tool_matrix"], {"tools": ["kubeflow", "other", "dvc"]}
    )

    assert rows == [("kubeflow", t("Kubeflow")), ("dvc", t("Dvc"))]


def test_matrix_rows_come_from_the_definition_without_rows_from():
    document = sample()
    matrix = document["pages"][1]["questions"][2]
    del matrix["rows_from"]
    matrix["rows"] = opts("speed", "cost")
    sheet = sheet_for(document)

    answers, errors = clean(
        {"tool_matrix": {"cost": "absent", "speed": "present"}}, sheet=sheet
    )

    assert errors == {}
    assert answers["tool_matrix"] == {"speed": "present", "cost": "absent"}


CHAIN = sample(
    pages=[
        {
            "code": "chain",
            "title": t("Chain"),
            "questions": [
                {"code": "uses_ml", "type": "boolean", "text": t("Use ML?")},
                {
                    "code": "models",
                    "type": "number",
                    "text": t("How many models?"),
                    "required": True,
                    "condition": {"question": "uses_ml", "op": "equals", "value": True},
                },
                {
                    "code": "monitoring",
                    "type": "text",
                    "text": t("How do you monitor them?"),
                    "required": True,
                    "condition": {"question": "models", "op": "gte", "value": 1},
                },
            ],
        }
    ]
)


def test_a_chain_of_conditions_collapses_when_one_link_is_hidden():
    sheet = sheet_for(CHAIN)

    answers, errors = sheet.clean(
        {"uses_ml": False, "models": 3, "monitoring": "Grafana"}, complete=True
    )

    assert errors == {}
    assert answers == {"uses_ml": False}
    assert [q.code for q in sheet.visibility(answers).questions] == ["uses_ml"]


def test_a_chain_of_conditions_holds_when_every_link_shows():
    sheet = sheet_for(CHAIN)

    answers, errors = sheet.clean(
        {"uses_ml": True, "models": 3, "monitoring": "Grafana"}, complete=True
    )

    assert errors == {}
    assert answers == {"uses_ml": True, "models": 3, "monitoring": "Grafana"}


def test_an_invalid_link_hides_the_rest_of_the_chain():
    sheet = sheet_for(CHAIN)

    answers, errors = sheet.clean(
        {"uses_ml": True, "models": "three", "monitoring": "Grafana"}, complete=True
    )

    assert errors == {"models": ["Enter a number."]}
    assert answers == {"uses_ml": True}


def test_visibility_lists_shown_pages_and_questions_in_order():
    visibility = SHEET.visibility(COMPLETE_ANSWERS)

    assert [page.code for page in visibility.pages] == ["about", "tools", "final"]
    assert [q.code for q in visibility.questions] == list(COMPLETE_ANSWERS)


def test_visibility_of_no_answers_hides_conditional_questions():
    visibility = SHEET.visibility({})

    codes = [q.code for q in visibility.questions]
    assert "mlflow_rating" not in codes
    assert "tool_matrix" not in codes
    # An unanswered "not_equals" holds: the last page shows.
    assert [page.code for page in visibility.pages] == ["about", "tools", "final"]


# --- walk: the one way through the questions ------------------------------------------------


def test_the_walk_meets_every_question_in_order_with_its_page():
    steps = list(SHEET.walk({}))

    assert [(page.code, q.code) for page, q, _applies, _rows in steps] == [
        (page.code, q.code) for page in SHEET.definition.pages for q in page.questions
    ]


def test_the_walk_reads_what_the_caller_adds_as_it_goes():
    known: dict = {}
    met = {}
    for _page, question, applies, rows in SHEET.walk(known):
        met[question.code] = (applies, rows)
        if question.code == "tools":
            known["tools"] = ["mlflow", "other"]

    # Added after "tools" was met: the rating applies and the matrix has its
    # rows, only the picked choices of the definition.
    assert met["mlflow_rating"] == (True, None)
    assert met["tool_matrix"] == (True, [("mlflow", t("Mlflow"))])


def test_the_walk_gives_no_rows_to_a_matrix_whose_source_is_unanswered():
    met = {q.code: (applies, rows) for _p, q, applies, rows in SHEET.walk({})}

    # It applies (it has no condition) but has no rows, so it does not show.
    assert met["tool_matrix"] == (True, [])
    assert met["mlflow_rating"] == (False, None)
    assert met["role"] == (True, None)


def test_the_walk_reads_a_page_condition_on_entering_the_page():
    known = {"experience": "lt1"}
    met = {}
    for page, question, applies, _rows in SHEET.walk(known):
        met[question.code] = applies
        if page.code == "final":
            known["experience"] = "gt3"  # too late for the page it is on

    assert met["nickname"] is False
    assert met["comments"] is False


# --- condition_holds ------------------------------------------------------------------------


def cond(op, value=None, question="q"):
    condition = {"question": question, "op": op}
    if op != "answered":
        condition["value"] = value
    return condition


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        (None, {}, True),
        (cond("equals", "a"), {"q": "a"}, True),
        (cond("equals", "a"), {"q": "b"}, False),
        (cond("equals", True), {"q": True}, True),
        (cond("equals", 5), {"q": 5.0}, True),
        (cond("not_equals", "a"), {"q": "b"}, True),
        (cond("not_equals", "a"), {"q": "a"}, False),
        (cond("in", ["a", "b"]), {"q": "b"}, True),
        (cond("in", ["a", "b"]), {"q": "c"}, False),
        (cond("not_in", ["a", "b"]), {"q": "c"}, True),
        (cond("not_in", ["a", "b"]), {"q": "a"}, False),
        (cond("contains", "mlflow"), {"q": ["dvc", "mlflow"]}, True),
        (cond("contains", "mlflow"), {"q": ["dvc"]}, False),
        (cond("contains", "flow"), {"q": ["mlflow"]}, False),
        (cond("contains", "kube"), {"q": "We run Kubeflow"}, True),
        (cond("contains", "KUBE"), {"q": "we run kubeflow"}, True),
        (cond("contains", "airflow"), {"q": "We run Kubeflow"}, False),
        (cond("contains", "mlflow"), {"q": {"mlflow": "present"}}, True),
        (cond("contains", "5"), {"q": 15}, False),
        (cond("gt", 3), {"q": 4}, True),
        (cond("gt", 3), {"q": 3}, False),
        (cond("gte", 3), {"q": 3}, True),
        (cond("gte", 3), {"q": 2.9}, False),
        (cond("lt", 3), {"q": 2}, True),
        (cond("lt", 3), {"q": 3}, False),
        (cond("lte", 3), {"q": 3}, True),
        (cond("lte", 3), {"q": 3.5}, False),
        (cond("gt", 0), {"q": True}, False),
        (cond("gt", 0), {"q": "5"}, False),
        (cond("gt", 0), {"q": ["5"]}, False),
        (cond("answered"), {"q": "x"}, True),
        (cond("answered"), {"q": False}, True),
        (cond("answered"), {"q": 0}, True),
    ],
)
def test_condition_ops(condition, answers, expected):
    assert condition_holds(condition, answers) is expected


@pytest.mark.parametrize(
    "unanswered", [{}, {"q": None}, {"q": ""}, {"q": []}, {"q": {}}]
)
@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("equals", "a", False),
        ("not_equals", "a", True),
        ("in", ["a"], False),
        ("not_in", ["a"], True),
        ("contains", "a", False),
        ("gt", 0, False),
        ("gte", 0, False),
        ("lt", 0, False),
        ("lte", 0, False),
        ("answered", None, False),
    ],
)
def test_a_condition_on_an_unanswered_question(unanswered, op, value, expected):
    assert condition_holds(cond(op, value), unanswered) is expected


A = cond("equals", "a", question="x")
B = cond("equals", "b", question="y")


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ({"all": [A, B]}, {"x": "a", "y": "b"}, True),
        ({"all": [A, B]}, {"x": "a", "y": "c"}, False),
        ({"any": [A, B]}, {"x": "z", "y": "b"}, True),
        ({"any": [A, B]}, {"x": "z", "y": "z"}, False),
        ({"not": A}, {"x": "a"}, False),
        ({"not": A}, {"x": "z"}, True),
        ({"not": cond("answered", question="x")}, {}, True),
        ({"all": [A, {"any": [B, {"not": A}]}]}, {"x": "a", "y": "b"}, True),
        ({"all": [A, {"any": [B, {"not": A}]}]}, {"x": "a", "y": "c"}, False),
    ],
)
def test_combined_conditions(condition, answers, expected):
    assert condition_holds(condition, answers) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, True),
        ("", True),
        ([], True),
        ({}, True),
        (0, False),
        (False, False),
        (" ", False),
    ],
)
def test_is_empty(value, expected):
    assert is_empty(value) is expected


# --- Property: cleaning is idempotent ----------------------------------------------------------

CANDIDATES = {
    "role": ["scientist", "engineer", "other", "boss", 3, "", None],
    "role__other": ["  Steward ", "", 5, "x" * 201],
    "experience": ["lt1", "1to3", "gt3", "x", []],
    "years": [0, 4, 4.0, 4.5, 61, -1, "4", True],
    "started": ["2021-03-01", "1999-01-01", "2021-3-1", 5],
    "remote": [True, False, "yes", 0],
    "tools": [
        ["mlflow", "dvc"],
        ["dvc"],
        ["mlflow"],
        ["other"],
        ["kubeflow", "other"],
        ["dvc", "dvc"],
        "dvc",
        [],
    ],
    "tools__other": ["Airflow", " ", 3],
    "mlflow_rating": [1, 5, 4.0, 6, True, "3"],
    "tool_matrix": [
        {"mlflow": "present", "dvc": "partial"},
        {"mlflow": "absent"},
        {"dvc": None, "mlflow": "present"},
        {"dvc": None, "mlflow": None},
        {"kubeflow": "present"},
        {"dvc": "bad"},
        ["present"],
        {},
    ],
    "stages": [["data", "training"], ["data"], ["monitoring"], ["data", "data"], ["x"]],
    "nickname": ["ana", "  ana ", "x" * 21, "", 7],
    "comments": ["Fine.", "  ", None],
    "zzz": ["unknown"],
}

answer_documents = st.fixed_dictionaries(
    {},
    optional={code: st.sampled_from(values) for code, values in CANDIDATES.items()},
)


@settings(max_examples=300, deadline=None)
@given(answers=answer_documents, keep_hidden=st.booleans())
def test_cleaning_a_draft_twice_changes_nothing_more(answers, keep_hidden):
    once, _errors = SHEET.clean(answers, complete=False, keep_hidden=keep_hidden)

    twice, errors = SHEET.clean(once, complete=False, keep_hidden=keep_hidden)

    assert errors == {}
    assert twice == once


@settings(max_examples=300, deadline=None)
@given(answers=answer_documents)
def test_cleaning_on_submit_is_idempotent(answers):
    once, first_errors = SHEET.clean(answers, complete=True)

    twice, errors = SHEET.clean(once, complete=True)

    assert twice == once
    # What remains wrong is only what is missing, never a bad value.
    assert set(errors) <= set(first_errors)
    assert all(
        messages[0] in {"This question is required.", 'Describe "other".'}
        or messages[0].startswith(("Answer every row", "Rank "))
        for messages in errors.values()
    )


@settings(max_examples=200, deadline=None)
@given(answers=answer_documents)
def test_clean_answers_only_hold_visible_questions(answers):
    once, _errors = SHEET.clean(answers, complete=False)

    visible = {q.code for q in SHEET.visibility(once).questions}
    assert {code.removesuffix("__other") for code in once} <= visible
