"""Reads of stored results."""

from __future__ import annotations

from reports.models import ResponseProfile
from reports.scoring import ScoringRules
from surveys.models import Response
from surveys.selectors import sheet_for_version_id

_RULES: dict[int, ScoringRules | None] = {}


def rules_for_version_id(version_id: int) -> ScoringRules | None:
    """The version's scoring rules, parsed once per process (versions never change)."""
    if version_id not in _RULES:
        scoring = sheet_for_version_id(version_id).definition.scoring
        if len(_RULES) > 256:
            _RULES.clear()
        _RULES[version_id] = ScoringRules.from_dict(scoring) if scoring else None
    return _RULES[version_id]


def profile_get(*, response: Response) -> ResponseProfile | None:
    return ResponseProfile.objects.filter(response=response).first()
