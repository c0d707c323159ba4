"""The assessment pages, as a member uses them (server-rendered, no script)."""

import re

import pytest
from django.urls import reverse

from assessments.models import Sprint
from assessments.services import maturity_invite
from surveys.services import response_start
from tests.assessments.factories import MembershipFactory
from tests.reports.profile_helpers import (
    reference_answers,
    reference_definition,
    reference_survey,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(client, team_member):
    client.force_login(team_member)
    return client


def sprint_url(sprint) -> str:
    return reverse("assessments:sprint", args=[sprint.pk])


def move(client, sprint, to: str, **fields):
    return client.post(
        sprint_url(sprint),
        {"action": f"to:{to}", "expected_state": sprint.state, **fields},
        follow=True,
    )


def test_a_team_member_creates_an_organisation_from_the_dashboard(member_client):
    response = member_client.post(
        reverse("assessments:dashboard"), {"name": "Acme ML"}, follow=True
    )

    assert response.status_code == 200
    assert "<h1>Acme ML</h1>" in response.content.decode()


def test_the_home_page_offers_the_member_their_organisation(
    member_client, organisation
):
    html = member_client.get("/").content.decode()

    assert reverse("assessments:organisation", args=[organisation.pk]) in html
    assert organisation.name in html


def test_a_sprint_walks_the_flowchart_through_the_pages(member_client, project):
    response = member_client.post(
        reverse("assessments:project", args=[project.pk]),
        {"start_sprint": "1"},
        follow=True,
    )
    sprint = Sprint.objects.get(project=project)
    html = response.content.decode()
    assert 'aria-current="step"' in html
    assert "Step 1 of 5" in html

    # Missing data: the page names the fields, the sprint stays.
    response = move(member_client, sprint, "pipelines", objective="Faster retraining")
    html = response.content.decode()
    assert "could not move on" in html
    assert "How it will be solved" in html
    sprint.refresh_from_db()
    assert sprint.state == "scope"

    move(
        member_client,
        sprint,
        "pipelines",
        objective="Faster retraining",
        approach="A training pipeline",
        delivery="Scheduled runs",
        target_dimensions=["D3"],
        target_stages=["training"],
    )
    sprint.refresh_from_db()
    assert sprint.state == "pipelines"
    member_client.post(
        sprint_url(sprint),
        {
            "action": "add_pipeline",
            "name": "train",
            "stage": "training",
            "tools": ["mlflow"],
        },
    )
    move(member_client, sprint, "verification")
    sprint.refresh_from_db()
    move(
        member_client,
        sprint,
        "monitoring",
        evidence="Five runs",
        metric_name="hours to retrain",
        metric_before="40",
        metric_after="2",
        result="resolved",
    )
    sprint.refresh_from_db()
    move(
        member_client,
        sprint,
        "maintenance_decision",
        monitored=["drift"],
        cicd="GitHub Actions",
    )
    sprint.refresh_from_db()
    response = move(member_client, sprint, "scope", maintenance_reason="retraining")

    sprint.refresh_from_db()
    following = Sprint.objects.get(previous=sprint)
    assert (sprint.state, following.state) == ("completed", "scope")
    assert response.redirect_chain[-1][0] == sprint_url(following)
    assert "Opened because the previous sprint needed maintenance: Retraining" in (
        response.content.decode()
    )


def test_a_stale_form_gets_a_message_not_a_second_move(member_client, sprint):
    data = {
        "objective": "o",
        "approach": "a",
        "delivery": "d",
        "target_dimensions": ["D3"],
        "target_stages": ["training"],
    }
    move(member_client, sprint, "pipelines", **data)

    response = move(member_client, sprint, "pipelines", **data)  # sprint.state is stale

    assert "moved to pipelines meanwhile" in response.content.decode()
    assert Sprint.history.filter(id=sprint.pk, state="pipelines").count() == 1


def test_a_viewer_reads_but_cannot_move(client, organisation, sprint):
    viewer = MembershipFactory(organisation=organisation, role="viewer").user
    client.force_login(viewer)

    page = client.get(sprint_url(sprint))
    refused = move(client, sprint, "pipelines")

    assert page.status_code == 200
    assert "you can read this sprint" in page.content.decode().lower()
    assert 'name="action"' not in page.content.decode()
    assert refused.status_code == 403


def test_another_organisations_pages_are_not_found(
    client, sprint, project, organisation
):
    outsider = MembershipFactory().user
    client.force_login(outsider)

    writable = [
        reverse("assessments:organisation", args=[organisation.pk]),
        reverse("assessments:project", args=[project.pk]),
        reverse("assessments:sprint", args=[sprint.pk]),
        reverse("assessments:case_study_edit", args=[project.pk]),
    ]
    readable = [
        reverse("assessments:timeline", args=[project.pk]),
        reverse("assessments:case_study", args=[project.pk]),
    ]
    for url in writable + readable:
        assert client.get(url).status_code == 404, url
    for url in writable:
        assert client.post(url, {"start_sprint": "1"}).status_code == 404, url
    assert not Sprint.objects.exclude(pk=sprint.pk).exists()


def test_pages_ask_anonymous_visitors_to_sign_in(client, sprint):
    response = client.get(sprint_url(sprint))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_project_page_charts_maturity_and_delivery(
    member_client, project, sprint, team_member
):
    reference_survey()
    for seed, (link, token) in enumerate(
        maturity_invite(project=project, actor=team_member, count=2)
    ):
        answers = reference_answers(reference_definition(), seed=seed)
        response_start(
            survey=link.invitation.survey,
            invitation_token=token,
            answers=answers,
            submit=True,
        )

    html = member_client.get(
        reverse("assessments:project", args=[project.pk])
    ).content.decode()

    assert 'class="radar"' in html
    assert 'class="line-chart"' in html
    assert "from 2 members" in html
    assert "Level per dimension" in html  # the table beside the chart
    assert re.search(r'<svg class="flowchart"[^>]*role="img"', html)

    portuguese = member_client.get(
        reverse("assessments:project", args=[project.pk]),
        HTTP_ACCEPT_LANGUAGE="pt-br",
    ).content.decode()
    # Numbers people read (levels, tick labels, text alternatives) have a
    # decimal comma; SVG coordinates keep their dots.
    text = re.sub(r"<[^>]*>", " ", portuguese)
    assert not re.search(r"\d\.\d", text), re.findall(r".{30}\d\.\d.{10}", text)
    assert re.search(r"\d,\d", text)
    assert "Fim da sprint" in portuguese


def test_the_case_study_is_edited_and_shown_on_one_page(member_client, project):
    url = reverse("assessments:case_study_edit", args=[project.pk])
    response = member_client.post(
        url,
        {
            "automated_stages": ["training", "deployment"],
            "tools": ["mlflow", "github_actions"],
            "benefits": "Releases went from monthly sprints to one day.",
        },
        follow=True,
    )

    html = response.content.decode()
    assert "4. The benefits perceived" in html
    assert "Releases went from monthly sprints to one day." in html
    assert "MLflow, GitHub Actions" in html


def test_the_timeline_lists_changes_newest_first(member_client, project, sprint):
    html = member_client.get(
        reverse("assessments:timeline", args=[project.pk])
    ).content.decode()

    history = html[html.index('<ol class="history">') :]
    assert history.index("Sprint 1") < history.index("Churn")


def test_an_invitation_link_joins_the_organisation(client, organisation, team_member):
    from assessments.services import member_invite

    _invitation, token = member_invite(organisation=organisation, actor=team_member)
    newcomer = MembershipFactory().user
    client.force_login(newcomer)

    response = client.post(
        reverse("assessments:invitation_accept", args=[token]), follow=True
    )

    assert response.status_code == 200
    assert organisation.memberships.filter(user=newcomer).exists()


def test_the_tool_catalogue_page_filters(client):
    html = client.get(
        "/tools/", {"present": "monitoring", "open_source": "no"}
    ).content.decode()

    assert "Amazon SageMaker AI" in html
    assert "MLflow" not in html
    assert "3 tools" in html
