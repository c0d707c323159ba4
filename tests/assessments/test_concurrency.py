"""Two members move the same sprint at the same moment, through the API, on the
real PostgreSQL (each request in its own thread and connection): one wins, the
other gets a 409, and nothing of the loser's request is written."""

import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from assessments import flowchart
from assessments.models import Membership, Pipeline, Sprint
from assessments.services import (
    organisation_create,
    project_create,
    sprint_start,
    sprint_transition,
)
from tests.accounts.factories import UserFactory
from tests.assessments.factories import (
    MONITORING_DATA,
    PIPELINE_DATA,
    SCOPE_DATA,
    VERIFICATION_DATA,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_members():
    ana = UserFactory(role="team_member")
    bob = UserFactory(role="team_member")
    organisation = organisation_create(name="Race Org", actor=ana)
    Membership.objects.create(organisation=organisation, user=bob, role="member")
    project = project_create(organisation=organisation, actor=ana, name="Race")
    return ana, bob, sprint_start(project=project, actor=ana)


@pytest.fixture
def slow_checks(mocker):
    """Hold the sprint's lock a while: the other request arrives meanwhile."""
    real = flowchart.missing_data

    def slow(*args, **kwargs):
        time.sleep(0.4)
        return real(*args, **kwargs)

    mocker.patch("assessments.flowchart.missing_data", side_effect=slow)


def race(requests: list[tuple]) -> list:
    """Send the requests at once, each from its own thread (own connection)."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def send(index: int, user, url: str, body: dict) -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            results[index] = client.post(url, body, format="json")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(i, *request))
        for i, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def walk(sprint, actor, state):
    for to, data in [
        ("pipelines", SCOPE_DATA),
        ("verification", PIPELINE_DATA),
        ("monitoring", VERIFICATION_DATA),
        ("maintenance_decision", MONITORING_DATA),
    ]:
        if sprint.state == state:
            return sprint
        sprint = sprint_transition(sprint=sprint, actor=actor, to=to, data=data)
    return sprint


def test_the_same_move_twice_at_once_is_made_once(two_members, slow_checks):
    ana, bob, sprint = two_members
    url = f"/api/v1/sprints/{sprint.pk}/transition/"
    sprint = walk(sprint, ana, "pipelines")
    body = {"to": "verification", "data": PIPELINE_DATA}

    results = race([(ana, url, body), (bob, url, body)])

    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409]
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["code"] == "invalid_transition"
    assert loser["errors"] == {"to": ["monitoring", "pipelines"]}
    # One move recorded, one set of pipelines created.
    assert Sprint.history.filter(id=sprint.pk, state="verification").count() == 1
    assert Pipeline.objects.filter(sprint_id=sprint.pk).count() == 1


def test_opposite_moves_at_once_leave_only_the_winners_data(two_members, slow_checks):
    ana, bob, sprint = two_members
    sprint = walk(sprint, ana, "verification")
    url = f"/api/v1/sprints/{sprint.pk}/transition/"
    forward = {"to": "monitoring", "data": {**VERIFICATION_DATA, "result": "resolved"}}
    back = {
        "to": "pipelines",
        "data": {**VERIFICATION_DATA, "result": "not_resolved", "evidence": "Bob's"},
    }

    results = race([(ana, url, forward), (bob, url, back)])

    assert sorted(r.status_code for r in results) == [200, 409]
    winner = 0 if results[0].status_code == 200 else 1
    stored = Sprint.objects.get(pk=sprint.pk)
    if winner == 0:
        assert (stored.state, stored.result) == ("monitoring", "resolved")
        assert stored.evidence == VERIFICATION_DATA["evidence"]
    else:
        assert (stored.state, stored.result) == ("pipelines", "not_resolved")
        assert stored.evidence == "Bob's"
    assert Sprint.history.filter(id=sprint.pk).count() == 4  # created + 3 moves


def test_two_maintenance_decisions_at_once_open_one_next_sprint(
    two_members, slow_checks
):
    ana, bob, sprint = two_members
    sprint = walk(sprint, ana, "maintenance_decision")
    url = f"/api/v1/sprints/{sprint.pk}/transition/"
    body = {"to": "scope", "data": {"maintenance_reason": "retraining"}}

    results = race([(ana, url, body), (bob, url, body)])

    assert sorted(r.status_code for r in results) == [200, 409]
    assert Sprint.objects.filter(project_id=sprint.project_id).count() == 2
    assert Sprint.objects.filter(previous_id=sprint.pk, state="scope").count() == 1
