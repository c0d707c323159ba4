"""Cohort aggregates, the pure part: the plan, the extraction in Python, the
cross-tabulation, the cells of a group and the privacy suppression
(``reports.aggregation``). No database."""

from __future__ import annotations

import copy
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo.loading import REFERENCE_SURVEY
from reports.aggregation import (
    ALL,
    Row,
    aggregate,
    extract_python,
    group_cells,
    groups_reversed,
    plan_build,
    row_features,
    suppress,
    suppress_groups,
)
from reports.scoring import score_response
from surveys.definition import definition_load, definition_parse
from surveys.scoring_rules import ScoringRules
from tests.surveys.sample_definition import SAMPLE, opts, sample, t

REFERENCE_DOCUMENT = definition_load(REFERENCE_SURVEY.read_text(encoding="utf-8"))
REFERENCE = definition_parse(REFERENCE_DOCUMENT)
RULES = ScoringRules.from_dict(REFERENCE.scoring)
SAMPLE_DEFINITION = definition_parse(SAMPLE)


def rows_of(*answers: dict) -> list[Row]:
    """Responses without scoring rules: answers only."""
    return [Row(a, [], None, None) for a in answers]


def scored(answers: dict) -> Row:
    profile = score_response(RULES, answers).to_dict()
    return Row(
        answers, profile["dimensions"], profile["overall_level"], profile["breadth"]
    )


R1 = {
    "role": "engineer",
    "experience": "1to3",
    "years": 4,
    "remote": True,
    "tools": ["mlflow", "dvc"],
    "mlflow_rating": 4,
    "tool_matrix": {"mlflow": "present", "dvc": "partial"},
    "stages": ["training", "data"],
}
R2 = {
    "role": "scientist",
    "experience": "gt3",
    "years": 10,
    "remote": False,
    "tools": ["dvc"],
    "tool_matrix": {"dvc": "absent"},
    "stages": ["data", "training"],
}
R3 = {
    "role": "engineer",
    "experience": "gt3",
    "years": 7,
    "remote": True,
    "tools": ["mlflow"],
    "mlflow_rating": 2,
    "tool_matrix": {"mlflow": "present"},
    "stages": ["data", "deployment"],
}
R4 = {
    "role": "other",
    "role__other": "Platform lead",
    "experience": "lt1",
    "tools": ["kubeflow", "other"],
    "tools__other": "Ray",
    "tool_matrix": {"kubeflow": "partial"},
    "stages": ["monitoring", "data"],
}


@pytest.fixture(scope="module")
def sample_result():
    plan = plan_build(SAMPLE_DEFINITION, None)
    return plan, aggregate(plan, extract_python(plan, rows_of(R1, R2, R3, R4)))


# --- The plan ------------------------------------------------------------------


def test_segments_are_all_every_single_choice_and_a_bounded_set_of_pairs():
    plan = plan_build(REFERENCE, RULES)

    singles = [
        q.code for q in REFERENCE.questions.values() if q.type == "single_choice"
    ]
    keys = plan.segment_keys
    assert keys[0] == ""
    assert keys[1 : 1 + len(singles)] == singles
    pairs = keys[1 + len(singles) :]
    assert pairs == [
        "age_range,experience_years",
        "age_range,role",
        "experience_years,role",
        "age_range,org_size",
        "experience_years,org_size",
        "role,org_size",
        "age_range,models_in_production",
        "experience_years,models_in_production",
        "role,models_in_production",
        "org_size,models_in_production",
    ]


def test_pairs_are_capped_and_skip_items_and_questions_with_many_choices():
    plan = plan_build(REFERENCE, RULES, max_pairs=3, max_pair_choices=6)

    pairs = [s for s in plan.segment_keys if "," in s]
    # role (10 choices and other) and sector are left out of the pairs.
    assert pairs == [
        "age_range,experience_years",
        "age_range,org_size",
        "experience_years,org_size",
    ]
    assert all(not key.startswith("d1_") for pair in pairs for key in pair.split(","))


def test_questions_tagged_segment_choose_the_pairs():
    document = copy.deepcopy(REFERENCE_DOCUMENT)
    for page in document["pages"]:
        for question in page["questions"]:
            if question["code"] in {"sector", "state", "role"}:
                question["tags"] = [*question.get("tags", []), "segment"]

    plan = plan_build(definition_parse(document), RULES)

    pairs = [s for s in plan.segment_keys if "," in s]
    assert pairs == ["role,sector", "role,state", "sector,state"]


def test_the_plan_counts_every_answer_of_every_counted_type():
    plan = plan_build(SAMPLE_DEFINITION, None)

    assert set(plan.kinds) == {
        "role",
        "experience",
        "years",
        "remote",
        "tools",
        "mlflow_rating",
        "tool_matrix",
        "stages",
    }  # text, long text and dates are not counted
    assert plan.enumerated["years"] == tuple(range(61))
    assert {"role=other", "tools=other", "remote=true", "stages@2=monitoring"} <= set(
        plan.features
    )
    assert "tool_matrix:kubeflow=absent" in plan.features  # rows from the tools
    assert plan.dimensions == ()
    assert plan.tools == {}  # a matrix with rows from a question is not a tool table


def test_reference_plan_has_the_tool_tables_and_every_possible_score():
    plan = plan_build(REFERENCE, RULES)

    assert plan.tools["assess_aws"] == "aws"
    assert len(plan.tools) == 12
    assert plan.levels == tuple(range(0, 4001, 500))
    # Four items of 0, 0.5 or 1, rescaled when one is N/A: 4 x sum / count.
    assert {0, 500, 667, 1333, 2000, 2667, 3333, 3500, 4000} <= set(plan.scores["D1"])
    assert len(plan.features) < 0xFFFF


# --- Extraction -------------------------------------------------------------------


def test_row_features_read_each_type_and_leave_out_the_unknown():
    plan = plan_build(SAMPLE_DEFINITION, None)
    answers = {
        **R4,
        "years": 12,
        "remote": False,
        "stages": ["monitoring", 3, "data"],  # a number in a ranking: skipped
        "tool_matrix": {"kubeflow": "partial", "nope": "present", "other": 1},
        "experience": "never",  # not a choice
        "nickname": "ana",  # text is not counted
    }

    ids, values = row_features(plan, Row(answers, [], None, None))

    assert {plan.features[i] for i in ids} == {
        "role=other",
        "years=12",
        "remote=false",
        "tools?",
        "tools=kubeflow",
        "tools=other",
        "tool_matrix?",
        "tool_matrix:kubeflow=partial",
        "stages?",
        "stages@1=monitoring",
    }
    assert math.isnan(values[0])  # no breadth without scoring


def test_row_features_read_the_profile_by_dimension_position():
    plan = plan_build(REFERENCE, RULES)
    row = scored(dict.fromkeys(RULES.item_codes, "present") | {"d1_3": "partial"})

    ids, values = row_features(plan, row)

    keys = {plan.features[i] for i in ids}
    assert {"~S~D1=3500", "~L~D1=2500", "~S~D2=4000", "~L~D2=4000", "~O=2500"} <= keys
    assert values[0] == round(31.5 / 8, 3)  # the profile keeps 3 decimals
    # A dimension found at another position is left out (as the SQL path does).
    swapped = Row(row.answers, row.dimensions[::-1], row.overall_level, row.breadth)
    swapped_ids, _values = row_features(plan, swapped)
    assert not any(plan.features[i].startswith("~S~") for i in swapped_ids)


# --- A group's cells, by hand -----------------------------------------------------------


def test_all_responses_group_holds_each_question_summary(sample_result):
    _plan, result = sample_result

    n, groups = result[""]
    cells = groups[ALL]
    questions = cells["questions"]
    assert n == 4
    assert cells["n"] == 4
    assert "dimensions" not in cells  # no scoring rules
    assert questions["role"] == {
        "type": "single_choice",
        "n": 4,
        "counts": {"scientist": 1, "engineer": 2, "other": 1},
    }
    assert questions["remote"] == {
        "type": "boolean",
        "n": 3,
        "counts": {"true": 2, "false": 1},
    }
    assert questions["tools"] == {
        "type": "multiple_choice",
        "n": 4,
        "counts": {"mlflow": 2, "dvc": 2, "kubeflow": 1, "other": 1},
    }
    years = questions["years"]
    assert (years["n"], years["mean"], years["median"]) == (3, 7.0, 7.0)
    assert (years["q1"], years["q3"]) == (5.5, 8.5)  # percentile_cont
    assert {k: v for k, v in years["distribution"].items() if v} == {
        "4": 1,
        "7": 1,
        "10": 1,
    }
    assert questions["mlflow_rating"] == {
        "type": "likert",
        "n": 2,
        "mean": 3.0,
        "median": 3.0,
        "q1": 2.5,
        "q3": 3.5,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0},
    }


def test_ranking_gives_mean_rank_top_k_and_positions(sample_result):
    _plan, result = sample_result

    stages = result[""][1][ALL]["questions"]["stages"]

    assert stages["n"] == 4
    assert stages["k"] == 2
    assert stages["top"] == {"data": 4, "training": 2, "deployment": 1, "monitoring": 1}
    assert stages["first"] == {
        "data": 2,
        "training": 1,
        "deployment": 0,
        "monitoring": 1,
    }
    assert stages["mean_rank"] == {
        "data": 1.5,
        "training": 1.5,
        "deployment": 2.0,
        "monitoring": 1.0,
    }
    assert stages["positions"]["data"] == [2, 2]


def test_matrix_is_a_cross_tab_per_row(sample_result):
    _plan, result = sample_result

    matrix = result[""][1][ALL]["questions"]["tool_matrix"]

    assert matrix["n"] == 4
    assert matrix["rows"]["mlflow"] == {
        "n": 2,
        "counts": {"present": 2, "partial": 0, "absent": 0},
    }
    assert matrix["rows"]["dvc"]["counts"] == {"present": 0, "partial": 1, "absent": 1}
    assert matrix["rows"]["kubeflow"]["n"] == 1


def test_segments_group_by_one_question_and_by_a_pair(sample_result):
    _plan, result = sample_result

    n, groups = result["role"]
    assert n == 4
    assert list(groups) == ["scientist", "engineer", "other"]  # choice order
    assert groups["engineer"]["n"] == 2
    assert groups["engineer"]["questions"]["experience"]["counts"] == {
        "lt1": 0,
        "1to3": 1,
        "gt3": 1,
    }
    n, pairs = result["role,experience"]
    assert n == 4
    assert set(pairs) == {"scientist,gt3", "engineer,1to3", "engineer,gt3", "other,lt1"}
    assert all(cells["n"] == 1 for cells in pairs.values())  # empty pairs left out


def test_a_segment_counts_only_the_responses_that_answered_it():
    plan = plan_build(SAMPLE_DEFINITION, None)
    answers = [R1, {k: v for k, v in R2.items() if k != "experience"}]

    result = aggregate(plan, extract_python(plan, rows_of(*answers)))

    assert result[""][0] == 2
    assert result["experience"][0] == 1
    assert list(result["experience"][1]) == ["1to3"]


def test_no_responses_give_an_all_group_of_zero():
    plan = plan_build(REFERENCE, RULES)

    result = aggregate(plan, extract_python(plan, []))

    n, groups = result[""]
    assert n == 0
    cells = groups[ALL]
    assert cells["n"] == 0
    assert cells["dimensions"]["D1"]["mean"] is None
    assert cells["items"]["d1_1"]["shares"]["present"] is None
    assert result["role"] == (0, {})


def test_maturity_cells_give_score_statistics_level_and_item_shares():
    ladders = [
        ["present", "present", "partial", "present"],  # L 2.5, S 3.5
        ["present", "absent", "absent", "absent"],  # L 1, S 1
        ["partial", "partial", "partial", "na"],  # L 0.5, S 4 x 1.5 / 3 = 2
        ["na", "na", "present", "present"],  # not assessed
    ]
    rows = []
    for ladder in ladders:
        answers = dict.fromkeys(RULES.item_codes, "present")
        answers |= {f"d1_{k}": v for k, v in enumerate(ladder, start=1)}
        rows.append(scored(answers))
    plan = plan_build(REFERENCE, RULES)

    cells = aggregate(plan, extract_python(plan, rows))[""][1][ALL]

    d1 = cells["dimensions"]["D1"]
    assert d1["n"] == 3  # assessed
    assert (d1["mean"], d1["median"], d1["q1"], d1["q3"]) == (
        round(6.5 / 3, 4),
        2.0,
        1.5,
        2.75,
    )
    assert {k: v for k, v in d1["levels"].items() if v} == {"0.5": 1, "1": 1, "2.5": 1}
    assert cells["dimensions"]["D2"]["levels"]["4"] == 4
    assert cells["overall"]["n"] == 4
    assert {k: v for k, v in cells["overall"]["levels"].items() if v} == {
        "0.5": 1,
        "1": 1,
        "2.5": 1,
        "4": 1,
    }
    assert cells["items"]["d1_1"] == {
        "n": 4,
        "shares": {
            "present": 0.5,
            "partial": 0.25,
            "absent": 0.0,
            "na": 0.25,
            "dont_know": 0.0,
        },
    }
    assert cells["breadth"]["n"] == 4
    assert "d1_1" not in cells["questions"]  # items are summarised as items


def test_tool_table_gives_the_lower_median_rating_with_n():
    plan = plan_build(REFERENCE, RULES)
    ratings = ["present", "absent", "partial", "absent"]
    rows = [
        Row({"assess_aws": {"monitoring": r, "training": "present"}}, [], None, None)
        for r in ratings
    ]

    aws = aggregate(plan, extract_python(plan, rows))[""][1][ALL]["tools"]["aws"]

    # absent, absent, partial, present: the lower of the middle two.
    assert aws["monitoring"] == {"n": 4, "median": "absent"}
    assert aws["training"] == {"n": 4, "median": "present"}
    assert aws["data_versioning"] == {"n": 0, "median": None}


def test_binned_and_unbounded_numbers():
    document = sample(
        pages=[
            {
                "code": "p",
                "title": t("P"),
                "questions": [
                    {
                        "code": "share",
                        "type": "number",
                        "text": t("S"),
                        "min": 0,
                        "max": 1,
                    },
                    {"code": "budget", "type": "number", "text": t("B")},
                    {
                        "code": "kind",
                        "type": "single_choice",
                        "text": t("K"),
                        "choices": opts("a", "b"),
                    },
                ],
            }
        ]
    )
    plan = plan_build(definition_parse(document), None)
    rows = rows_of(
        {"share": 0.05, "budget": 10, "kind": "a"},
        {"share": 0.95, "budget": 20.5, "kind": "a"},
        {"share": 1, "kind": "b"},
        {"share": 0.5},
    )

    questions = aggregate(plan, extract_python(plan, rows))[""][1][ALL]["questions"]

    share = questions["share"]
    assert share["n"] == 4
    assert share["mean"] == 0.625
    assert share["approximate"] is True
    assert share["distribution"]["0..0.1"] == 1
    assert share["distribution"]["0.9..1"] == 2  # the maximum is in the last bin
    assert share["distribution"]["0.5..0.6"] == 1
    assert 0.5 <= share["median"] <= 0.6
    budget = questions["budget"]
    assert (budget["n"], budget["mean"], budget["distribution"]) == (2, 15.25, None)


# --- Properties --------------------------------------------------------------------


ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(["scientist", "engineer", "other", "bogus"]),
        "experience": st.sampled_from(["lt1", "1to3", "gt3"]),
        "years": st.integers(0, 60) | st.floats(0, 60),
        "remote": st.booleans(),
        "tools": st.lists(st.sampled_from(["mlflow", "dvc", "kubeflow", "other"])),
        "mlflow_rating": st.integers(0, 6),
        "tool_matrix": st.dictionaries(
            st.sampled_from(["mlflow", "dvc", "kubeflow", "x"]),
            st.sampled_from(["present", "partial", "absent", "nope"]),
        ),
        "stages": st.lists(
            st.sampled_from(["data", "training", "deployment", "monitoring"]),
            max_size=3,
        ),
    },
)


def naive(plan, rows):
    """Count group by group with Counters: the reference the matrix product must equal."""
    features = [row_features(plan, row) for row in rows]
    result = {}
    for segment in plan.segments:
        buckets: dict[str, list[int]] = {}
        for index in range(len(features)):
            keys = []
            for code in segment.questions:
                value = rows[index].answers.get(code)
                if f"{code}={value}" not in plan.index or not isinstance(value, str):
                    break
                keys.append(value)
            else:
                key = ",".join(keys) if segment.questions else ALL
                buckets.setdefault(key, []).append(index)
        groups = {}
        for key, members in buckets.items():
            counts = Counter(i for m in members for i in features[m][0])
            vector = [counts.get(i, 0) for i in range(len(plan.features))]
            values = np.array([features[m][1] for m in members]).reshape(
                len(members), len(plan.values)
            )
            present = ~np.isnan(values)
            groups[key] = group_cells(
                plan,
                len(members),
                vector,
                np.where(present, values, 0).sum(axis=0),
                present.sum(axis=0),
            )
        if not segment.questions:
            groups.setdefault(
                ALL, group_cells(plan, 0, [0] * len(plan.features), [0], [0])
            )
        result[segment.key] = groups
    return result


@settings(max_examples=40, deadline=None)
@given(st.lists(ANSWERS, max_size=12), st.integers(1, 5))
def test_cross_tab_equals_counting_group_by_group(answers, chunk):
    plan = plan_build(SAMPLE_DEFINITION, None)
    rows = rows_of(*answers)

    result = aggregate(plan, extract_python(plan, rows, chunk=chunk))

    expected = naive(plan, rows)
    for segment in plan.segment_keys:
        assert result[segment][1].keys() == expected[segment].keys()
        for key, cells in expected[segment].items():
            assert result[segment][1][key] == cells


@given(st.lists(st.integers(0, 8), min_size=1, max_size=40))
def test_quartiles_are_postgresql_percentile_cont(values):
    plan = plan_build(SAMPLE_DEFINITION, None)
    rows = rows_of(*({"mlflow_rating": 1 + v % 5} for v in values))

    likert = aggregate(plan, extract_python(plan, rows))[""][1][ALL]["questions"][
        "mlflow_rating"
    ]

    data = [1 + v % 5 for v in values]
    for name, p in (("q1", 25), ("median", 50), ("q3", 75)):
        assert likert[name] == pytest.approx(np.percentile(data, p), abs=1e-4)
    assert likert["mean"] == pytest.approx(sum(data) / len(data), abs=1e-4)


# --- Privacy --------------------------------------------------------------------------


def test_cells_under_k_are_suppressed_visibly(sample_result):
    _plan, result = sample_result

    shown = suppress(result[""][1], 3)[ALL]

    assert shown["n"] == 4
    assert shown["questions"]["role"]["counts"] == {
        "scientist": 1,
        "engineer": 2,
        "other": 1,
    }  # a cell's counts share its base of 4
    assert shown["questions"]["mlflow_rating"] == {
        "suppressed": True,
        "n": None,
        "reason": "fewer than 3 responses",
    }
    rows = shown["questions"]["tool_matrix"]["rows"]
    assert rows["kubeflow"]["suppressed"] is True
    assert rows["mlflow"]["suppressed"] is True


def test_whole_groups_under_k_are_suppressed(sample_result):
    _plan, result = sample_result

    shown = suppress(result["role"][1], 2)

    assert shown["engineer"]["n"] == 2
    assert shown["scientist"] == {
        "suppressed": True,
        "n": None,
        "reason": "fewer than 2 responses",
    }


def test_a_choice_coded_n_is_never_taken_for_a_cell():
    cells = {"n": 10, "counts": {"y": 8, "n": 2}, "shares": {"n": 0.2}}

    assert suppress(cells, 5) == cells


def test_pair_groups_can_be_keyed_the_other_way_round():
    assert groups_reversed({"a,b": 1, "c,d": 2}) == {"b,a": 1, "d,c": 2}


# --- Complementary suppression --------------------------------------------------------


def _groups(**sizes: int) -> dict:
    return {key.replace("__", ","): {"n": n} for key, n in sizes.items()}


def _hidden(shown: dict) -> set[str]:
    return {key for key, cells in shown.items() if cells.get("suppressed")}


def test_a_lone_small_group_takes_the_next_smallest_with_it():
    """n = 7, 6 and 1: with the segment's total published, showing 7 and 6
    would give the 1 away."""
    shown = suppress_groups(_groups(engineer=7, architect=6, student=1), 5)

    assert _hidden(shown) == {"student", "architect"}
    assert shown["student"]["reason"] == "fewer than 5 responses"
    assert shown["architect"]["reason"].startswith("hidden so that")
    assert shown["engineer"]["n"] == 7


def test_two_small_groups_protect_each_other():
    shown = suppress_groups(_groups(engineer=9, architect=2, student=1), 5)

    assert _hidden(shown) == {"architect", "student"}


def test_nothing_small_means_nothing_hidden():
    groups = _groups(engineer=9, architect=6)

    assert suppress_groups(groups, 5) == groups


def _determined(hidden: set[str], groups: dict, k: int) -> set[str]:
    """The suppressed groups whose size follows from the published totals (the
    segment's n; a pair's row and column totals of k or more) and the groups
    shown: those with no direction of freedom in the null space of the totals'
    equations over the suppressed groups."""
    import numpy as np

    unknown = sorted(hidden)
    sets = [list(groups)]
    if any("," in key for key in groups):
        for part in (0, 1):
            by: dict[str, list[str]] = {}
            for key in groups:
                by.setdefault(key.split(",")[part], []).append(key)
            sets += [m for m in by.values() if sum(groups[x]["n"] for x in m) >= k]
    a = np.array([[1.0 if u in m else 0.0 for u in unknown] for m in sets])
    _u, singular, vt = np.linalg.svd(a)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:]
    return {u for i, u in enumerate(unknown) if not np.any(np.abs(null[:, i]) > 1e-9)}


def test_a_pair_keeps_every_suppressed_cell_underivable():
    groups = _groups(a__x=10, a__y=2, b__x=8, b__y=9, c__x=7, c__y=6)

    hidden = _hidden(suppress_groups(groups, 5))

    assert "a,y" in hidden
    assert not _determined(hidden, groups, 5)


def test_no_suppressed_value_follows_from_the_totals_by_subtraction():
    """Random segments and pairs: no suppressed group's size follows from the
    totals published and the groups shown."""
    import itertools
    import random

    rng = random.Random(4)
    for _ in range(400):
        rows, columns = rng.randint(1, 4), rng.randint(0, 4)
        cells = (
            [f"r{i},c{j}" for i, j in itertools.product(range(rows), range(columns))]
            if columns
            else [f"r{i}" for i in range(rows + 2)]
        )
        groups = {key: {"n": rng.choice([0, 1, 2, 3, 6, 9, 12])} for key in cells}
        groups = {key: value for key, value in groups.items() if value["n"]}
        hidden = _hidden(suppress_groups(groups, 5))
        assert all(key in hidden for key, value in groups.items() if value["n"] < 5)
        exposed = _determined(hidden, groups, 5) - {
            key for key in hidden if _all_of_its_sets_hidden(key, hidden, groups)
        }
        assert not exposed, (groups, hidden)


def _all_of_its_sets_hidden(key: str, hidden: set[str], groups: dict) -> bool:
    """A group whose every set is wholly suppressed: nothing shown is left to
    add, and its set total is the only figure (as when a whole row is small)."""
    return all(member in hidden for member in groups)
