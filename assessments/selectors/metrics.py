"""Delivery metrics per sprint of a project: entered, else derived, and labelled."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from assessments import benchmarks
from assessments.delivery import DeploymentFact, IncidentFact, combine, derive
from assessments.models import Incident, Project, SprintMetrics


def project_metrics(*, project: Project) -> dict[str, Any]:
    """Every sprint's length and four delivery metrics, oldest sprint first.

    Four queries whatever the number of sprints: sprints with their entered
    metrics, deployments, incidents.
    """
    now = timezone.now()
    sprints = list(project.sprints.order_by("number"))
    entered = {
        m.sprint_id: m for m in SprintMetrics.objects.filter(sprint__project=project)
    }
    deployments = defaultdict(list)
    for row in project.deployments.filter(sprint__isnull=False).annotate(
        caused_incident=Exists(Incident.objects.filter(deployment=OuterRef("pk")))
    ):
        deployments[row.sprint_id].append(
            DeploymentFact(
                deployed_at=row.deployed_at,
                committed_at=row.committed_at,
                failed=row.failed or row.caused_incident,
            )
        )
    incidents = defaultdict(list)
    for row in project.incidents.filter(sprint__isnull=False):
        incidents[row.sprint_id].append(
            IncidentFact(started_at=row.started_at, resolved_at=row.resolved_at)
        )
    rows = []
    for sprint in sprints:
        end = sprint.completed_at or now
        metrics = entered.get(sprint.pk)
        values = {
            metric: getattr(metrics, metric) if metrics else None
            for metric in benchmarks.METRICS
        }
        derived = derive(
            deployments=deployments[sprint.pk],
            incidents=incidents[sprint.pk],
            start=sprint.started_at,
            end=end,
        )
        rows.append(
            {
                "sprint": sprint,
                "length_days": round(
                    (end - sprint.started_at).total_seconds() / 86400, 2
                ),
                "deployments": len(deployments[sprint.pk]),
                "incidents": len(incidents[sprint.pk]),
                "metrics": combine(values, derived),
            }
        )
    return {"benchmark_version": benchmarks.VERSION, "sprints": rows}
