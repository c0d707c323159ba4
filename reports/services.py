"""Every write of stored results."""

from __future__ import annotations

import logging

from django.db import transaction

from reports.models import ResponseProfile
from reports.profiles import profile_build
from reports.selectors import rules_for_version_id
from surveys.models import Response
from surveys.selectors import sheet_for_version_id

logger = logging.getLogger(__name__)


@transaction.atomic
def profile_compute(*, response: Response) -> ResponseProfile | None:
    """Compute and store a submitted response's profile; safe to repeat.

    A draft or voided response gets no profile (a stale one is removed).
    """
    if response.status != Response.Status.SUBMITTED or response.voided_at is not None:
        ResponseProfile.objects.filter(response=response).delete()
        return None
    definition = sheet_for_version_id(response.version_id).definition
    rules = rules_for_version_id(response.version_id)
    profile, descriptive = profile_build(definition, rules, response.answers)
    scores = profile.to_dict() if profile is not None else {}
    stored, _created = ResponseProfile.objects.update_or_create(
        response=response,
        defaults={
            "version_id": response.version_id,
            "scoring_version": scores.get("scoring_version"),
            "overall_level": scores.get("overall_level"),
            "breadth": scores.get("breadth"),
            "bottleneck": scores.get("bottleneck") or "",
            "dimensions": scores.get("dimensions", []),
            "flagged": scores.get("flagged", []),
            "descriptive": descriptive,
        },
    )
    return stored
