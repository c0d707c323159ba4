"""The paper's adoption flowchart as a state machine: one table, no ORM access.

A sprint walks the five steps in order. Verification that finds the bottleneck
not resolved sends it back to pipelines; the maintenance decision either opens
the next sprint ("scope" again, as the flowchart's arrow back to step 1) or
completes it. Leaving a step needs that step's data, listed in ``REQUIRED``.

An explicit table rather than a state-machine library: the graph has six
states, the same table draws the flowchart, and the checks the API needs (the
allowed targets for a 409, the missing fields for a 400) are one lookup each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

SCOPE = "scope"
PIPELINES = "pipelines"
VERIFICATION = "verification"
MONITORING = "monitoring"
DECISION = "maintenance_decision"
COMPLETED = "completed"

STATES = (SCOPE, PIPELINES, VERIFICATION, MONITORING, DECISION, COMPLETED)
STEPS = STATES[:-1]  # the five numbered steps

STATE_LABELS = {
    SCOPE: _("Define the objective and scope"),
    PIPELINES: _("Create the pipelines"),
    VERIFICATION: _("Verify the bottleneck"),
    MONITORING: _("Monitor with CI/CD"),
    DECISION: _("Needs maintenance?"),
    COMPLETED: _("Completed"),
}

# What the button of each move says.
MOVE_LABELS = {
    (SCOPE, PIPELINES): _("Continue: create the pipelines"),
    (PIPELINES, VERIFICATION): _("Continue: verify the bottleneck"),
    (VERIFICATION, MONITORING): _("Resolved or reduced: continue to monitoring"),
    (VERIFICATION, PIPELINES): _("Not resolved: back to the pipelines"),
    (MONITORING, DECISION): _("Continue: decide on maintenance"),
    (DECISION, SCOPE): _("Needs maintenance: open the next sprint"),
    (DECISION, COMPLETED): _("No maintenance: complete the sprint"),
}

# Where a sprint may go from each state. From the decision, "scope" means
# "maintenance needed": this sprint completes and the next one opens at scope.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    SCOPE: (PIPELINES,),
    PIPELINES: (VERIFICATION,),
    VERIFICATION: (MONITORING, PIPELINES),
    MONITORING: (DECISION,),
    DECISION: (SCOPE, COMPLETED),
    COMPLETED: (),
}

_VERIFICATION_FIELDS = ("evidence", "metric_name", "metric_before", "metric_after")
# The data a move needs, by (from, to).
REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    (SCOPE, PIPELINES): (
        "objective",
        "approach",
        "delivery",
        "target_dimensions",
        "target_stages",
    ),
    (PIPELINES, VERIFICATION): ("pipelines",),
    (VERIFICATION, MONITORING): (*_VERIFICATION_FIELDS, "result"),
    (VERIFICATION, PIPELINES): (*_VERIFICATION_FIELDS, "result"),
    (MONITORING, DECISION): ("monitored", "cicd"),
    (DECISION, SCOPE): ("maintenance_reason",),
    (DECISION, COMPLETED): (),
}

# Verification's result decides where the sprint goes next.
RESOLVED = "resolved"
REDUCED = "reduced"
NOT_RESOLVED = "not_resolved"
RESULTS = {
    RESOLVED: _("Resolved"),
    REDUCED: _("Reduced"),
    NOT_RESOLVED: _("Not resolved"),
}
RESULTS_FOR = {MONITORING: (RESOLVED, REDUCED), PIPELINES: (NOT_RESOLVED,)}

LIFECYCLE_STAGES = {
    "data_collection": _("Data access and collection"),
    "data_preparation": _("Data preparation and exploration"),
    "training": _("Model building and training"),
    "evaluation": _("Evaluation"),
    "deployment": _("Deployment"),
    "monitoring": _("Monitoring"),
}
MONITORED = {
    "pipeline_health": _("Pipeline health"),
    "model_performance": _("Model performance"),
    "drift": _("Data and concept drift"),
    "infrastructure": _("Infrastructure"),
}
MAINTENANCE_REASONS = {
    "failure": _("Failure"),
    "performance_degradation": _("Performance degradation"),
    "retraining": _("Retraining"),
    "pipeline_optimisation": _("Pipeline optimisation"),
    "library_update": _("Library update"),
    "scope_expansion": _("Scope expansion"),
}

# As (code, label) pairs: model and form choices, and the OpenAPI enum names.
STATE_CHOICES = list(STATE_LABELS.items())
STAGE_CHOICES = list(LIFECYCLE_STAGES.items())
REASON_CHOICES = list(MAINTENANCE_REASONS.items())


class InvalidTransition(Exception):
    """A move the flowchart does not have; ``allowed`` lists those it has."""

    def __init__(self, state: str, to: str) -> None:
        self.state = state
        self.to = to
        self.allowed = TRANSITIONS.get(state, ())
        allowed = ", ".join(self.allowed) or "none: the sprint is completed"
        super().__init__(
            f"A sprint cannot go from {state} to {to}; allowed: {allowed}."
        )


def check_transition(state: str, to: str) -> None:
    """Raise ``InvalidTransition`` unless the flowchart goes from ``state`` to ``to``."""
    if to not in TRANSITIONS.get(state, ()):
        raise InvalidTransition(state, to)


def step_number(state: str) -> int | None:
    """The flowchart's number of a step (1 to 5), None once completed."""
    return STEPS.index(state) + 1 if state in STEPS else None


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | dict):
        return not value
    return False


def missing_data(state: str, to: str, values: Mapping[str, Any]) -> dict[str, str]:
    """The data a move lacks, as field -> message (empty when it may go).

    ``values`` holds the sprint's step fields after the request's data is
    merged in, with ``pipelines`` the number of pipelines recorded.
    """
    problems = {}
    for name in REQUIRED.get((state, to), ()):
        if name == "pipelines":
            if not values.get(name):
                problems[name] = str(_("Record at least one pipeline first."))
        elif _is_missing(values.get(name)):
            problems[name] = str(_("Required to leave this step."))
    expected = RESULTS_FOR.get(to) if state == VERIFICATION else None
    result = values.get("result")
    if expected and result and result not in expected:
        problems["result"] = str(
            _("A bottleneck not resolved sends the sprint back to pipelines.")
            if result == NOT_RESOLVED
            else _("A resolved or reduced bottleneck moves on to monitoring.")
        )
    return problems
