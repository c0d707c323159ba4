"""Sprints through the flowchart, their pipelines and metrics: every write.

A move locks the sprint's row first: of two members moving the same sprint
at once, the second waits, then finds the sprint already moved and gets a 409
(nothing of its request is written).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments import benchmarks, flowchart
from assessments.models import Pipeline, Project, Sprint, SprintMetrics
from assessments.selectors.maturity import maturity_rules
from assessments.services.projects import check_tools
from core.errors import Conflict
from core.history import delete_recorded, record_change, save_recorded

# The fields each step fills in, by the state the sprint is in.
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    flowchart.SCOPE: (
        "objective",
        "approach",
        "delivery",
        "target_dimensions",
        "target_stages",
        "target_items",
    ),
    flowchart.PIPELINES: ("pipelines",),
    flowchart.VERIFICATION: (
        "evidence",
        "metric_name",
        "metric_before",
        "metric_after",
        "result",
    ),
    flowchart.MONITORING: ("monitored", "cicd"),
    flowchart.DECISION: ("maintenance_reason",),
    flowchart.COMPLETED: (),
}
PIPELINE_FIELDS = ("name", "stage", "tools", "repository_url", "description")


class InvalidMove(Conflict):
    """A move the flowchart does not have: ``errors["to"]`` lists the allowed ones."""

    code = "invalid_transition"


def _invalid(sprint: Sprint, to: str) -> InvalidMove:
    error = flowchart.InvalidTransition(sprint.state, to)
    return InvalidMove(str(error), errors={"to": list(error.allowed)})


@transaction.atomic
def sprint_start(*, project: Project, actor: User, note: str = "") -> Sprint:
    """Open the project's next sprint at step 1 (one open sprint at a time)."""
    Project.objects.select_for_update().get(pk=project.pk)
    if project.sprints.exclude(state=flowchart.COMPLETED).exists():
        raise Conflict(_("The project already has an open sprint."), code="sprint_open")
    return _open_sprint(project=project, actor=actor, note=note)


def _open_sprint(
    *,
    project: Project,
    actor: User,
    note: str,
    previous: Sprint | None = None,
    reason: str = "",
) -> Sprint:
    # Numbers of deleted sprints are not given again: their history keeps them.
    last = max(
        project.sprints.aggregate(n=Max("number"))["n"] or 0,
        Sprint.history.filter(project_id=project.pk).aggregate(n=Max("number"))["n"]
        or 0,
    )
    sprint = Sprint(
        project=project,
        number=last + 1,
        previous=previous,
        opened_for=reason,
        started_at=timezone.now(),
    )
    sprint.full_clean(validate_constraints=False)
    record_change(sprint, actor=actor, note=note)
    sprint.save()
    return sprint


def _apply(sprint: Sprint, data: dict[str, Any]) -> None:
    """Set the current step's fields from ``data``; refuse any other field."""
    allowed = STEP_FIELDS[sprint.state]
    wrong = {
        name: [_("Not a field of this step.")] for name in data if name not in allowed
    }
    if wrong:
        raise ValidationError(wrong)
    for name, value in data.items():
        if name != "pipelines":
            setattr(sprint, name, value)
    if "target_dimensions" in data or "target_items" in data:
        sprint.target_dimensions = list(dict.fromkeys(sprint.target_dimensions))
        sprint.target_items = list(dict.fromkeys(sprint.target_items))
        _check_targets(sprint)


def _check_targets(sprint: Sprint) -> None:
    """Target dimensions and items must be the maturity model's codes."""
    rules = maturity_rules()
    if rules is None:
        return  # no questionnaire to check against
    dimensions = {d.code for d in rules.dimensions}
    items = set(rules.item_codes)
    errors = {}
    unknown = sorted(set(sprint.target_dimensions) - dimensions)
    if unknown:
        errors["target_dimensions"] = [
            _("Not a maturity dimension: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    unknown = sorted(set(sprint.target_items) - items)
    if unknown:
        errors["target_items"] = [
            _("Not a maturity item: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def sprint_update(
    *, sprint: Sprint, actor: User, data: dict[str, Any], note: str = ""
) -> Sprint:
    """Save the current step's data as a draft, without moving the sprint."""
    sprint = Sprint.objects.select_for_update().get(pk=sprint.pk)
    if not sprint.is_open:
        raise Conflict(_("A completed sprint cannot change."), code="sprint_completed")
    _apply(sprint, data)
    for spec in data.get("pipelines", []):
        _pipeline_create(sprint, actor, spec, note)
    sprint.full_clean(validate_constraints=False)
    record_change(sprint, actor=actor, note=note)
    sprint.save()
    return sprint


@transaction.atomic
def sprint_transition(
    *,
    sprint: Sprint,
    actor: User,
    to: str,
    data: dict[str, Any] | None = None,
    note: str = "",
    expected_state: str | None = None,
) -> Sprint:
    """Move the sprint along the flowchart, with the data of the step it leaves.

    Raises ``InvalidMove`` (409) for a move the flowchart does not have, or
    when ``expected_state`` is given and the sprint is no longer there;
    ``ValidationError`` (400) naming every field the step still lacks.
    Maintenance needed (the decision to "scope") completes this sprint and
    opens the next one, which is returned as ``sprint.next_sprint``.
    """
    sprint = Sprint.objects.select_for_update().get(pk=sprint.pk)
    if expected_state is not None and sprint.state != expected_state:
        raise InvalidMove(
            _("The sprint has moved to %(state)s meanwhile.") % {"state": sprint.state},
            errors={"to": list(flowchart.TRANSITIONS[sprint.state])},
        )
    try:
        flowchart.check_transition(sprint.state, to)
    except flowchart.InvalidTransition:
        raise _invalid(sprint, to) from None
    data = dict(data or {})
    specs = data.get("pipelines", [])
    _apply(sprint, data)
    values = {
        name: getattr(sprint, name)
        for name in STEP_FIELDS[sprint.state]
        if name != "pipelines"
    }
    values["pipelines"] = sprint.pipelines.count() + len(specs)
    missing = flowchart.missing_data(sprint.state, to, values)
    if missing:
        raise ValidationError({name: [message] for name, message in missing.items()})
    for spec in specs:
        _pipeline_create(sprint, actor, spec, note)
    leaving = sprint.state
    if leaving == flowchart.DECISION:
        sprint.needs_maintenance = to == flowchart.SCOPE
        if not sprint.needs_maintenance:
            sprint.maintenance_reason = ""
        sprint.state = flowchart.COMPLETED
        sprint.completed_at = timezone.now()
    else:
        sprint.state = to
    sprint.full_clean(validate_constraints=False)
    record_change(sprint, actor=actor, note=note)
    sprint.save()
    if leaving == flowchart.DECISION and to == flowchart.SCOPE:
        _open_sprint(
            project=sprint.project,
            actor=actor,
            note=note,
            previous=sprint,
            reason=sprint.maintenance_reason,
        )
    return sprint


@transaction.atomic
def sprint_delete(*, sprint: Sprint, actor: User, note: str = "") -> None:
    """Delete a sprint; its history (and its pipelines') stays."""
    sprint = Sprint.objects.select_for_update().get(pk=sprint.pk)
    delete_recorded(sprint.pipelines.all(), actor=actor, note=note)
    delete_recorded(SprintMetrics.objects.filter(sprint=sprint), actor=actor, note=note)
    delete_recorded([sprint], actor=actor, note=note)


def _pipeline_create(
    sprint: Sprint, actor: User, spec: dict[str, Any], note: str
) -> Pipeline:
    if sprint.state != flowchart.PIPELINES:
        raise Conflict(
            _("Pipelines are recorded during the pipelines step."),
            code="not_pipelines_step",
        )
    unknown = set(spec) - set(PIPELINE_FIELDS)
    if unknown:
        raise ValidationError(
            {f"pipelines.{name}": [_("Unknown field.")] for name in unknown}
        )
    pipeline = Pipeline(sprint=sprint, **spec)
    if pipeline.tools:
        check_tools("tools", pipeline.tools)
    pipeline.full_clean()
    record_change(pipeline, actor=actor, note=note)
    pipeline.save()
    return pipeline


@transaction.atomic
def pipeline_add(
    *, sprint: Sprint, actor: User, note: str = "", **fields: Any
) -> Pipeline:
    """Record a pipeline the sprint created (during its pipelines step)."""
    sprint = Sprint.objects.select_for_update().get(pk=sprint.pk)
    return _pipeline_create(sprint, actor, fields, note)


@transaction.atomic
def pipeline_delete(*, pipeline: Pipeline, actor: User, note: str = "") -> None:
    sprint = Sprint.objects.select_for_update().get(pk=pipeline.sprint_id)
    if sprint.state != flowchart.PIPELINES:
        raise Conflict(
            _("Pipelines are changed during the pipelines step."),
            code="not_pipelines_step",
        )
    delete_recorded([pipeline], actor=actor, note=note)


@transaction.atomic
def sprint_metrics_set(
    *, sprint: Sprint, actor: User, note: str = "", **values: float | None
) -> SprintMetrics:
    """Enter (or correct) a sprint's delivery metrics; empty ones are derived."""
    Sprint.objects.select_for_update().get(pk=sprint.pk)
    metrics = SprintMetrics.objects.filter(sprint=sprint).first() or SprintMetrics(
        sprint=sprint
    )
    return save_recorded(
        metrics, actor=actor, note=note, changes=values, editable=benchmarks.METRICS
    )
