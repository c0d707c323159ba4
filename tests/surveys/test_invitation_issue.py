"""Invitations issued for a public survey (an organisation inviting its members):
``surveys.services.invitation_issue`` and the link a valid token makes."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import Conflict
from surveys.models import Response, Survey
from surveys.services import invitation_issue, response_start, response_submit
from tests.accounts.factories import UserFactory
from tests.surveys.factories import SurveyFactory
from tests.surveys.sample_definition import COMPLETE_ANSWERS

pytestmark = pytest.mark.django_db


def test_anyone_may_be_given_a_link_to_a_public_survey():
    survey = SurveyFactory()
    team_member = UserFactory(role="team_member")

    invitation, token = invitation_issue(
        survey=survey, created_by=team_member, label="project 3"
    )

    assert invitation.survey == survey
    assert invitation.created_by == team_member
    assert invitation.token_hash != token  # only the hash is stored
    assert len(token) == 64


def test_no_link_to_an_invitation_only_survey_is_issued_this_way():
    survey = SurveyFactory(access=Survey.Access.INVITATION)

    with pytest.raises(PermissionDenied):
        invitation_issue(survey=survey, created_by=UserFactory())

    assert survey.invitations.count() == 0


def test_a_valid_link_to_a_public_survey_ties_the_response_to_it():
    survey = SurveyFactory()
    invitation, token = invitation_issue(survey=survey, created_by=UserFactory())

    response, created = response_start(survey=survey, invitation_token=token)

    assert created is True
    assert response.invitation == invitation
    # The same link resumes the same draft rather than starting another.
    again, created_again = response_start(survey=survey, invitation_token=token)
    assert (again.pk, created_again) == (response.pk, False)


def test_a_used_link_to_a_public_survey_cannot_answer_twice():
    survey = SurveyFactory()
    _invitation, token = invitation_issue(survey=survey, created_by=UserFactory())
    first, _ = response_start(survey=survey, invitation_token=token)
    response_submit(response=first, answers=COMPLETE_ANSWERS)

    with pytest.raises(Conflict):
        response_start(survey=survey, invitation_token=token)

    assert Response.objects.filter(survey=survey).count() == 1


def test_an_expired_link_to_a_public_survey_answers_without_the_tie():
    survey = SurveyFactory()
    _invitation, token = invitation_issue(
        survey=survey,
        created_by=UserFactory(),
        expires_at=timezone.now() + dt.timedelta(minutes=1),
    )
    survey.invitations.update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    response, created = response_start(survey=survey, invitation_token=token)

    assert created is True
    assert response.invitation is None
