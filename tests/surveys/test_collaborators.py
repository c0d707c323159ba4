"""Sharing a survey: the owner lets other researchers in as viewers or editors."""

import pytest

from surveys.models import SurveyCollaborator
from surveys.selectors import (
    survey_can_manage,
    survey_can_read_results,
    survey_can_share,
    survey_list_for_user,
    survey_role,
)
from tests.accounts.factories import UserFactory
from tests.surveys.factories import SurveyFactory

pytestmark = pytest.mark.django_db


def collaborators_url(slug: str, pk: int | None = None) -> str:
    tail = f"{pk}/" if pk is not None else ""
    return f"/api/v1/surveys/{slug}/collaborators/{tail}"


@pytest.fixture
def owner():
    return UserFactory(role="researcher")


@pytest.fixture
def survey(owner):
    return SurveyFactory(owner=owner, status="draft")


def share(api_client, survey, owner, user, role: str):
    api_client.force_authenticate(owner)
    response = api_client.post(
        collaborators_url(survey.slug), {"email": user.email, "role": role}
    )
    api_client.force_authenticate(None)
    return response


@pytest.mark.parametrize(
    "role, can_read, can_manage, can_share",
    [
        ("viewer", True, False, False),
        ("editor", True, True, False),
    ],
)
def test_a_collaborator_gets_the_rights_of_their_role(
    api_client, survey, owner, role, can_read, can_manage, can_share
):
    colleague = UserFactory(role="researcher")

    response = share(api_client, survey, owner, colleague, role)

    assert response.status_code == 201, response.content
    assert response.json()["email"] == colleague.email
    assert response.json()["role"] == role
    assert survey_role(survey=survey, user=colleague) == role
    assert survey_can_read_results(survey=survey, user=colleague) is can_read
    assert survey_can_manage(survey=survey, user=colleague) is can_manage
    assert survey_can_share(survey=survey, user=colleague) is can_share
    assert survey in survey_list_for_user(user=colleague)


def test_an_editor_may_change_the_survey_and_a_viewer_may_not(
    api_client, survey, owner
):
    editor, viewer = UserFactory(role="researcher"), UserFactory(role="researcher")
    share(api_client, survey, owner, editor, "editor")
    share(api_client, survey, owner, viewer, "viewer")

    api_client.force_authenticate(viewer)
    refused = api_client.patch(f"/api/v1/surveys/{survey.slug}/", {"status": "open"})
    api_client.force_authenticate(editor)
    opened = api_client.patch(f"/api/v1/surveys/{survey.slug}/", {"status": "open"})

    assert refused.status_code == 403
    assert opened.status_code == 200, opened.content
    assert opened.json()["status"] == "open"


def test_only_the_owner_and_staff_may_share(api_client, survey, owner):
    editor, other = UserFactory(role="researcher"), UserFactory(role="researcher")
    share(api_client, survey, owner, editor, "editor")

    api_client.force_authenticate(editor)
    by_editor = api_client.post(
        collaborators_url(survey.slug), {"email": other.email, "role": "viewer"}
    )
    listed_by_editor = api_client.get(collaborators_url(survey.slug))
    api_client.force_authenticate(UserFactory(is_staff=True))
    by_staff = api_client.post(
        collaborators_url(survey.slug), {"email": other.email, "role": "viewer"}
    )

    assert by_editor.status_code == 403
    assert listed_by_editor.status_code == 403
    assert by_staff.status_code == 201
    assert set(
        SurveyCollaborator.objects.filter(survey=survey).values_list(
            "user__email", flat=True
        )
    ) == {editor.email, other.email}


def test_a_stranger_learns_nothing_of_a_draft_and_its_collaborators(api_client, survey):
    api_client.force_authenticate(UserFactory(role="researcher"))

    assert api_client.get(collaborators_url(survey.slug)).status_code == 404


@pytest.mark.parametrize(
    "email_of, error",
    [
        ("team_member", "No researcher has this email address."),
        ("nobody", "No researcher has this email address."),
        ("owner", "The owner already has every right."),
    ],
)
def test_only_other_researchers_can_be_added(
    api_client, survey, owner, email_of, error
):
    emails = {
        "team_member": UserFactory(role="team_member").email,
        "nobody": "nobody@example.org",
        "owner": owner.email,
    }
    api_client.force_authenticate(owner)

    response = api_client.post(
        collaborators_url(survey.slug), {"email": emails[email_of], "role": "viewer"}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"email": [error]}
    assert not SurveyCollaborator.objects.exists()


def test_adding_again_changes_the_role_and_removing_takes_access_away(
    api_client, survey, owner
):
    colleague = UserFactory(role="researcher")
    share(api_client, survey, owner, colleague, "viewer")
    again = share(api_client, survey, owner, colleague, "editor")
    assert survey_role(survey=survey, user=colleague) == "editor"

    api_client.force_authenticate(owner)
    listed = api_client.get(collaborators_url(survey.slug))
    removed = api_client.delete(collaborators_url(survey.slug, again.json()["id"]))

    assert [c["role"] for c in listed.json()] == ["editor"]
    assert removed.status_code == 204
    assert survey_role(survey=survey, user=colleague) is None
    assert survey not in survey_list_for_user(user=colleague)


def test_a_collaborator_who_stops_being_a_researcher_loses_access(
    api_client, survey, owner
):
    colleague = UserFactory(role="researcher")
    share(api_client, survey, owner, colleague, "editor")

    colleague.role = "team_member"
    colleague.save()

    assert survey_role(survey=survey, user=colleague) is None
