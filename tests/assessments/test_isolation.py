"""Strict isolation: every assessments endpoint, for a member of organisation A,
a member of organisation B, a viewer of A, a researcher and an anonymous client.

Outsiders get a 404 whatever exists (an id of another organisation reads as
one that does not), viewers read but never write, anonymous clients get 401,
and no refusal names anything of organisation A.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from assessments.models import Membership
from assessments.services import (
    organisation_create,
    project_create,
    sprint_start,
    sprint_transition,
)
from tests.accounts.factories import UserFactory
from tests.assessments.factories import SCOPE_DATA
from tests.reports.profile_helpers import reference_survey

pytestmark = pytest.mark.django_db

SECRET_NAMES = ("Acme Secret Lab", "Fraud Model X")


@dataclass
class World:
    owner_a: Any
    viewer_a: Any
    owner_b: Any
    researcher: Any
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    owner_a = UserFactory(role="team_member")
    viewer_a = UserFactory(role="team_member")
    owner_b = UserFactory(role="team_member")
    org_a = organisation_create(name=SECRET_NAMES[0], actor=owner_a)
    Membership.objects.create(organisation=org_a, user=viewer_a, role="viewer")
    organisation_create(name="Other Org", actor=owner_b)
    project = project_create(organisation=org_a, actor=owner_a, name=SECRET_NAMES[1])
    idle = project_create(organisation=org_a, actor=owner_a, name="Idle project")
    sprint = sprint_start(project=project, actor=owner_a)
    world = World(owner_a, viewer_a, owner_b, UserFactory(role="researcher"))
    world.ids = {
        "org": org_a.pk,
        "project": project.pk,
        "idle": idle.pk,
        "sprint": sprint.pk,
        "viewer": viewer_a.pk,
    }
    return world


def at_pipelines(world: World) -> None:
    from assessments.models import Sprint

    sprint = Sprint.objects.get(pk=world.ids["sprint"])
    sprint_transition(
        sprint=sprint, actor=world.owner_a, to="pipelines", data=SCOPE_DATA
    )


READ, EDIT, MANAGE = "read", "edit", "manage"
NOW = timezone.now().isoformat()
# (method, path, body, what it needs, the owner's status, prepare)
ENDPOINTS = [
    ("get", "/api/v1/organisations/{org}/", None, READ, 200, None),
    ("patch", "/api/v1/organisations/{org}/", {"name": "Renamed"}, MANAGE, 200, None),
    ("delete", "/api/v1/organisations/{org}/", None, MANAGE, 204, None),
    ("get", "/api/v1/organisations/{org}/members/", None, READ, 200, None),
    (
        "post",
        "/api/v1/organisations/{org}/members/",
        {"role": "member"},
        MANAGE,
        201,
        None,
    ),
    (
        "patch",
        "/api/v1/organisations/{org}/members/{viewer}/",
        {"role": "member"},
        MANAGE,
        200,
        None,
    ),
    (
        "delete",
        "/api/v1/organisations/{org}/members/{viewer}/",
        None,
        MANAGE,
        204,
        None,
    ),
    ("get", "/api/v1/organisations/{org}/history/", None, READ, 200, None),
    (
        "post",
        "/api/v1/projects/",
        {"organisation": "{org}", "name": "New"},
        EDIT,
        201,
        None,
    ),
    ("get", "/api/v1/projects/{project}/", None, READ, 200, None),
    ("patch", "/api/v1/projects/{project}/", {"name": "Renamed"}, EDIT, 200, None),
    ("delete", "/api/v1/projects/{project}/", None, EDIT, 204, None),
    ("get", "/api/v1/projects/{project}/history/", None, READ, 200, None),
    ("get", "/api/v1/projects/{project}/metrics/", None, READ, 200, None),
    ("get", "/api/v1/projects/{project}/case-study/", None, READ, 200, None),
    (
        "put",
        "/api/v1/projects/{project}/case-study/",
        {"benefits": "x"},
        EDIT,
        200,
        None,
    ),
    ("get", "/api/v1/projects/{project}/deployments/", None, READ, 200, None),
    (
        "post",
        "/api/v1/projects/{project}/deployments/",
        {"deployed_at": NOW},
        EDIT,
        201,
        None,
    ),
    ("get", "/api/v1/projects/{project}/incidents/", None, READ, 200, None),
    (
        "post",
        "/api/v1/projects/{project}/incidents/",
        {"started_at": NOW},
        EDIT,
        201,
        None,
    ),
    ("get", "/api/v1/projects/{project}/maturity/", None, READ, 200, None),
    (
        "post",
        "/api/v1/projects/{project}/maturity-invitations/",
        {"count": 1},
        EDIT,
        201,
        lambda world: reference_survey(),  # links need the questionnaire
    ),
    ("post", "/api/v1/sprints/", {"project": "{idle}"}, EDIT, 201, None),
    ("get", "/api/v1/sprints/{sprint}/", None, READ, 200, None),
    (
        "patch",
        "/api/v1/sprints/{sprint}/",
        {"data": {"objective": "x"}},
        EDIT,
        200,
        None,
    ),
    ("delete", "/api/v1/sprints/{sprint}/", None, EDIT, 204, None),
    (
        "post",
        "/api/v1/sprints/{sprint}/transition/",
        {"to": "pipelines", "data": SCOPE_DATA},
        EDIT,
        200,
        None,
    ),
    ("get", "/api/v1/sprints/{sprint}/history/", None, READ, 200, None),
    (
        "put",
        "/api/v1/sprints/{sprint}/metrics/",
        {"lead_time_hours": 3},
        EDIT,
        200,
        None,
    ),
    (
        "post",
        "/api/v1/sprints/{sprint}/pipelines/",
        {"name": "train", "stage": "training"},
        EDIT,
        201,
        at_pipelines,
    ),
]
ACTORS = ["owner_a", "viewer_a", "owner_b", "researcher", "anonymous"]


def fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def expected(actor: str, needs: str, owner_status: int) -> int:
    if actor == "anonymous":
        return 401
    if actor in ("owner_b", "researcher"):
        return 404
    if actor == "viewer_a":
        return owner_status if needs == READ else 403
    return owner_status


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("method", "path", "body", "needs", "owner_status", "prepare"),
    ENDPOINTS,
    ids=[f"{e[0]} {e[1]}" for e in ENDPOINTS],
)
def test_each_endpoint_for_each_kind_of_user(
    api_client, world, actor, method, path, body, needs, owner_status, prepare
):
    if prepare:
        prepare(world)
    if actor != "anonymous":
        api_client.force_authenticate(getattr(world, actor))
    url = fill(path, world.ids)

    response = getattr(api_client, method)(url, fill(body, world.ids), format="json")

    assert response.status_code == expected(actor, needs, owner_status), (
        response.content
    )
    if response.status_code >= 400:
        text = response.content.decode()
        assert not any(name in text for name in SECRET_NAMES), text


@pytest.mark.parametrize("actor", ["owner_b", "researcher"])
@pytest.mark.parametrize(
    ("path", "hidden"),
    [
        ("/api/v1/organisations/", "org"),
        ("/api/v1/projects/", "project"),
        ("/api/v1/projects/?organisation={org}", "project"),
        ("/api/v1/sprints/", "sprint"),
        ("/api/v1/sprints/?project={project}", "sprint"),
    ],
)
def test_lists_and_filters_show_outsiders_nothing_of_a(
    api_client, world, actor, path, hidden
):
    api_client.force_authenticate(getattr(world, actor))

    response = api_client.get(fill(path, world.ids))

    assert response.status_code == 200
    assert not any(name in response.content.decode() for name in SECRET_NAMES)
    assert world.ids[hidden] not in {row["id"] for row in response.json()["results"]}
    if "?" in path:
        assert response.json()["results"] == []


@pytest.mark.parametrize("actor", ["owner_a", "viewer_a"])
def test_lists_show_members_their_organisation(api_client, world, actor):
    api_client.force_authenticate(getattr(world, actor))

    projects = api_client.get("/api/v1/projects/").json()["results"]
    sprints = api_client.get("/api/v1/sprints/").json()["results"]

    assert {p["name"] for p in projects} == {SECRET_NAMES[1], "Idle project"}
    assert [s["id"] for s in sprints] == [world.ids["sprint"]]


@pytest.mark.parametrize(
    "path", ["/api/v1/organisations/", "/api/v1/projects/", "/api/v1/sprints/"]
)
def test_lists_ask_anonymous_clients_to_authenticate(api_client, world, path):
    assert api_client.get(path).status_code == 401


def test_only_team_members_create_organisations(api_client, world):
    api_client.force_authenticate(world.researcher)

    response = api_client.post("/api/v1/organisations/", {"name": "Lab"}, format="json")

    assert response.status_code == 403


def test_staff_read_every_organisation_but_write_none(api_client, world):
    staff = UserFactory(is_staff=True)
    api_client.force_authenticate(staff)

    read = api_client.get(f"/api/v1/projects/{world.ids['project']}/history/")
    write = api_client.patch(
        f"/api/v1/projects/{world.ids['project']}/", {"name": "x"}, format="json"
    )

    assert read.status_code == 200
    assert write.status_code == 403
