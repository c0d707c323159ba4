"""A project's maturity over time, from its members' questionnaire responses.

Each sprint's snapshot scores the responses given through that sprint's
invitations with the organisation rule (``reports.scoring.score_organisation``:
the median per item, alignment gaps where members disagree the most).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from assessments.flowchart import LIFECYCLE_STAGES
from assessments.models import Project, Sprint
from reports.catalogue import tools_covering
from reports.cohort import cohort_cells, cohort_levels, reference_survey
from reports.profiles import DIMENSION_CRITERIA
from reports.scoring import OrgProfile, score_organisation
from reports.selectors import rules_for_version_id
from surveys.definition import Definition
from surveys.models import Response
from surveys.scoring_rules import ScoringRules, text_in
from surveys.selectors import sheet_for_version_id


@dataclass
class Snapshot:
    sprint_id: int | None
    sprint_number: int | None
    n: int
    profile: OrgProfile


@dataclass
class ProjectMaturity:
    rules: ScoringRules | None
    definition: Definition | None
    snapshots: list[Snapshot] = field(default_factory=list)
    cohort: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def first(self) -> Snapshot | None:
        return self.snapshots[0] if self.snapshots else None

    @property
    def latest(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None


def project_responses(*, project: Project):
    """The submitted, counted responses given through the project's invitations."""
    return Response.objects.filter(
        invitation__maturity_link__project=project,
        status=Response.Status.SUBMITTED,
        voided_at__isnull=True,
    )


def maturity_rules() -> ScoringRules | None:
    """The scoring rules of the reference questionnaire's current version."""
    survey = reference_survey()
    if survey is None or survey.current_version_id is None:
        return None
    return rules_for_version_id(survey.current_version_id)


def project_maturity(*, project: Project, staff: bool = False) -> ProjectMaturity:
    """Snapshots per sprint (oldest first) and the cohort's medians to compare with."""
    rows = list(
        project_responses(project=project)
        .order_by("submitted_at")
        .values("answers", "version_id", "invitation__maturity_link__sprint_id")
    )
    survey = reference_survey()
    version_id = (
        rows[-1]["version_id"] if rows else getattr(survey, "current_version_id", None)
    )
    if version_id is None:
        return ProjectMaturity(rules=None, definition=None)
    rules = rules_for_version_id(version_id)
    definition = sheet_for_version_id(version_id).definition
    maturity = ProjectMaturity(rules=rules, definition=definition)
    if rules is None:
        return maturity
    by_sprint: dict[int | None, list[dict]] = defaultdict(list)
    for row in rows:
        by_sprint[row["invitation__maturity_link__sprint_id"]].append(row["answers"])
    numbers = dict(
        Sprint.objects.filter(pk__in=[k for k in by_sprint if k]).values_list(
            "pk", "number"
        )
    )
    # Responses given before any sprint are the baseline.
    order = sorted(by_sprint, key=lambda k: -1 if k is None else numbers.get(k, 0))
    for sprint_id in order:
        answers = by_sprint[sprint_id]
        maturity.snapshots.append(
            Snapshot(
                sprint_id=sprint_id,
                sprint_number=numbers.get(sprint_id),
                n=len(answers),
                profile=score_organisation(rules, answers),
            )
        )
    maturity.cohort = cohort_levels(cohort_cells(survey=survey, staff=staff))
    return maturity


def scope_suggestion(
    *, maturity: ProjectMaturity, language: str = "en"
) -> dict[str, Any] | None:
    """What step 1 is pre-filled with: the latest profile's bottleneck dimension,
    its lifecycle stages, its items not yet Present, and the catalogue's tools
    that fully cover it. None before the first snapshot."""
    latest, rules, definition = maturity.latest, maturity.rules, maturity.definition
    if latest is None or rules is None or latest.profile.bottleneck is None:
        return None
    code = latest.profile.bottleneck
    dimension = next(d for d in rules.dimensions if d.code == code)
    items = []
    for item in dimension.items:
        value = latest.profile.item_values.get(item)
        if value is None or value >= rules.points[rules.present]:
            continue
        question = definition.questions.get(item) if definition else None
        items.append(
            {
                "code": item,
                "text": text_in(question.text, language) if question else item,
                "value": value,
                "state": "partial"
                if value >= rules.points[rules.partial]
                else "absent",
            }
        )
    return {
        "dimension": code,
        "title": text_in(dimension.title, language),
        # The rules' stages that are lifecycle stages a sprint can target.
        "stages": [s for s in dimension.stages if s in LIFECYCLE_STAGES],
        "items": items,
        "tools": [
            {"code": t.code, "name": t.name}
            for t in tools_covering(DIMENSION_CRITERIA.get(code, ()))
        ],
    }
