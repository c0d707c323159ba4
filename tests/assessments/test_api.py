"""The assessments API as clients use it: the flowchart's errors, CI reports with
a token, history, metrics, case study, and query budgets."""

import pytest
from django.utils import timezone
from knox.models import AuthToken

from assessments.models import Sprint
from tests.assessments.factories import (
    MONITORING_DATA,
    PIPELINE_DATA,
    SCOPE_DATA,
    VERIFICATION_DATA,
    ProjectFactory,
    SprintFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_a(api_client, team_member):
    api_client.force_authenticate(team_member)
    return api_client


def transition(client, sprint_id, to, data=None, **extra):
    body = {"to": to, **({"data": data} if data is not None else {}), **extra}
    return client.post(f"/api/v1/sprints/{sprint_id}/transition/", body, format="json")


def test_a_sprint_runs_the_flowchart_through_the_api(client_a, sprint):
    steps = [
        ("pipelines", SCOPE_DATA),
        ("verification", PIPELINE_DATA),
        ("monitoring", VERIFICATION_DATA),
        ("maintenance_decision", MONITORING_DATA),
    ]
    for to, data in steps:
        response = transition(client_a, sprint.pk, to, data, note=f"to {to}")
        assert response.status_code == 200, response.json()
        assert response.json()["state"] == to

    response = transition(
        client_a, sprint.pk, "scope", {"maintenance_reason": "library_update"}
    )

    body = response.json()
    assert body["state"] == "completed"
    assert body["needs_maintenance"] is True
    assert body["allowed_transitions"] == []
    following = client_a.get(f"/api/v1/sprints/{body['next_sprint']}/").json()
    assert following["state"] == "scope"
    assert following["step"] == 1
    assert following["previous"] == sprint.pk
    assert following["opened_for"] == "library_update"


def test_a_skipped_step_is_a_409_listing_the_allowed_moves(client_a, sprint):
    response = transition(client_a, sprint.pk, "monitoring", {})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["errors"] == {"to": ["pipelines"]}
    assert "allowed: pipelines" in body["detail"]


def test_missing_step_data_is_a_400_naming_each_field(client_a, sprint):
    response = transition(client_a, sprint.pk, "pipelines", {"objective": "x"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "approach",
        "delivery",
        "target_dimensions",
        "target_stages",
    }


def test_badly_shaped_step_data_is_a_400_naming_the_field(client_a, sprint):
    response = transition(
        client_a,
        sprint.pk,
        "pipelines",
        {**SCOPE_DATA, "target_stages": ["astrology"], "colour": "blue"},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"colour"}
    response = transition(
        client_a, sprint.pk, "pipelines", {**SCOPE_DATA, "target_stages": ["astrology"]}
    )
    assert set(response.json()["errors"]) == {"target_stages"}


def test_an_unknown_target_is_a_400(client_a, sprint):
    response = transition(client_a, sprint.pk, "heaven")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"to"}


def test_the_sprint_history_shows_who_moved_it_and_why(client_a, sprint, team_member):
    transition(client_a, sprint.pk, "pipelines", SCOPE_DATA, note="Agreed with the PO")

    entries = client_a.get(f"/api/v1/sprints/{sprint.pk}/history/").json()["results"]

    moved = entries[0]
    assert moved["actor"] == {"id": team_member.pk, "email": team_member.email}
    assert moved["note"] == "Agreed with the PO"
    assert {
        "field": "state",
        "label": "step",
        "old": "scope",
        "new": "pipelines",
    } in moved["changes"]
    assert entries[-1]["kind"] == "created"


def test_a_ci_pipeline_reports_deployments_with_a_token(
    api_client, project, sprint, team_member
):
    _token, key = AuthToken.objects.create(user=team_member)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    now = timezone.now()
    body = {
        "deployed_at": now.isoformat(),
        "committed_at": (now - timezone.timedelta(hours=4)).isoformat(),
        "model_version": "churn-2.3.0",
        "external_id": "gha-1234",
    }

    first = api_client.post(
        f"/api/v1/projects/{project.pk}/deployments/", body, format="json"
    )
    retried = api_client.post(
        f"/api/v1/projects/{project.pk}/deployments/", body, format="json"
    )
    incident = api_client.post(
        f"/api/v1/projects/{project.pk}/incidents/",
        {
            "started_at": now.isoformat(),
            "resolved_at": (now + timezone.timedelta(minutes=30)).isoformat(),
            "deployment_external_id": "gha-1234",
        },
        format="json",
    )

    assert (first.status_code, retried.status_code, incident.status_code) == (
        201,
        200,
        201,
    )
    assert first.json()["sprint"] == sprint.pk
    metrics = api_client.get(f"/api/v1/projects/{project.pk}/metrics/").json()
    values = metrics["sprints"][0]["metrics"]
    assert values["lead_time_hours"] == {
        "value": 4.0,
        "source": "derived",
        "label": "elite",
    }
    assert values["change_failure_rate"]["value"] == 1.0
    assert values["change_failure_rate"]["label"] == "low"
    assert values["time_to_restore_hours"]["label"] == "elite"
    assert metrics["benchmark_version"]


def test_a_deployment_before_its_commit_is_refused(client_a, project):
    now = timezone.now()
    response = client_a.post(
        f"/api/v1/projects/{project.pk}/deployments/",
        {
            "deployed_at": now.isoformat(),
            "committed_at": (now + timezone.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 400


def test_entered_metrics_are_kept_raw_and_labelled(client_a, sprint, project):
    response = client_a.put(
        f"/api/v1/sprints/{sprint.pk}/metrics/",
        {"deployments_per_week": 10, "change_failure_rate": 0.2},
        format="json",
    )
    assert response.status_code == 200

    row = client_a.get(f"/api/v1/projects/{project.pk}/metrics/").json()["sprints"][0]

    assert row["metrics"]["deployments_per_week"] == {
        "value": 10.0,
        "source": "entered",
        "label": "elite",
    }
    assert row["metrics"]["change_failure_rate"]["label"] == "low"
    assert row["length_days"] >= 0


def test_the_case_study_is_written_field_by_field(client_a, project):
    client_a.put(
        f"/api/v1/projects/{project.pk}/case-study/",
        {"automated_stages": ["training"], "tools": ["mlflow"]},
        format="json",
    )
    client_a.put(
        f"/api/v1/projects/{project.pk}/case-study/",
        {"benefits": "One-day delivery cycle."},
        format="json",
    )

    body = client_a.get(f"/api/v1/projects/{project.pk}/case-study/").json()

    assert body["automated_stages"] == ["training"]
    assert body["tools"] == ["mlflow"]
    assert body["benefits"] == "One-day delivery cycle."
    bad = client_a.put(
        f"/api/v1/projects/{project.pk}/case-study/", {"tools": ["nope"]}, format="json"
    )
    assert bad.status_code == 400
    assert "tools" in bad.json()["errors"]


def test_an_owner_invites_by_link_and_the_invitee_joins(
    client_a, organisation, api_client
):
    response = client_a.post(
        f"/api/v1/organisations/{organisation.pk}/members/",
        {"role": "viewer"},
        format="json",
    )
    token = response.json()["token"]
    assert response.json()["link"].endswith(f"/teams/invitations/{token}/")
    from tests.accounts.factories import UserFactory

    newcomer = UserFactory()
    api_client.force_authenticate(newcomer)
    joined = api_client.post(
        "/api/v1/invitations/accept/", {"token": token}, format="json"
    )

    assert joined.status_code == 200
    assert joined.json()["role"] == "viewer"
    members = client_a.get(f"/api/v1/organisations/{organisation.pk}/members/").json()
    assert newcomer.email in {m["email"] for m in members["results"]}


def test_the_last_owner_cannot_leave(client_a, organisation, team_member):
    response = client_a.delete(
        f"/api/v1/organisations/{organisation.pk}/members/{team_member.pk}/"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "last_owner"


def test_two_open_sprints_are_a_409(client_a, project, sprint):
    response = client_a.post("/api/v1/sprints/", {"project": project.pk}, format="json")

    assert response.status_code == 409
    assert Sprint.objects.filter(project=project).count() == 1


def test_project_list_stays_within_its_query_budget(
    client_a, organisation, django_assert_num_queries
):
    for _ in range(8):
        SprintFactory(project=ProjectFactory(organisation=organisation))

    # Session-less (forced) auth: the count, the page of projects with the
    # role and the open sprint annotated.
    with django_assert_num_queries(2):
        response = client_a.get("/api/v1/projects/")

    assert response.json()["count"] == 8


def test_sprint_list_stays_within_its_query_budget(
    client_a, organisation, django_assert_num_queries
):
    for _ in range(8):
        SprintFactory(project=ProjectFactory(organisation=organisation))

    # The count, the sprints (with project, organisation and next sprint
    # joined, the role annotated) and their pipelines.
    with django_assert_num_queries(3):
        response = client_a.get("/api/v1/sprints/")

    assert response.json()["count"] == 8
