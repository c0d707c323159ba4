"""The flowchart's table (``assessments.flowchart``): pure, no database."""

import pytest

from assessments import flowchart as fc


def test_the_steps_follow_the_paper_in_order():
    assert fc.STEPS == (
        "scope",
        "pipelines",
        "verification",
        "monitoring",
        "maintenance_decision",
    )
    assert [fc.step_number(s) for s in fc.STEPS] == [1, 2, 3, 4, 5]
    assert fc.step_number(fc.COMPLETED) is None


def test_no_step_is_skipped():
    """Every move goes one step forward, except the flowchart's two arrows back."""
    backward = {(fc.VERIFICATION, fc.PIPELINES), (fc.DECISION, fc.SCOPE)}
    for state, targets in fc.TRANSITIONS.items():
        for to in targets:
            if (state, to) in backward:
                continue
            assert fc.STATES.index(to) == fc.STATES.index(state) + 1, (state, to)
    assert fc.TRANSITIONS[fc.COMPLETED] == ()


def test_every_move_lists_the_data_it_needs():
    moves = {(s, t) for s, targets in fc.TRANSITIONS.items() for t in targets}
    assert set(fc.REQUIRED) == moves


@pytest.mark.parametrize(
    ("state", "to", "allowed"),
    [
        ("scope", "verification", ("pipelines",)),
        ("verification", "maintenance_decision", ("monitoring", "pipelines")),
        ("completed", "scope", ()),
        ("scope", "nowhere", ("pipelines",)),
    ],
)
def test_a_move_off_the_chart_names_the_allowed_ones(state, to, allowed):
    with pytest.raises(fc.InvalidTransition) as excinfo:
        fc.check_transition(state, to)

    assert excinfo.value.allowed == allowed
    assert state in str(excinfo.value)
    for target in allowed:
        assert target in str(excinfo.value)


def test_leaving_scope_needs_every_scope_field():
    missing = fc.missing_data(
        "scope", "pipelines", {"objective": "Faster retraining", "approach": "  "}
    )

    assert set(missing) == {
        "approach",
        "delivery",
        "target_dimensions",
        "target_stages",
    }


def test_leaving_pipelines_needs_a_pipeline():
    assert set(fc.missing_data("pipelines", "verification", {"pipelines": 0})) == {
        "pipelines"
    }
    assert fc.missing_data("pipelines", "verification", {"pipelines": 2}) == {}


@pytest.mark.parametrize(
    ("result", "to", "ok"),
    [
        ("resolved", "monitoring", True),
        ("reduced", "monitoring", True),
        ("not_resolved", "monitoring", False),
        ("not_resolved", "pipelines", True),
        ("resolved", "pipelines", False),
    ],
)
def test_verification_result_decides_where_the_sprint_goes(result, to, ok):
    values = {
        "evidence": "Five runs.",
        "metric_name": "hours",
        "metric_before": 40.0,
        "metric_after": 0.0,  # zero is a value, not a missing one
        "result": result,
    }

    missing = fc.missing_data("verification", to, values)

    assert (missing == {}) is ok
    if not ok:
        assert set(missing) == {"result"}


def test_maintenance_needs_a_reason_and_completion_needs_nothing():
    assert set(fc.missing_data("maintenance_decision", "scope", {})) == {
        "maintenance_reason"
    }
    assert fc.missing_data("maintenance_decision", "completed", {}) == {}
