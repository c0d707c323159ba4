"""A project's maturity over time from its members' answers, and what the scope
step is pre-filled with."""

import pytest
from django.core.exceptions import ValidationError

from assessments.selectors import project_maturity, scope_suggestion
from assessments.services import maturity_invite, sprint_transition
from core.errors import Conflict
from surveys.services import response_start
from tests.accounts.factories import UserFactory
from tests.assessments.factories import (
    MONITORING_DATA,
    PIPELINE_DATA,
    SCOPE_DATA,
    VERIFICATION_DATA,
)
from tests.reports.profile_helpers import (
    reference_answers,
    reference_definition,
    reference_survey,
)

pytestmark = pytest.mark.django_db

ALL_PRESENT = ["present"] * 4
BASE = {f"D{d}": ALL_PRESENT for d in range(1, 9)}


def answer(token: str, maturity: dict, seed: int = 1):
    survey = reference_survey_row()
    answers = reference_answers(
        reference_definition(), maturity={**BASE, **maturity}, seed=seed
    )
    response, _created = response_start(
        survey=survey, invitation_token=token, answers=answers, submit=True
    )
    return response


def reference_survey_row():
    from reports.cohort import reference_survey as stored

    return stored()


@pytest.fixture
def questionnaire(db):
    return reference_survey()


def test_the_projects_profile_is_the_median_of_its_members(
    questionnaire, project, sprint, team_member
):
    links = maturity_invite(project=project, actor=team_member, count=3)
    # D6: two say item 2 is absent, one present; item 1 is present for all.
    answer(links[0][1], {"D6": ["present", "absent", "absent", "absent"]})
    answer(links[1][1], {"D6": ["present", "absent", "absent", "absent"]}, seed=2)
    answer(links[2][1], {"D6": ["present", "present", "partial", "absent"]}, seed=3)

    maturity = project_maturity(project=project)

    (snapshot,) = maturity.snapshots
    assert (snapshot.sprint_id, snapshot.n) == (sprint.pk, 3)
    profile = snapshot.profile
    assert profile.item_values["d6_2"] == 0.0
    assert profile.bottleneck == "D6"
    assert profile.overall_level == 1.0
    assert "d6_2" in profile.alignment_gaps  # absent and present both given
    assert "d6_1" not in profile.alignment_gaps


def test_each_sprint_has_its_own_snapshot_oldest_first(
    questionnaire, project, sprint, team_member
):
    (first_link,) = maturity_invite(project=project, actor=team_member, count=1)
    answer(first_link[1], {"D6": ["present", "absent", "absent", "absent"]})
    for to, data in [
        ("pipelines", SCOPE_DATA),
        ("verification", PIPELINE_DATA),
        ("monitoring", VERIFICATION_DATA),
        ("maintenance_decision", MONITORING_DATA),
        ("scope", {"maintenance_reason": "retraining"}),
    ]:
        sprint = sprint_transition(sprint=sprint, actor=team_member, to=to, data=data)
    (second_link,) = maturity_invite(project=project, actor=team_member, count=1)
    answer(second_link[1], {"D6": ["present", "present", "absent", "absent"]})

    maturity = project_maturity(project=project)

    assert [s.sprint_number for s in maturity.snapshots] == [1, 2]
    assert maturity.first.profile.overall_level == 1.0
    assert maturity.latest.profile.overall_level == 2.0


def test_scope_is_prefilled_from_the_latest_bottleneck(
    questionnaire, project, sprint, team_member
):
    (link,) = maturity_invite(project=project, actor=team_member, count=1)
    answer(link[1], {"D6": ["present", "partial", "absent", "present"]})

    suggestion = scope_suggestion(maturity=project_maturity(project=project))

    assert suggestion["dimension"] == "D6"
    assert suggestion["stages"] == ["monitoring"]
    assert [(i["code"], i["state"]) for i in suggestion["items"]] == [
        ("d6_2", "partial"),
        ("d6_3", "absent"),
    ]
    assert "Drift" in suggestion["items"][1]["text"]
    # The catalogue's tools rated Present on monitoring.
    assert {t["code"] for t in suggestion["tools"]} == {
        "watson_ml",
        "sagemaker",
        "azure_ml",
    }


def test_no_answers_no_snapshot_and_no_suggestion(questionnaire, project):
    maturity = project_maturity(project=project)

    assert maturity.snapshots == []
    assert scope_suggestion(maturity=maturity) is None


def test_links_need_an_open_questionnaire_and_a_sensible_count(project, team_member):
    with pytest.raises(Conflict):
        maturity_invite(project=project, actor=team_member, count=1)

    reference_survey()
    with pytest.raises(ValidationError):
        maturity_invite(project=project, actor=team_member, count=0)
    links = maturity_invite(project=project, actor=team_member, members=[UserFactory()])
    assert len(links) == 1
    assert links[0][0].sprint is None  # no sprint yet: the baseline
