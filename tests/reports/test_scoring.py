"""Maturity scoring: the individual and organisation profiles."""

import itertools
import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reports.scoring import (
    OrgProfile,
    Profile,
    score_organisation,
    score_response,
)
from surveys.scoring_rules import ScoringRules
from tests.surveys.reference_rules import RULES, rules_with

DIMENSIONS = [dim.code for dim in RULES.dimensions]
ITEMS = RULES.item_codes
STAGES = [
    "problem_definition",
    "data_collection",
    "data_preparation",
    "training",
    "evaluation",
    "deployment",
    "monitoring",
    "retraining",
]
CODES = ["present", "partial", "absent", "na", "dont_know"]
LETTERS = {"P": "present", "p": "partial", "A": "absent", "N": "na", "?": "dont_know"}
POINTS = {"present": 1, "partial": 0.5, "absent": 0, "dont_know": 0}


def respond(stages: list[str] | None = None, **patterns: str) -> dict:
    """Answers with every item Present except the dimensions given as patterns.

    A pattern has one letter per item: P present, p partial, A absent, N N/A,
    ? don't know, - unanswered.
    """
    answers = dict.fromkeys(ITEMS, "present")
    for code, pattern in patterns.items():
        for k, letter in enumerate(pattern, start=1):
            item = f"d{code[1:]}_{k}"
            if letter == "-":
                del answers[item]
            else:
                answers[item] = LETTERS[letter]
    if stages is not None:
        answers["valued_stages"] = stages
    return answers


def dim(profile, code):
    return next(d for d in profile.dimensions if d.code == code)


def items_of(code: str) -> list[str]:
    return list(RULES.dimensions[DIMENSIONS.index(code)].items)


# --- One response: dimension score and ladder -----------------------------------


def test_worked_example_from_the_design():
    profile = score_response(RULES, respond(D1="PPpP"))

    assert dim(profile, "D1").level == 2.5
    assert dim(profile, "D1").score == 3.5


@pytest.mark.parametrize(
    ("pattern", "level", "score"),
    [
        ("PPPP", 4, 4),
        ("AAAA", 0, 0),
        ("pPPP", 0.5, 3.5),
        ("APPP", 0, 3),
        ("PApP", 1, 2.5),
        ("PPPp", 3.5, 3.5),
        ("P?PP", 1, 3),
    ],
)
def test_ladder_counts_consecutive_present_items(pattern, level, score):
    profile = score_response(RULES, respond(D3=pattern))

    assert (dim(profile, "D3").level, dim(profile, "D3").score) == (level, score)


@pytest.mark.parametrize(
    ("pattern", "level", "score"),
    [
        ("PNPP", 4, 4),
        ("PNpA", 2.5, 4 * 1.5 / 3),
        ("PPPN", 4, 4),
        ("NPAA", 2, 4 * 1 / 3),
        ("PNAP", 1, 4 * 2 / 3),
        ("NAPP", 0, 4 * 2 / 3),
        ("NpPP", 1.5, 4 * 2.5 / 3),
    ],
)
def test_one_na_item_rescales_the_score_and_is_stepped_over(pattern, level, score):
    profile = score_response(RULES, respond(D2=pattern))

    d2 = dim(profile, "D2")
    assert d2.assessed
    assert d2.level == level
    assert d2.score == pytest.approx(score)
    assert d2.na_items == ("d2_" + str(pattern.index("N") + 1),)


def test_two_na_items_leave_the_dimension_out_of_the_overall_level():
    profile = score_response(RULES, respond(D5="NNAA", D6="PPAN"))

    d5 = dim(profile, "D5")
    assert (d5.assessed, d5.score, d5.level) == (False, None, None)
    assert d5.na_items == ("d5_1", "d5_2")
    assert profile.overall_level == 2
    assert profile.bottleneck == "D6"
    # Breadth averages the seven assessed dimensions only.
    assert profile.breadth == pytest.approx((6 * 4 + 4 * 2 / 3) / 7)


def test_overall_level_is_the_minimum_and_breadth_the_mean():
    profile = score_response(RULES, respond(D1="PPpA", D4="pPPP", D7="PPPp"))

    assert profile.overall_level == 0.5
    assert profile.breadth == pytest.approx((2.5 + 3.5 + 3.5 + 5 * 4) / 8)
    assert profile.bottleneck == "D4"


def test_nothing_assessed_gives_no_overall_level():
    profile = score_response(RULES, dict.fromkeys(ITEMS, "na"))

    assert not any(d.assessed for d in profile.dimensions)
    assert (profile.overall_level, profile.breadth, profile.bottleneck) == (
        None,
        None,
        None,
    )


def test_dont_know_scores_zero_and_is_flagged():
    profile = score_response(RULES, respond(D4="P?PP", D8="???P"))

    assert dim(profile, "D4").flagged_items == ("d4_2",)
    assert dim(profile, "D4").score == 3
    assert profile.flagged == ("d4_2", "d8_1", "d8_2", "d8_3")


def test_unanswered_or_unknown_items_count_as_dont_know():
    answers = respond(D1="P-PP")
    answers["d2_3"] = "maybe"
    answers["d3_1"] = ["present"]

    profile = score_response(RULES, answers)

    assert profile.flagged == ("d1_2", "d2_3", "d3_1")
    assert [dim(profile, c).level for c in ("D1", "D2", "D3")] == [1, 2, 0]
    assert dim(profile, "D1").score == 3


def test_other_questions_are_ignored():
    answers = respond(D1="PPpP")

    profile = score_response(RULES, {**answers, "age_range": "26_30", "x": 1})

    assert profile == score_response(RULES, answers)
    assert profile.scoring_version == 1


# --- One response: bottleneck ----------------------------------------------------


def test_bottleneck_is_the_lowest_level():
    profile = score_response(RULES, respond(D2="PPAA", D6="PAPP"))

    assert profile.bottleneck == "D6"


def test_bottleneck_ties_go_to_the_lower_score():
    profile = score_response(RULES, respond(D2="PPAP", D6="PPAA"))

    assert profile.bottleneck == "D6"


@pytest.mark.parametrize(
    ("stages", "bottleneck"),
    [
        (["monitoring", "training", "deployment"], "D6"),
        (["training", "monitoring", "deployment"], "D2"),
        (["evaluation"], "D2"),
        (["retraining", "evaluation"], "D6"),
        (["problem_definition"], "D2"),  # no tied dimension serves it
        ([], "D2"),  # then dimension order
        (None, "D2"),
    ],
)
def test_bottleneck_ties_go_to_the_most_valued_lifecycle_stage(stages, bottleneck):
    profile = score_response(RULES, respond(stages, D2="PPAA", D6="PPAA"))

    assert profile.bottleneck == bottleneck


# --- Profile serialisation and level names ---------------------------------------


def test_profile_to_dict_is_json_ready_and_rounds_floats():
    profile = score_response(RULES, respond(D1="PNpA", D5="NN?A"))

    data = json.loads(json.dumps(profile.to_dict()))

    d1 = data["dimensions"][0]
    assert d1 == {
        "code": "D1",
        "score": 2.0,
        "level": 2.5,
        "assessed": True,
        "flagged_items": [],
        "na_items": ["d1_2"],
    }
    assert data["dimensions"][4]["score"] is None
    assert data["breadth"] == round((2 + 6 * 4) / 7, 3)
    assert data["flagged"] == ["d5_3"]
    assert Profile.from_dict(data).to_dict() == data


def test_profile_round_trips_through_from_dict():
    # Values with at most 3 decimals survive the rounding of to_dict.
    profile = score_response(RULES, respond(["deployment"], D3="PPAA", D5="AAAA"))

    assert profile.breadth == 3.25
    assert Profile.from_dict(profile.to_dict()) == profile


# --- Organisations -----------------------------------------------------------------


def test_organisation_takes_the_median_per_item():
    responses = [
        respond(D1="PPAA"),
        respond(D1="PpAA"),
        respond(D1="AppA"),
    ]

    org = score_organisation(RULES, responses)

    assert [org.item_values[i] for i in items_of("D1")] == [1, 0.5, 0, 0]
    assert (dim(org, "D1").level, dim(org, "D1").score) == (1.5, 1.5)
    assert org.overall_level == 1.5
    assert org.bottleneck == "D1"
    assert org.n_respondents == 3


@pytest.mark.parametrize(
    ("answers", "median"),
    [
        (["absent", "present"], 0.5),
        (["partial", "present"], 0.5),
        (["absent", "partial"], 0),
        (["dont_know", "partial"], 0),
        (["absent", "partial", "present", "present"], 0.5),
        (["present", "present", "absent", "na"], 1),
        (["partial", "present", "na"], 0.5),
        (["absent", "present", "present", "na", "na"], 1),
    ],
)
def test_organisation_median_rounds_down_with_an_even_count(answers, median):
    responses = [{**respond(), "d4_2": answer} for answer in answers]

    org = score_organisation(RULES, responses)

    assert org.item_values["d4_2"] == median


def test_organisation_item_is_na_only_when_everyone_says_so():
    responses = [respond(D5="NNPP"), respond(D5="NAPP"), respond(D5="NAPP")]

    org = score_organisation(RULES, responses)

    assert org.item_values["d5_1"] is None
    assert org.item_values["d5_2"] == 0
    d5 = dim(org, "D5")
    assert (d5.assessed, d5.na_items, d5.level) == (True, ("d5_1",), 0)
    assert d5.score == pytest.approx(4 * 2 / 3)


def test_organisation_dimension_with_two_na_items_is_not_assessed():
    responses = [respond(D6="NNPP"), respond(D6="NNPA")]

    org = score_organisation(RULES, responses)

    assert not dim(org, "D6").assessed
    assert org.overall_level == 4


def test_alignment_gaps_are_items_answered_both_absent_and_present():
    responses = [
        respond(D1="PPPP", D2="pPPP"),
        respond(D1="APpP", D2="APPP"),
        respond(D1="PpAN", D2="P?PP"),
    ]

    org = score_organisation(RULES, responses)

    assert org.alignment_gaps == ("d1_1", "d1_3", "d2_1")
    assert org.flagged == ("d2_2",)


def test_organisation_bottleneck_ties_use_the_respondents_valued_stages():
    responses = [
        respond(["deployment", "monitoring"], D2="PPAA", D6="PPAA", D5="PPAA"),
        respond(["monitoring", "training"], D2="PPAA", D6="PPAA", D5="PPAA"),
        respond(["training", "deployment"], D2="PPAA", D6="PPAA", D5="PPAA"),
    ]

    org = score_organisation(RULES, responses)

    # Votes: monitoring 3 + 2 = 5, deployment 3 + 1 = 4, training 2 + 3 = 5;
    # monitoring and training tie and training comes first in the rules (D2).
    assert org.bottleneck == "D2"


def test_organisation_without_responses_is_not_assessed():
    org = score_organisation(RULES, [])

    assert org.n_respondents == 0
    assert org.overall_level is None
    assert set(org.item_values.values()) == {None}


def test_organisation_profile_round_trips_through_json():
    responses = [respond(D1="PNpA"), respond(D1="AAAP", D3="?PPP")]
    org = score_organisation(RULES, responses)

    data = json.loads(json.dumps(org.to_dict()))

    assert data["alignment_gaps"] == ["d1_1", "d1_4"]
    assert data["item_values"]["d1_2"] == 0
    assert data["breadth"] == 3.562  # 3.5625, rounded for storage
    assert OrgProfile.from_dict(data).to_dict() == data


# --- Rules other than the reference's -------------------------------------------------


def test_rules_without_stage_question_break_ties_by_dimension_order():
    rules = ScoringRules.from_dict(rules_with(lambda d: d.pop("stage_question")))

    profile = score_response(rules, respond(["monitoring"], D2="PPAA", D6="PPAA"))

    assert profile.bottleneck == "D2"


def test_rules_with_other_item_counts_score_on_their_own_ladder():
    data = rules_with(lambda d: [dim["items"].pop() for dim in d["dimensions"]])
    data["levels"].pop(4)
    rules = ScoringRules.from_dict(data)

    profile = score_response(rules, respond(D1="PNAP", D2="PPpP"))

    assert rules.max_level == 3
    assert (dim(profile, "D1").level, dim(profile, "D1").score) == (1, 1.5)
    assert (dim(profile, "D2").level, dim(profile, "D2").score) == (2.5, 2.5)


# --- Properties over random answer sets -----------------------------------------------

answer_sets = st.fixed_dictionaries(
    {"valued_stages": st.permutations(STAGES).map(lambda stages: stages[:3])},
    optional={item: st.sampled_from(CODES) for item in ITEMS},
)
dimension_index = st.integers(min_value=0, max_value=len(DIMENSIONS) - 1)


def is_half_step(value: float) -> bool:
    return (value * 2).is_integer()


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets)
def test_levels_and_scores_stay_on_the_scale(answers):
    profile = score_response(RULES, answers)

    for d in profile.dimensions:
        if d.assessed:
            assert 0 <= d.level <= 4
            assert is_half_step(d.level)
            assert 0 <= d.score <= 4 + 1e-9
        else:
            assert len(d.na_items) >= 2
            assert d.level is d.score is None
    if profile.overall_level is not None:
        assert is_half_step(profile.overall_level)
        assert 0 <= profile.breadth <= 4 + 1e-9


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets)
def test_overall_level_is_never_above_an_assessed_dimension(answers):
    profile = score_response(RULES, answers)

    levels = [d.level for d in profile.dimensions if d.assessed]
    assert all(profile.overall_level <= level for level in levels)
    if levels:
        assert profile.overall_level in levels
        assert dim(profile, profile.bottleneck).level == profile.overall_level
    else:
        assert profile.overall_level is None


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets, index=dimension_index, data=st.data())
def test_items_above_the_first_absent_never_change_the_level(answers, index, data):
    items = list(RULES.dimensions[index].items)
    # Put an Absent in the dimension rather than filtering for one.
    first = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    answers = {**answers, items[first]: "absent"}
    values = [answers.get(item) for item in items]
    first = values.index("absent")
    changed = dict(answers)
    for item in items[first + 1 :]:
        changed[item] = data.draw(st.sampled_from(["present", "partial", "absent"]))

    before = score_response(RULES, answers).dimensions[index]
    after = score_response(RULES, changed).dimensions[index]

    assume(before.assessed and after.assessed)
    assert after.level == before.level


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets, index=dimension_index, data=st.data())
def test_one_na_item_rescales_the_score_to_four_thirds(answers, index, data):
    items = RULES.dimensions[index].items
    # Build exactly one N/A in the dimension rather than filtering for it.
    na_item = data.draw(st.sampled_from(items))
    others = [code for code in CODES if code != "na"]
    answers = {
        **answers,
        **{item: data.draw(st.sampled_from(others)) for item in items},
    }
    answers[na_item] = "na"

    score = score_response(RULES, answers).dimensions[index].score

    total = sum(POINTS.get(answers.get(item), 0) for item in items)
    assert score == pytest.approx(4 * total / 3)
    assert 0 <= score <= 4 + 1e-9


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets, item=st.sampled_from(ITEMS))
def test_absent_to_present_never_lowers_score_or_level(answers, item):
    answers = {**answers, item: "absent"}
    index = DIMENSIONS.index(f"D{item[1]}")

    before = score_response(RULES, answers).dimensions[index]
    after = score_response(RULES, {**answers, item: "present"}).dimensions[index]

    assert after.assessed == before.assessed
    if before.assessed:
        assert after.score > before.score
        assert after.level >= before.level


@settings(max_examples=200, deadline=None)
@given(answers=answer_sets)
def test_organisation_of_one_matches_the_respondent(answers):
    profile = score_response(RULES, answers)

    org = score_organisation(RULES, [answers])

    assert org.dimensions == profile.dimensions
    assert org.overall_level == profile.overall_level
    assert org.breadth == profile.breadth
    assert org.bottleneck == profile.bottleneck
    assert org.flagged == profile.flagged
    assert org.alignment_gaps == ()


@settings(max_examples=100, deadline=None)
@given(
    responses=st.lists(answer_sets, min_size=1, max_size=7),
    seed=st.randoms(use_true_random=False),
)
def test_respondent_order_never_changes_the_organisation_profile(responses, seed):
    shuffled = list(responses)
    seed.shuffle(shuffled)

    assert score_organisation(RULES, shuffled) == score_organisation(RULES, responses)


@settings(max_examples=100, deadline=None)
@given(responses=st.lists(answer_sets, min_size=1, max_size=7))
def test_organisation_levels_stay_on_the_scale(responses):
    org = score_organisation(RULES, responses)

    values = [v for v in org.item_values.values() if v is not None]
    assert set(values) <= {0, 0.5, 1}
    for d in org.dimensions:
        if d.assessed:
            assert is_half_step(d.level)
            assert 0 <= d.score <= 4 + 1e-9
    if org.overall_level is not None:
        assert org.overall_level == min(d.level for d in org.dimensions if d.assessed)


def test_every_permutation_of_a_small_team_gives_the_same_profile():
    responses = [
        respond(["monitoring"], D1="PPpA", D6="AAPN"),
        respond(["training"], D1="APPP", D6="PpPN"),
        respond(["deployment"], D1="P?pN", D6="pPAA"),
        respond(None, D1="pppp", D6="NNNN"),
    ]
    expected = score_organisation(RULES, responses)

    for order in itertools.permutations(responses):
        assert score_organisation(RULES, list(order)) == expected
