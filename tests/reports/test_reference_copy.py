"""The reference questionnaire the tests get (a copy of one publication per run)
is the one the service publishes."""

import pytest
from django.db import transaction
from django.utils import timezone

from demo.loading import reference_survey_load
from surveys.models import Page, Question, Survey, SurveyVersion
from tests.accounts.factories import UserFactory
from tests.reports.profile_helpers import SLUG, is_timestamp, reference_survey

pytestmark = pytest.mark.django_db


def fields(model) -> list[str]:
    """Every column but ids among the publication's rows and timestamps."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key
        and field.related_model not in {Survey, SurveyVersion, Page}
        and not is_timestamp(field)
    ]


def published(survey: Survey) -> dict:
    """Everything a publication wrote for the survey, without ids or timestamps."""
    versions = SurveyVersion.objects.filter(survey=survey)
    return {
        "survey": Survey.objects.filter(pk=survey.pk).values(*fields(Survey)).get(),
        "versions": list(versions.values(*fields(SurveyVersion))),
        "pages": list(
            Page.objects.filter(version__in=versions)
            .order_by("position")
            .values(*fields(Page))
        ),
        "questions": list(
            Question.objects.filter(version__in=versions)
            .order_by("position")
            .values("page__code", *fields(Question))
        ),
    }


def test_the_copy_is_what_the_service_publishes():
    owner = UserFactory(role="researcher")
    with transaction.atomic():
        by_service = published(reference_survey_load(actor=owner).survey)
        transaction.set_rollback(True)

    started = timezone.now()
    copy = reference_survey(owner)

    assert published(copy) == by_service
    assert len(by_service["questions"]) == 95
    version = copy.current_version
    assert min(copy.created_at, copy.updated_at, version.published_at) >= started


def test_each_copy_has_new_ids_and_its_own_staff_owner():
    with transaction.atomic():
        first = reference_survey()
        first_ids = (first.pk, first.current_version_id, first.owner_id)
        transaction.set_rollback(True)

    second = reference_survey()

    assert second.owner.is_staff
    assert second.current_version.published_by_id == second.owner_id
    assert (second.pk, second.current_version_id, second.owner_id) != first_ids
    assert second.status == Survey.Status.OPEN


def test_a_second_call_publishes_over_the_survey_already_there():
    first = reference_survey()

    again = reference_survey()

    assert again.pk == first.pk
    assert Survey.objects.filter(slug=SLUG).count() == 1
    assert again.current_version_id == first.current_version_id
