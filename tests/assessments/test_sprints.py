"""Sprints through the flowchart (``assessments.services.sprints``)."""

import pytest
from django.core.exceptions import ValidationError

from assessments import flowchart as fc
from assessments.models import Pipeline, Sprint
from assessments.services import (
    InvalidMove,
    pipeline_add,
    sprint_delete,
    sprint_start,
    sprint_transition,
    sprint_update,
)
from core.errors import Conflict
from tests.assessments.factories import (
    MONITORING_DATA,
    PIPELINE_DATA,
    SCOPE_DATA,
    VERIFICATION_DATA,
)
from tests.reports.profile_helpers import reference_survey

pytestmark = pytest.mark.django_db


def walk_to(sprint, actor, state):
    """Move a sprint forward with complete data until it reaches ``state``."""
    steps = [
        ("pipelines", SCOPE_DATA),
        ("verification", PIPELINE_DATA),
        ("monitoring", VERIFICATION_DATA),
        ("maintenance_decision", MONITORING_DATA),
    ]
    for to, data in steps:
        if sprint.state == state:
            break
        sprint = sprint_transition(sprint=sprint, actor=actor, to=to, data=data)
    assert sprint.state == state
    return sprint


def test_a_sprint_walks_the_five_steps_and_completes(sprint, team_member):
    sprint = walk_to(sprint, team_member, "maintenance_decision")

    done = sprint_transition(
        sprint=sprint, actor=team_member, to="completed", note="Stable for now."
    )

    stored = Sprint.objects.get(pk=sprint.pk)
    assert (stored.state, stored.needs_maintenance) == ("completed", False)
    assert stored.completed_at is not None
    assert stored.objective == SCOPE_DATA["objective"]
    assert stored.metric_after == 2.0
    assert stored.monitored == ["pipeline_health", "drift"]
    assert [p.name for p in stored.pipelines.all()] == ["train"]
    assert not hasattr(done, "next_sprint") or done.next_sprint is None


def test_maintenance_needed_opens_the_next_sprint_carrying_the_reason(
    sprint, team_member
):
    sprint = walk_to(sprint, team_member, "maintenance_decision")

    sprint = sprint_transition(
        sprint=sprint,
        actor=team_member,
        to="scope",
        data={"maintenance_reason": "performance_degradation"},
    )

    assert (sprint.state, sprint.needs_maintenance) == ("completed", True)
    following = Sprint.objects.get(previous=sprint)
    assert following.number == sprint.number + 1
    assert following.state == "scope"
    assert following.opened_for == "performance_degradation"
    assert following.project_id == sprint.project_id


def test_maintenance_without_a_reason_is_refused(sprint, team_member):
    sprint = walk_to(sprint, team_member, "maintenance_decision")

    with pytest.raises(ValidationError) as excinfo:
        sprint_transition(sprint=sprint, actor=team_member, to="scope")

    assert set(excinfo.value.message_dict) == {"maintenance_reason"}
    assert Sprint.objects.get(pk=sprint.pk).state == "maintenance_decision"
    assert Sprint.objects.count() == 1


def test_a_bottleneck_not_resolved_goes_back_to_pipelines(sprint, team_member):
    sprint = walk_to(sprint, team_member, "verification")

    sprint = sprint_transition(
        sprint=sprint,
        actor=team_member,
        to="pipelines",
        data={**VERIFICATION_DATA, "result": "not_resolved"},
    )

    assert sprint.state == "pipelines"
    # Back at pipelines, a new pipeline can be added before verifying again.
    pipeline_add(
        sprint=sprint, actor=team_member, name="features", stage="data_preparation"
    )
    assert sprint.pipelines.count() == 2


def test_a_skipped_step_is_a_conflict_listing_the_allowed_moves(sprint, team_member):
    with pytest.raises(InvalidMove) as excinfo:
        sprint_transition(
            sprint=sprint, actor=team_member, to="verification", data=SCOPE_DATA
        )

    assert excinfo.value.status == 409
    assert excinfo.value.errors == {"to": ["pipelines"]}
    assert Sprint.objects.get(pk=sprint.pk).state == "scope"
    assert Sprint.objects.get(pk=sprint.pk).objective == ""  # nothing half-written


def test_missing_step_data_names_every_missing_field(sprint, team_member):
    with pytest.raises(ValidationError) as excinfo:
        sprint_transition(
            sprint=sprint, actor=team_member, to="pipelines", data={"objective": "x"}
        )

    assert set(excinfo.value.message_dict) == {
        "approach",
        "delivery",
        "target_dimensions",
        "target_stages",
    }
    assert Sprint.objects.get(pk=sprint.pk).objective == ""


def test_data_of_another_step_is_refused(sprint, team_member):
    with pytest.raises(ValidationError) as excinfo:
        sprint_update(sprint=sprint, actor=team_member, data={"evidence": "early"})

    assert set(excinfo.value.message_dict) == {"evidence"}


def test_a_draft_of_the_current_step_is_kept_without_moving(sprint, team_member):
    sprint_update(
        sprint=sprint, actor=team_member, data={"objective": "Faster retraining"}
    )

    stored = Sprint.objects.get(pk=sprint.pk)
    assert (stored.state, stored.objective) == ("scope", "Faster retraining")


def test_leaving_pipelines_needs_a_recorded_pipeline(sprint, team_member):
    sprint = walk_to(sprint, team_member, "pipelines")

    with pytest.raises(ValidationError) as excinfo:
        sprint_transition(sprint=sprint, actor=team_member, to="verification")

    assert set(excinfo.value.message_dict) == {"pipelines"}


def test_pipelines_name_catalogue_tools_only(sprint, team_member):
    sprint = walk_to(sprint, team_member, "pipelines")

    with pytest.raises(ValidationError) as excinfo:
        pipeline_add(
            sprint=sprint,
            actor=team_member,
            name="train",
            stage="training",
            tools=["mlflow", "made-up-tool"],
        )

    assert "made-up-tool" in str(excinfo.value.message_dict["tools"])
    assert Pipeline.objects.count() == 0


def test_pipelines_are_recorded_only_during_their_step(sprint, team_member):
    with pytest.raises(Conflict):
        pipeline_add(sprint=sprint, actor=team_member, name="x", stage="training")


def test_a_project_runs_one_sprint_at_a_time(sprint, project, team_member):
    with pytest.raises(Conflict):
        sprint_start(project=project, actor=team_member)

    assert project.sprints.count() == 1


def test_a_completed_sprint_does_not_move_or_change(sprint, team_member):
    sprint = walk_to(sprint, team_member, "maintenance_decision")
    sprint = sprint_transition(sprint=sprint, actor=team_member, to="completed")

    with pytest.raises(InvalidMove) as excinfo:
        sprint_transition(sprint=sprint, actor=team_member, to="scope")
    assert excinfo.value.errors == {"to": []}
    with pytest.raises(Conflict):
        sprint_update(sprint=sprint, actor=team_member, data={})


def test_a_deleted_sprints_number_is_not_given_again(sprint, project, team_member):
    sprint_delete(sprint=sprint, actor=team_member)

    again = sprint_start(project=project, actor=team_member)

    assert again.number == 2


def test_an_expected_state_that_moved_on_is_a_conflict(sprint, team_member):
    sprint_transition(sprint=sprint, actor=team_member, to="pipelines", data=SCOPE_DATA)

    with pytest.raises(InvalidMove) as excinfo:
        sprint_transition(
            sprint=sprint,
            actor=team_member,
            to="pipelines",
            data=SCOPE_DATA,
            expected_state="scope",
        )

    assert excinfo.value.errors == {"to": ["verification"]}


def test_targets_are_the_maturity_models_codes(sprint, team_member):
    reference_survey()

    with pytest.raises(ValidationError) as excinfo:
        sprint_update(
            sprint=sprint,
            actor=team_member,
            data={"target_dimensions": ["D3", "D9"], "target_items": ["d3_2", "x"]},
        )

    assert "D9" in str(excinfo.value.message_dict["target_dimensions"])
    assert "x" in str(excinfo.value.message_dict["target_items"])


def test_every_state_is_reachable_and_the_states_match_the_model():
    choices = {value for value, _label in Sprint._meta.get_field("state").choices}
    assert choices == set(fc.STATES)
