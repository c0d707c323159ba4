"""History of projects and sprints: who, when, from what to what, why; kept
append-only and after the records it describes are gone."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from assessments.models import Membership, Pipeline, Sprint
from assessments.selectors import organisation_history, project_history, sprint_history
from assessments.services import (
    case_study_update,
    membership_update,
    project_delete,
    project_update,
    sprint_delete,
    sprint_transition,
)
from tests.accounts.factories import UserFactory
from tests.assessments.factories import PIPELINE_DATA, SCOPE_DATA, MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_transition_records_who_when_what_and_the_note(sprint, team_member):
    sprint_transition(
        sprint=sprint,
        actor=team_member,
        to="pipelines",
        data=SCOPE_DATA,
        note="Scope agreed in the planning meeting.",
    )

    latest = sprint_history(sprint=sprint)[0]
    assert (latest.model, latest.kind) == ("sprint", "changed")
    assert latest.actor_email == team_member.email
    assert latest.note == "Scope agreed in the planning meeting."
    changes = {c.field: (c.old, c.new) for c in latest.changes}
    assert changes["state"] == ("scope", "pipelines")
    assert changes["objective"] == ("", SCOPE_DATA["objective"])
    assert changes["target_dimensions"] == ([], ["D3"])
    assert "updated_at" not in changes


def test_history_names_values_as_people_read_them(sprint, team_member):
    sprint_transition(sprint=sprint, actor=team_member, to="pipelines", data=SCOPE_DATA)

    with translation.override("pt-br"):
        latest = sprint_history(sprint=sprint)[0]
    shown = {c.field: (c.old_shown, c.new_shown) for c in latest.changes}
    # Choices by their label in the reader's language, lists item by item; the
    # API's values stay the stored codes.
    assert shown["state"] == ("Definir o objetivo e o escopo", "Criar os pipelines")
    assert shown["target_stages"] == ([], ["Construção e treinamento de modelos"])
    assert {c.field: c.new for c in latest.changes}["state"] == "pipelines"


def test_sprint_history_leaves_out_start_and_end_times(sprint, team_member):
    # A changed start (the demo back-dates its sprints) is not a person's change:
    # each entry carries its own time.
    Sprint.objects.filter(pk=sprint.pk).update(
        started_at=sprint.started_at - dt.timedelta(days=20)
    )
    sprint.refresh_from_db()
    sprint_transition(sprint=sprint, actor=team_member, to="pipelines", data=SCOPE_DATA)

    for entry in sprint_history(sprint=sprint):
        assert {"started_at", "completed_at"}.isdisjoint(c.field for c in entry.changes)


def test_the_sprint_history_includes_its_pipelines(sprint, team_member):
    sprint = sprint_transition(
        sprint=sprint, actor=team_member, to="pipelines", data=SCOPE_DATA
    )
    sprint_transition(
        sprint=sprint, actor=team_member, to="verification", data=PIPELINE_DATA
    )

    entries = sprint_history(sprint=sprint)

    pipeline = next(e for e in entries if e.model == "pipeline")
    assert pipeline.kind == "created"
    assert pipeline.label == "Sprint 1 · train"
    assert {c.field: c.new for c in pipeline.changes}["tools"] == ["mlflow", "kubeflow"]
    # Newest first: the move to verification came after the pipeline.
    assert [e.model for e in entries][:2] == ["sprint", "pipeline"]


def test_the_project_timeline_keeps_deleted_sprints_and_pipelines(
    project, sprint, team_member
):
    sprint = sprint_transition(
        sprint=sprint, actor=team_member, to="pipelines", data=SCOPE_DATA
    )
    sprint_transition(
        sprint=sprint, actor=team_member, to="verification", data=PIPELINE_DATA
    )
    sprint = Sprint.objects.get(pk=sprint.pk)
    sprint_delete(sprint=sprint, actor=team_member, note="Started by mistake.")

    entries = project_history(project=project)

    assert not Sprint.objects.filter(project=project).exists()
    assert not Pipeline.objects.exists()
    kinds = [(e.model, e.kind) for e in entries]
    assert ("sprint", "deleted") in kinds
    assert ("pipeline", "deleted") in kinds
    assert ("pipeline", "created") in kinds
    deleted = next(e for e in entries if (e.model, e.kind) == ("sprint", "deleted"))
    assert deleted.note == "Started by mistake."
    assert deleted.label == "Sprint 1"


def test_project_and_case_study_changes_are_on_the_timeline(project, team_member):
    project_update(project=project, actor=team_member, name="Churn v2", note="Renamed")
    case_study_update(project=project, actor=team_member, benefits="Daily releases.")
    case_study_update(project=project, actor=team_member, benefits="Hourly releases.")

    entries = project_history(project=project)

    renamed = next(e for e in entries if e.model == "project" and e.kind == "changed")
    assert [(c.field, c.old, c.new) for c in renamed.changes] == [
        ("name", "Churn", "Churn v2")
    ]
    case = [e for e in entries if e.model == "case_study"]
    assert [e.kind for e in case] == ["changed", "created"]
    assert [(c.old, c.new) for c in case[0].changes] == [
        ("Daily releases.", "Hourly releases.")
    ]


def test_history_survives_the_deletion_of_the_project(project, sprint, team_member):
    project_id, sprint_id = project.pk, sprint.pk

    project_delete(project=project, actor=team_member, note="Cancelled")

    records = Sprint.history.filter(id=sprint_id, project_id=project_id)
    assert [r.history_type for r in records.order_by("history_date")] == ["+", "-"]
    deleted = records.get(history_type="-")
    # The cascade is recorded as the actor's, with the project's note.
    assert (deleted.history_user_id, deleted.history_change_reason) == (
        team_member.pk,
        "Cancelled",
    )


def test_history_keeps_a_deleted_users_changes(sprint, organisation):
    colleague = MembershipFactory(organisation=organisation).user
    sprint_transition(sprint=sprint, actor=colleague, to="pipelines", data=SCOPE_DATA)
    colleague_id = colleague.pk

    colleague.delete()

    latest = sprint_history(sprint=sprint)[0]
    assert latest.actor_id == colleague_id
    assert latest.actor_email is None  # gone, but the change and its time stay
    assert latest.kind == "changed"


def test_sprint_history_cannot_be_rewritten(sprint):
    table = Sprint.history.model._meta.db_table

    for statement in (f"UPDATE {table} SET number = 99", f"DELETE FROM {table}"):  # noqa: S608
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)

    assert list(Sprint.history.values_list("number", flat=True)) == [1]


def test_organisation_history_lists_role_changes(organisation, team_member):
    other = UserFactory(email="ana@example.org")
    membership = MembershipFactory(organisation=organisation, user=other)

    membership_update(
        membership=membership,
        actor=team_member,
        role=Membership.Role.VIEWER,
        note="Left the team",
    )

    entries = organisation_history(organisation=organisation)
    change = entries[0]
    assert (change.model, change.label, change.note) == (
        "membership",
        "ana@example.org",
        "Left the team",
    )
    assert [(c.field, c.old, c.new) for c in change.changes] == [
        ("role", "member", "viewer")
    ]
