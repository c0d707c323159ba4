"""Which responses count (``Response.objects.counted()``), and every reader agrees.

A version's results count its submitted responses that are not voided: never a
draft, a voided response or a response to another version. Each reader below
is given a survey whose current version has two counted responses, a draft
and a voided one, and whose older version has one counted response; it must
count exactly the counted ones in its scope (one version, or the survey).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from reports.models import ResponseProfile
from reports.selectors import (
    aggregates_compute,
    profiles_needed_by_version,
    responses_needing_profile,
    version_watermark,
)
from reports.services import (
    profile_compute,
    profiles_fill,
    profiles_prune,
    profiles_recompute,
    profiles_store_for,
)
from surveys.manage_views import survey_list_managed
from surveys.models import Response, Survey
from surveys.selectors import survey_submitted_count
from tests.surveys.factories import ResponseFactory, SurveyFactory, SurveyVersionFactory

pytestmark = pytest.mark.django_db


@dataclass
class Responses:
    survey: Survey
    version_id: int  # the current version's
    all: list[Response]

    def profile_every_one(self) -> None:
        """Give each response a profile row, as if left from before a change."""
        ResponseProfile.objects.bulk_create(
            ResponseProfile(response=response, version_id=response.version_id)
            for response in self.all
        )


@pytest.fixture
def responses(staff_user) -> Responses:
    survey = SurveyFactory()
    older = ResponseFactory(survey=survey, submitted=True)
    SurveyVersionFactory(survey=survey)  # the current version from now on
    survey.refresh_from_db()
    return Responses(
        survey=survey,
        version_id=survey.current_version_id,
        all=[
            older,
            *ResponseFactory.create_batch(2, survey=survey, submitted=True),
            ResponseFactory(survey=survey),
            ResponseFactory(survey=survey, voided=True),
        ],
    )


def _aggregated(r: Responses) -> int:
    r.profile_every_one()
    return aggregates_compute(version_id=r.version_id)[""][0]


def _left_after_pruning(r: Responses) -> int:
    r.profile_every_one()
    profiles_prune()
    return ResponseProfile.objects.count()


def _computed_one_by_one(r: Responses) -> int:
    return sum(profile_compute(response=response) is not None for response in r.all)


# Each reader: how many responses it counts, and how many it should (the two
# counted responses of the version, or the three of the whole survey).
READERS: dict[str, tuple[Callable[[Responses], int], int]] = {
    "the queryset": (
        lambda r: Response.objects.counted(version_id=r.version_id).count(),
        2,
    ),
    "the survey's submitted count": (
        lambda r: survey_submitted_count(survey=r.survey),
        3,
    ),
    "the researcher's survey list": (
        lambda r: (
            survey_list_managed(user=r.survey.owner).get(pk=r.survey.pk).submitted
        ),
        3,
    ),
    "the responses needing a profile": (
        lambda r: responses_needing_profile(version_id=r.version_id).count(),
        2,
    ),
    "the reconciliation's missing profiles": (
        lambda r: profiles_needed_by_version().get(r.version_id, 0),
        2,
    ),
    "the aggregates' watermark": (
        lambda r: version_watermark(version_id=r.version_id)[0],
        2,
    ),
    "the aggregates' SQL extraction": (_aggregated, 2),
    "one profile at a time": (_computed_one_by_one, 3),
    "a batch of pending profiles": (
        lambda r: sum(
            profiles_store_for(
                response_ids=[str(x.pk) for x in r.all], version_id=version_id
            )
            for version_id in {x.version_id for x in r.all}
        ),
        3,
    ),
    "the full recompute (COPY and numpy)": (lambda r: profiles_recompute(), 3),
    "the fill of a version's profiles": (
        lambda r: profiles_fill(version=r.survey.current_version),
        2,
    ),
    "the pruning of profiles": (_left_after_pruning, 3),
}


@pytest.mark.parametrize("reader", READERS)
def test_drafts_voided_responses_and_other_versions_are_left_out(responses, reader):
    count, expected = READERS[reader]

    assert count(responses) == expected
