"""What a respondent sees of a profile (``reports.presentation``): pure, no database."""

import datetime as dt
import math
from xml.etree import ElementTree

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.catalogue import tool_catalogue, tools_covering
from reports.presentation import cohort_medians, profile_context, radar_svg
from reports.profiles import DIMENSION_CRITERIA, profile_build
from reports.public import PublicSummary
from surveys.scoring_rules import text_in
from tests.reports.profile_helpers import (
    WORKED,
    reference_definition,
    reference_rules,
    worked_answers,
)

pytestmark = pytest.mark.django_db

DEFINITION = reference_definition()
RULES = reference_rules()
SVG = "{http://www.w3.org/2000/svg}"


def context_for(answers: dict, language: str = "en") -> dict:
    profile, descriptive = profile_build(DEFINITION, RULES, answers)
    with translation.override(language):
        return profile_context(
            profile=profile.to_dict(),
            descriptive=descriptive,
            definition=DEFINITION,
            rules=RULES,
            language=language,
        )


def maturity_only(maturity: dict[str, list[str]]) -> dict:
    """Just the maturity items: the presentation needs nothing else."""
    return {
        f"d{code[1:]}_{k}": value
        for code, ladder in maturity.items()
        for k, value in enumerate(ladder, start=1)
    }


def item_text(code: str, language: str) -> str:
    return text_in(DEFINITION.questions[code].text, language)


@pytest.fixture(scope="module")
def worked() -> dict:
    return worked_answers(DEFINITION)


def parse_svg(text: str) -> ElementTree.Element:
    return ElementTree.fromstring(text)  # noqa: S314 - our own markup


def by_code(context: dict) -> dict[str, dict]:
    return {d["code"]: d for d in context["dimensions"]}


# --- The radar chart ----------------------------------------------------------------


def radar_geometry(svg: ElementTree.Element) -> tuple[float, float, float, float]:
    """(width, height, centre x, centre y) of a radar, from its viewBox."""
    _x, _y, width, height = map(float, svg.get("viewBox").split())
    return width, height, width / 2, height / 2


def outer_radius(svg: ElementTree.Element) -> float:
    _width, _height, cx, cy = radar_geometry(svg)
    rings = [p for p in svg.iter(f"{SVG}polygon") if p.get("class") == "radar-grid"]
    outer = [tuple(map(float, xy.split(","))) for xy in rings[-1].get("points").split()]
    return math.dist(outer[0], (cx, cy))


def axis_labels(svg: ElementTree.Element) -> list[ElementTree.Element]:
    return [t for t in svg.iter(f"{SVG}text") if t.get("class") == "radar-label"]


def label_text(text: ElementTree.Element) -> str:
    return " ".join(span.text for span in text.iter(f"{SVG}tspan"))


def test_radar_names_each_axis_by_its_dimension_title_in_the_language(worked):
    english = parse_svg(context_for(worked)["radar_svg"])
    portuguese = parse_svg(context_for(worked, "pt-br")["radar_svg"])

    assert [label_text(t) for t in axis_labels(english)] == [
        text_in(d.title, "en") for d in RULES.dimensions
    ]
    assert label_text(axis_labels(portuguese)[0]) == (
        "Versionamento e qualidade dos dados"
    )
    assert len(list(english.iter(f"{SVG}line"))) == 8


def test_radar_draws_its_scale_from_0_to_4(worked):
    svg = parse_svg(context_for(worked)["radar_svg"])

    ticks = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "radar-tick"]
    assert [t.text for t in ticks] == ["0", "1", "2", "3", "4"]
    rings = [p for p in svg.iter(f"{SVG}polygon") if p.get("class") == "radar-grid"]
    assert len(rings) == 4


def test_radar_is_an_image_whose_label_lists_the_levels(worked):
    svg = parse_svg(context_for(worked)["radar_svg"])

    assert svg.get("role") == "img"
    label = svg.get("aria-label")
    assert "D1 Data versioning and quality: level 2.5, score 3.5" in label
    assert "D5 Model release and deployment: level 2.0, score 1.333" in label
    assert "D6 Monitoring and feedback: not assessed" in label
    assert "D7 Governance and traceability: level 0.0, score 3.0" in label
    for code in WORKED:
        assert f"{code} " in label


def test_radar_labels_sit_outside_the_outer_ring(worked):
    """Labels are drawn beyond the top level, not on top of the outer ring."""
    svg = parse_svg(context_for(worked)["radar_svg"])
    width, height, cx, cy = radar_geometry(svg)
    radius = outer_radius(svg)

    for text in axis_labels(svg):
        spans = list(text.iter(f"{SVG}tspan"))
        x, y = float(spans[0].get("x")), float(spans[0].get("y"))
        assert math.dist((x, y), (cx, cy)) > radius + 10, label_text(text)
        assert 0 <= x <= width
        assert 0 <= y <= height


def test_radar_level_polygon_follows_the_levels(worked):
    svg = parse_svg(context_for(worked)["radar_svg"])
    _width, _height, cx, cy = radar_geometry(svg)
    radius = outer_radius(svg)
    level = next(
        p for p in svg.iter(f"{SVG}polygon") if p.get("class") == "radar-level"
    )
    points = [tuple(map(float, xy.split(","))) for xy in level.get("points").split()]

    distances = [round(math.dist(p, (cx, cy)) / radius * 4, 1) for p in points]
    # D6 is not assessed: drawn at the centre.
    assert distances == [2.5, 4.0, 1.0, 0.5, 2.0, 0.0, 0.0, 1.5]


COHORT = {"D1": 1.5, "D2": 2.0, "D3": 0.5, "D4": 3.0, "D5": 1.0, "D7": 2.5, "D8": 4.0}


def test_the_cohort_median_is_drawn_and_told_beside_the_respondents_own(worked):
    profile, descriptive = profile_build(DEFINITION, RULES, worked)
    with translation.override("en"):
        context = profile_context(
            profile=profile.to_dict(),
            descriptive=descriptive,
            definition=DEFINITION,
            rules=RULES,
            language="en",
            cohort=COHORT,
            cohort_n=300,
        )
    svg = parse_svg(context["radar_svg"])
    _width, _height, cx, cy = radar_geometry(svg)
    radius = outer_radius(svg)
    cohort = next(
        p for p in svg.iter(f"{SVG}polygon") if p.get("class") == "radar-cohort"
    )
    points = [tuple(map(float, xy.split(","))) for xy in cohort.get("points").split()]

    assert context["cohort"] is True and context["cohort_n"] == 300
    assert [d["cohort_median"] for d in context["dimensions"]] == [
        1.5,
        2.0,
        0.5,
        3.0,
        1.0,
        None,
        2.5,
        4.0,
    ]
    distances = [round(math.dist(p, (cx, cy)) / radius * 4, 1) for p in points]
    assert distances == [1.5, 2.0, 0.5, 3.0, 1.0, 0.0, 2.5, 4.0]
    label = svg.get("aria-label")
    assert (
        "D1 Data versioning and quality: level 2.5, score 3.5, "
        "median score of all responses 1.5"
    ) in label
    assert "D6 Monitoring and feedback: not assessed;" in label


def test_without_a_cohort_there_is_no_overlay(worked):
    context = context_for(worked)

    svg = parse_svg(context["radar_svg"])
    assert context["cohort"] is False
    assert not [
        p for p in svg.iter(f"{SVG}polygon") if p.get("class") == "radar-cohort"
    ]
    assert "median score of all responses" not in svg.get("aria-label")


def summary_of(n: int, dimensions: dict) -> PublicSummary:
    return PublicSummary(
        version=1,
        n=n,
        computed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        min_cell_size=5,
        cells={"n": n, "dimensions": dimensions},
    )


def test_cohort_medians_come_from_the_public_summary_at_or_above_k():
    dimensions = {
        "D1": {"n": 40, "median": 1.5, "q1": 1, "q3": 2},
        "D2": {"suppressed": True, "n": None, "reason": "fewer than 5 responses"},
        "D3": {"n": 40, "median": None},
    }

    assert cohort_medians(summary_of(40, dimensions), min_cell_size=5) == {"D1": 1.5}
    assert cohort_medians(summary_of(4, dimensions), min_cell_size=5) is None
    assert cohort_medians(None, min_cell_size=5) is None
    suppressed = PublicSummary(
        version=1,
        n=3,
        computed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        min_cell_size=5,
        cells={"suppressed": True, "n": None},
    )
    assert cohort_medians(suppressed, min_cell_size=2) is None


def test_numbers_in_the_text_alternative_follow_the_language(worked):
    label = parse_svg(context_for(worked, "pt-br")["radar_svg"]).get("aria-label")

    assert "2,5" in label and "3,5" in label and "1,333" in label
    assert "2.5" not in label


def test_radar_label_is_escaped():
    dimensions = [
        {
            "code": f'D{n}"',
            "title": "<b>&</b>",
            "level": 1,
            "score": 1,
            "assessed": True,
        }
        for n in range(3)
    ]

    svg = radar_svg(dimensions, max_level=4)

    parsed = parse_svg(svg)  # well-formed despite the markup
    assert "<b>&</b>" in parsed.get("aria-label")
    assert "<b>" not in svg


def test_radar_needs_three_dimensions():
    two = [
        {"code": "D1", "title": "a", "level": 1, "score": 1, "assessed": True},
        {"code": "D2", "title": "b", "level": 1, "score": 1, "assessed": True},
    ]

    assert radar_svg(two, max_level=4) == ""


# --- What the next level asks ---------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "pt-br"])
def test_next_level_is_the_item_above_the_level_in_the_language(worked, language):
    dimensions = by_code(context_for(worked, language))

    # Item floor(L) + 1 of each assessed dimension below the top.
    assert dimensions["D1"]["next_item"] == item_text("d1_3", language)  # L 2.5
    assert dimensions["D3"]["next_item"] == item_text("d3_2", language)  # L 1
    assert dimensions["D4"]["next_item"] == item_text("d4_1", language)  # L 0.5
    assert dimensions["D5"]["next_item"] == item_text("d5_3", language)  # L 2
    assert dimensions["D7"]["next_item"] == item_text("d7_1", language)  # L 0
    assert dimensions["D8"]["next_item"] == item_text("d8_2", language)  # L 1.5
    assert dimensions["D2"]["next_item"] is None  # at the top
    assert dimensions["D6"]["next_item"] is None  # not assessed


def test_next_level_texts_differ_between_languages(worked):
    english = by_code(context_for(worked, "en"))["D1"]["next_item"]
    portuguese = by_code(context_for(worked, "pt-br"))["D1"]["next_item"]

    assert english.startswith("Before training")
    assert portuguese.startswith("Antes do treino")


def test_next_level_steps_over_a_not_applicable_item():
    """[Present, N/A, Absent, Absent] is level 1; the next step is item 3, not
    the N/A item 2 that the ladder steps over."""
    answers = maturity_only({**WORKED, "D3": ["present", "na", "absent", "absent"]})

    d3 = by_code(context_for(answers))["D3"]

    assert d3["level"] == 1.0
    assert d3["next_item"] == item_text("d3_3", "en")


def test_next_level_is_none_when_only_not_applicable_items_are_left():
    answers = maturity_only({**WORKED, "D3": ["present", "present", "present", "na"]})

    d3 = by_code(context_for(answers))["D3"]

    assert d3["level"] == 4.0
    assert d3["next_item"] is None


LADDER_VALUES = st.sampled_from(["present", "partial", "absent", "na", "dont_know"])


@settings(max_examples=200, deadline=None)
@given(
    ladders=st.lists(
        st.lists(LADDER_VALUES, min_size=4, max_size=4), min_size=8, max_size=8
    )
)
def test_next_level_is_always_an_applicable_item_above_the_level(ladders):
    maturity = {f"D{n}": ladder for n, ladder in enumerate(ladders, start=1)}
    context = context_for(maturity_only(maturity))

    for d, ladder in zip(context["dimensions"], ladders, strict=True):
        items = [f"d{d['code'][1:]}_{k}" for k in range(1, 5)]
        if not d["assessed"]:
            assert d["next_item"] is None
            continue
        above = [
            code
            for k, code in enumerate(items, start=1)
            if k > math.floor(d["level"]) and ladder[k - 1] != "na"
        ]
        expected = item_text(above[0], "en") if above else None
        assert d["next_item"] == expected


# --- Names, meanings and tools ------------------------------------------------------


def test_titles_and_level_names_follow_the_language(worked):
    english = context_for(worked, "en")
    portuguese = context_for(worked, "pt-br")

    assert by_code(english)["D1"]["title"] == "Data versioning and quality"
    assert by_code(portuguese)["D1"]["title"] == "Versionamento e qualidade dos dados"
    # 2.5 is named after the step it completed.
    assert by_code(english)["D1"]["level_name"] == "Repeatable"
    assert by_code(portuguese)["D1"]["level_name"] == "Repetível"
    assert english["overall_name"] == "None"
    assert portuguese["overall_name"] == "Nenhum"


def test_overall_level_bottleneck_and_flags(worked):
    context = context_for(worked)

    assert context["scored"] is True
    assert context["overall_level"] == 0.0
    # The overall level is the weakest dimension's: named, with its title.
    assert context["weakest"] == "D7 Governance and traceability"
    assert context["weakest_all"] is False
    assert str(context["overall_meaning"]).startswith("None:")
    assert context["bottleneck"]["code"] == "D7"
    assert [d["code"] for d in context["dimensions"] if d["is_bottleneck"]] == ["D7"]
    assert context["flagged_count"] == 1
    assert context["breadth"] == 2.69


def test_tools_for_d1_are_those_present_on_data_versioning(worked):
    d1 = by_code(context_for(worked))["D1"]

    assert "Data Version Control (DVC)" in d1["tools"]
    assert "MLflow" in d1["tools"]
    present = {
        tool.name
        for tool in tool_catalogue().values()
        if tool.data_versioning == "present"
    }
    assert set(d1["tools"]) <= present
    assert "Kubeflow" not in d1["tools"]  # partial on data versioning
    assert len(d1["tools"]) <= 4


def test_dimension_tools_come_from_the_paper_matrix():
    for code, criteria in DIMENSION_CRITERIA.items():
        for tool in tools_covering(criteria):
            assert any(tool.ratings[c] == "present" for c in criteria), (code, tool)
    data = [tool.code for tool in tools_covering(("data_versioning",))]
    assert {"dvc", "mlflow", "pachyderm", "comet", "watson_ml"} == set(data)


def test_descriptive_part_uses_the_questionnaires_labels(worked):
    english = context_for(worked)["descriptive"]
    portuguese = context_for(worked, "pt-br")["descriptive"]

    assert english == {
        "tools": [
            "DVC (Data Version Control)",
            "MLflow",
            "Amazon SageMaker AI",
            "Apache Airflow",
        ],
        "open_source_percent": 75,
        "valued_stages": [
            "Data preparation, exploration and versioning",
            "Model building and training",
            "Monitoring in production",
        ],
    }
    assert (
        portuguese["valued_stages"][0]
        == "Preparação, exploração e versionamento de dados"
    )


def test_unscored_profile_shows_only_the_descriptive_part(worked):
    _profile, descriptive = profile_build(DEFINITION, None, worked)

    context = profile_context(
        profile={},
        descriptive=descriptive,
        definition=DEFINITION,
        rules=None,
        language="en",
    )

    assert context == {
        "scored": False,
        "descriptive": context_for(worked)["descriptive"],
    }


def test_worked_ladders_are_listed_in_the_rules_order():
    """A guard on the data used above: the rules list D1..D8 in order."""
    assert [d.code for d in RULES.dimensions] == list(WORKED)


def test_when_every_dimension_is_level_none_is_named_as_the_weakest():
    top = maturity_only({f"D{n}": ["present"] * 4 for n in range(1, 9)})

    context = context_for(top)

    assert context["overall_level"] == 4.0
    assert context["weakest_all"] is True


def test_two_weakest_dimensions_are_both_named():
    answers = maturity_only({**WORKED, "D3": ["absent"] * 4, "D7": ["absent"] * 4})

    context = context_for(answers)

    assert context["weakest"] == (
        "D3 Automated, orchestrated pipelines and D7 Governance and traceability"
    )
    assert context["weakest_all"] is False
