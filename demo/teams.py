"""The demo team: an organisation for team@example.org with two projects, sprints
with history, delivery metrics and the members' maturity answers.

Built through the assessments services, so the history is the one a real team
would leave; only the sprints' dates are moved back afterwards, to give the
charts a few weeks. Safe to run any number of times: once the organisation
exists, nothing is done.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.models import Organisation, Project, Sprint
from assessments.services import (
    case_study_update,
    deployment_record,
    incident_record,
    maturity_invite,
    organisation_create,
    pipeline_add,
    project_create,
    sprint_metrics_set,
    sprint_start,
    sprint_transition,
)
from demo.synthetic import synthetic_answers
from reports.services import aggregates_recompute, profiles_recompute
from surveys.models import Survey
from surveys.selectors import sheet_for_version_id
from surveys.services import response_start

DEMO_ORGANISATION = "Demo Bank ML Team"
DAY = dt.timedelta(days=1)

# Maturity answers per member: one ladder per dimension (items 1-4).
GOOD = ["present", "present", "partial", "absent"]
BASELINE = [
    {
        **{f"D{d}": GOOD for d in range(1, 9)},
        "D6": ["present", "absent", "absent", "absent"],
    },
    {
        **{f"D{d}": GOOD for d in range(1, 9)},
        "D6": ["present", "absent", "absent", "absent"],
    },
    {
        **{f"D{d}": GOOD for d in range(1, 9)},
        "D6": ["present", "present", "absent", "absent"],
    },
]
AFTER_FIRST_SPRINT = [
    {
        **{f"D{d}": GOOD for d in range(1, 9)},
        "D6": ["present", "present", "present", "absent"],
    },
    {
        **{f"D{d}": GOOD for d in range(1, 9)},
        "D6": ["present", "present", "partial", "absent"],
        "D4": ["present", "partial", "absent", "absent"],
    },
]


# Questionnaire answers the demo team gives: they join the survey's cohort too.
TEAM_ANSWERS = len(BASELINE) + 1 + len(AFTER_FIRST_SPRINT)


def _answers(
    survey: Survey, ladders: dict[str, list[str]], seed: int
) -> dict[str, Any]:
    definition = sheet_for_version_id(survey.current_version_id).definition
    rng = random.Random(seed)  # noqa: S311 - reproducible demo answers, not secrets
    answers = synthetic_answers(definition, rng, skip_optional=1.0)
    for dimension, ladder in ladders.items():
        for k, value in enumerate(ladder, start=1):
            answers[f"d{dimension[1:]}_{k}"] = value
    return answers


def _members_answer(
    project: Project, actor: User, survey: Survey, profiles: list[dict], seed: int
) -> None:
    links = maturity_invite(project=project, actor=actor, count=len(profiles))
    for offset, ((_link, token), ladders) in enumerate(
        zip(links, profiles, strict=True)
    ):
        response_start(
            survey=survey,
            invitation_token=token,
            answers=_answers(survey, ladders, seed + offset),
            submit=True,
        )


def _move(sprint: Sprint, actor: User, to: str, note: str = "", **data: Any) -> Sprint:
    return sprint_transition(sprint=sprint, actor=actor, to=to, data=data, note=note)


def _date(
    sprint: Sprint, *, started: dt.datetime, completed: dt.datetime | None
) -> None:
    # Demo dates only: a real sprint's dates are the moments of its moves.
    Sprint.objects.filter(pk=sprint.pk).update(
        started_at=started, completed_at=completed
    )


def _churn(organisation: Organisation, owner: User, survey: Survey) -> None:
    now = timezone.now()
    project = project_create(
        organisation=organisation,
        actor=owner,
        name="Churn prediction",
        description="Predicts which retail customers will leave in the next 90 days.",
    )
    _members_answer(project, owner, survey, BASELINE, seed=11)
    sprint = sprint_start(project=project, actor=owner)
    _members_answer(project, owner, survey, BASELINE[:1], seed=14)
    sprint = _move(
        sprint,
        owner,
        "pipelines",
        "Bottleneck from the maturity profile: monitoring.",
        objective="Drift in production goes unnoticed for weeks.",
        approach="A scheduled drift report on the scoring inputs, with alerts.",
        delivery="A monitoring pipeline next to the scoring job.",
        target_dimensions=["D6"],
        target_stages=["monitoring"],
        target_items=["d6_2", "d6_3"],
    )
    pipeline_add(
        sprint=sprint,
        actor=owner,
        name="drift-report",
        stage="monitoring",
        tools=["evidently", "mlflow"],
        repository_url="https://git.example.org/bank/churn-monitoring",
    )
    sprint = _move(sprint, owner, "verification")
    sprint = _move(
        sprint,
        owner,
        "pipelines",
        "The report runs, but nobody reads it.",
        evidence="The drift report ran daily; the drift of May was still found by hand.",
        metric_name="days to detect drift",
        metric_before=21,
        metric_after=14,
        result="not_resolved",
    )
    pipeline_add(
        sprint=sprint,
        actor=owner,
        name="drift-alerts",
        stage="monitoring",
        tools=["evidently", "github_actions"],
        description="Alerts the model's owner when drift passes the threshold.",
    )
    sprint = _move(sprint, owner, "verification")
    sprint = _move(
        sprint,
        owner,
        "monitoring",
        evidence="A simulated drift raised an alert within a day.",
        metric_name="days to detect drift",
        metric_before=21,
        metric_after=1,
        result="resolved",
    )
    sprint = _move(
        sprint,
        owner,
        "maintenance_decision",
        monitored=["pipeline_health", "model_performance", "drift"],
        cicd="GitHub Actions runs the tests and a training smoke test on every change.",
    )
    sprint = _move(
        sprint,
        owner,
        "scope",
        "Recall dropped after the summer campaign.",
        maintenance_reason="performance_degradation",
    )
    following = Sprint.objects.get(previous=sprint)
    _date(sprint, started=now - 42 * DAY, completed=now - 14 * DAY)
    _date(following, started=now - 14 * DAY, completed=None)
    sprint_metrics_set(
        sprint=sprint,
        actor=owner,
        deployments_per_week=0.25,
        lead_time_hours=240,
        change_failure_rate=0.25,
        time_to_restore_hours=72,
    )
    _members_answer(project, owner, survey, AFTER_FIRST_SPRINT, seed=21)
    for day in range(1, 14, 2):
        deployed = now - (14 - day) * DAY
        deployment_record(
            project=project,
            actor=owner,
            deployed_at=deployed,
            committed_at=deployed - dt.timedelta(hours=6),
            model_version=f"churn-2.{day}",
            external_id=f"demo-churn-{day}",
        )
    incident_record(
        project=project,
        actor=owner,
        started_at=now - 8 * DAY,
        resolved_at=now - 8 * DAY + dt.timedelta(hours=3),
        summary="Scores missing for one branch after a schema change.",
        external_id="demo-churn-incident-1",
        deployment_external_id="demo-churn-5",
    )
    case_study_update(
        project=project,
        actor=owner,
        automated_stages=["training", "deployment", "monitoring"],
        automation_why="Retraining and drift checks were weekly manual chores.",
        tools=["mlflow", "evidently", "github_actions"],
        frameworks="scikit-learn, LightGBM, Airflow on the bank's Kubernetes.",
        challenges_technical="CI/CD for models: tests for data, not only for code.",
        challenges_organisational="Few people who know both ML and operations.",
        challenges_cultural="Data scientists used to handing over notebooks.",
        benefits="The delivery cycle went from three-week sprints to one day.",
    )


def _fraud(organisation: Organisation, owner: User) -> None:
    now = timezone.now()
    project = project_create(
        organisation=organisation,
        actor=owner,
        name="Fraud detection",
        description="Scores card transactions in real time.",
    )
    sprint = sprint_start(project=project, actor=owner)
    sprint = _move(
        sprint,
        owner,
        "pipelines",
        objective="Models are deployed by hand, once a quarter.",
        approach="A CD pipeline from the model registry to staging and production.",
        delivery="Registered models deploy on approval.",
        target_dimensions=["D5"],
        target_stages=["deployment"],
    )
    pipeline_add(
        sprint=sprint,
        actor=owner,
        name="deploy",
        stage="deployment",
        tools=["mlflow", "jenkins"],
    )
    sprint = _move(sprint, owner, "verification")
    sprint = _move(
        sprint,
        owner,
        "monitoring",
        evidence="Three releases went out through the pipeline.",
        metric_name="days from approval to production",
        metric_before=30,
        metric_after=0.5,
        result="resolved",
    )
    sprint = _move(
        sprint,
        owner,
        "maintenance_decision",
        monitored=["pipeline_health", "infrastructure"],
        cicd="Jenkins deploys approved models.",
    )
    sprint = _move(sprint, owner, "completed", "Stable: no maintenance for now.")
    _date(sprint, started=now - 30 * DAY, completed=now - 9 * DAY)
    sprint_metrics_set(
        sprint=sprint,
        actor=owner,
        deployments_per_week=2,
        lead_time_hours=20,
        change_failure_rate=0.04,
        time_to_restore_hours=0.5,
    )


@transaction.atomic
def demo_team_load(*, member: User, survey: Survey) -> Organisation | None:
    """Give the demo team member an organisation with history; None if it exists."""
    if Organisation.objects.filter(
        name=DEMO_ORGANISATION, memberships__user=member
    ).exists():
        return None
    organisation = organisation_create(name=DEMO_ORGANISATION, actor=member)
    _churn(organisation, member, survey)
    _fraud(organisation, member)
    # The members' answers are responses of the survey like any other: the
    # stored results include them now, not after the next refresh.
    profiles_recompute(survey=survey)
    aggregates_recompute(version=survey.current_version)
    return organisation
