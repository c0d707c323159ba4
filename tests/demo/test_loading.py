from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from demo.loading import (
    DEFAULT_DEMO_PASSWORD,
    DEMO_USERS,
    demo_load,
    reference_survey_load,
)
from demo.teams import TEAM_ANSWERS
from surveys.models import Survey

pytestmark = pytest.mark.django_db

DEMO_EMAILS = [spec["email"] for spec in DEMO_USERS]


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_is_idempotent(settings):
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = True
    settings.DEMO_PASSWORD = ""
    _load()
    first = {user.email: user.password for user in User.objects.all()}
    output = _load()

    assert User.objects.count() == 3
    assert sorted(User.objects.values_list("email", flat=True)) == sorted(DEMO_EMAILS)
    # The second run leaves the stored password hashes alone.
    assert {user.email: user.password for user in User.objects.all()} == first
    assert DEFAULT_DEMO_PASSWORD in output
    for user in User.objects.all():
        assert user.check_password(DEFAULT_DEMO_PASSWORD), user.email


def test_demo_roles(settings):
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = True
    _load()
    admin = User.objects.get(email="admin@example.org")
    researcher = User.objects.get(email="researcher@example.org")
    team = User.objects.get(email="team@example.org")

    assert admin.is_staff and admin.is_superuser
    assert researcher.role == User.Role.RESEARCHER
    assert researcher.is_researcher
    assert not (researcher.is_staff or researcher.is_superuser)
    assert team.role == User.Role.TEAM_MEMBER
    assert team.is_team_member
    assert not team.is_researcher
    assert not (team.is_staff or team.is_superuser)


def test_demo_password_gets_an_api_token(settings, api_client):
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = True
    settings.DEMO_PASSWORD = ""
    _load()
    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": "researcher@example.org", "password": DEFAULT_DEMO_PASSWORD},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["token"]


def test_load_demo_refuses_the_published_password_outside_local_settings(settings):
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = False
    settings.DEMO_PASSWORD = ""
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        _load()
    assert not User.objects.filter(email__in=DEMO_EMAILS).exists()


def test_demo_password_setting_changes_the_password(settings):
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = True
    settings.DEMO_PASSWORD = ""
    _load()

    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = False
    settings.DEMO_PASSWORD = "a-private-demo-pass-42"
    output = _load()

    assert "a-private-demo-pass-42" in output
    assert User.objects.count() == 3
    for user in User.objects.all():
        assert user.check_password("a-private-demo-pass-42"), user.email
        assert not user.check_password(DEFAULT_DEMO_PASSWORD), user.email


def test_the_demo_researcher_owns_the_reference_survey_with_its_results(
    settings, client, api_client
):
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = True
    settings.DEMO_RESPONSES = 12
    output = _load()
    researcher = User.objects.get(email="researcher@example.org")
    survey = Survey.objects.get(slug="mlops-practices")

    assert "owned by researcher@example.org, results public" in output
    assert survey.owner == researcher
    assert survey.results_are_public
    client.force_login(researcher)
    assert (
        "/manage/surveys/mlops-practices/"
        in client.get("/manage/surveys/").content.decode()
    )
    api_client.force_authenticate(researcher)
    full = api_client.get("/api/v1/surveys/mlops-practices/aggregates/")
    assert full.status_code == 200, full.json()
    assert full.json()["scope"] == "full"
    # The synthetic responses, and the demo team's own answers.
    assert full.json()["n"] == 12 + TEAM_ANSWERS
    results = Client().get("/surveys/mlops-practices/results/")
    assert results.status_code == 200
    assert f"<dt>Responses</dt><dd>{12 + TEAM_ANSWERS}</dd>" in results.content.decode()


def test_a_survey_an_older_demo_gave_the_admin_is_handed_to_the_researcher(settings):
    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = True
    settings.DEMO_RESPONSES = 0
    admin = demo_load()[0]
    reference_survey_load(actor=admin)  # as the demo loader used to

    _load()

    survey = Survey.objects.get(slug="mlops-practices")
    assert survey.owner.email == "researcher@example.org"
    assert survey.versions.count() == 1
    assert survey.public_results


def test_the_demo_team_member_gets_an_organisation_with_history(settings):
    from assessments.models import Organisation, Sprint
    from assessments.selectors import project_history, project_maturity, project_metrics

    settings.DEMO_PUBLISHED_PASSWORD_ALLOWED = True
    settings.DEMO_RESPONSES = 0
    _load()
    _load()  # idempotent: nothing added the second time

    team = User.objects.get(email="team@example.org")
    (organisation,) = Organisation.objects.filter(memberships__user=team)
    assert organisation.memberships.get(user=team).role == "owner"
    churn, fraud = organisation.projects.order_by("name")
    # Churn: sprint 1 went back from verification to pipelines, then needed
    # maintenance; sprint 2 is open at step 1 for the newcomer.
    first, second = churn.sprints.order_by("number")
    states = list(
        Sprint.history.filter(id=first.pk)
        .order_by("history_date", "history_id")
        .values_list("state", flat=True)
    )
    assert "verification" in states
    back = states.index("verification")
    assert states[back + 1] == "pipelines"
    assert (first.state, first.needs_maintenance) == ("completed", True)
    assert (second.state, second.previous_id) == ("scope", first.pk)
    assert second.opened_for == "performance_degradation"
    assert [s.state for s in fraud.sprints.all()] == ["completed"]
    # Metrics, member profiles and a timeline to look at.
    rows = project_metrics(project=churn)["sprints"]
    assert rows[0]["metrics"]["deployments_per_week"]["source"] == "entered"
    assert rows[1]["metrics"]["lead_time_hours"]["source"] == "derived"
    maturity = project_maturity(project=churn)
    assert [s.sprint_number for s in maturity.snapshots] == [None, 1, 2]
    assert maturity.first.n == 3
    assert len(project_history(project=churn)) > 10
    assert churn.case_study.benefits
