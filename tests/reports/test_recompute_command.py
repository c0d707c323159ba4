"""manage.py recompute_profiles [--survey SLUG]: every profile, then every
aggregate snapshot, with a progress bar; idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from reports.models import CohortAggregate, ResponseProfile
from reports.public import ACTIVITY, PUBLIC_RELEASE
from reports.selectors import plan_for_version_id
from surveys.models import Response
from tests.reports.test_aggregates_services import (
    assert_same,
    reference_survey,
    stored,
    submit_many,
)
from tests.surveys.factories import ResponseFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("recompute_profiles", *args, stdout=out)
    return out.getvalue()


def test_recomputes_every_profile_then_every_aggregate_with_progress(researcher):
    survey = reference_survey()
    other = SurveyFactory(owner=researcher)
    responses = submit_many(survey, 4)
    ResponseFactory(survey=other, submitted=True)

    out = run()

    assert "profiles 0/5 [" in out
    assert "profiles 5/5 [##############################] 100%" in out
    assert "aggregates 2/2 [" in out
    assert "Recomputed 5 profiles and" in out
    assert ResponseProfile.objects.count() == 5
    segments = len(plan_for_version_id(survey.current_version_id).segments)
    assert CohortAggregate.objects.filter(version=survey.current_version).exclude(
        segment__in=[PUBLIC_RELEASE, ACTIVITY]
    ).count() == (segments)
    snapshot = CohortAggregate.objects.get(version=survey.current_version, segment="")
    assert snapshot.n == len(responses)
    assert CohortAggregate.objects.filter(version=other.current_version).exists()


def test_running_it_again_changes_nothing():
    survey = reference_survey()
    submit_many(survey, 3)
    run()
    profiles = {
        p.response_id: (p.overall_level, p.dimensions, p.descriptive)
        for p in ResponseProfile.objects.all()
    }
    snapshots = stored(survey.current_version_id)

    run()

    assert {
        p.response_id: (p.overall_level, p.dimensions, p.descriptive)
        for p in ResponseProfile.objects.all()
    } == profiles
    assert_same(stored(survey.current_version_id), snapshots)


def test_one_survey_only(researcher):
    survey = reference_survey()
    other = SurveyFactory(owner=researcher)
    submit_many(survey, 2)
    ResponseFactory(survey=other, submitted=True)

    out = run("--survey", survey.slug)

    assert "profiles 2/2" in out
    assert ResponseProfile.objects.count() == 2
    assert not CohortAggregate.objects.filter(version=other.current_version).exists()


def test_voided_responses_lose_their_profile_and_leave_the_aggregates():
    survey = reference_survey()
    responses = submit_many(survey, 3)
    run()
    Response.objects.filter(pk=responses[0].pk).update(voided_at=timezone.now())

    run("--survey", survey.slug)

    assert not ResponseProfile.objects.filter(response=responses[0]).exists()
    snapshot = CohortAggregate.objects.get(version=survey.current_version, segment="")
    assert snapshot.n == 2


def test_an_unknown_survey_is_an_error():
    with pytest.raises(CommandError, match='No survey "nope"'):
        run("--survey", "nope")
