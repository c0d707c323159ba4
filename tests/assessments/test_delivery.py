"""Delivery metrics: benchmark labels, derivation, CI reports, per-sprint rows."""

import datetime as dt

import pytest
from django.utils import timezone

from assessments import benchmarks
from assessments.delivery import DeploymentFact, IncidentFact, combine, derive
from assessments.selectors import project_metrics
from assessments.services import deployment_record, incident_record, sprint_metrics_set

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("metric", "value", "label"),
    [
        ("deployments_per_week", 10, "elite"),
        ("deployments_per_week", 7, "elite"),
        ("deployments_per_week", 1, "high"),
        ("deployments_per_week", 0.25, "medium"),
        ("deployments_per_week", 2 / 52, "low"),  # "a couple of times per year"
        ("lead_time_hours", 3, "elite"),
        ("lead_time_hours", 100, "high"),
        ("lead_time_hours", 400, "medium"),
        ("lead_time_hours", 2000, "low"),
        ("change_failure_rate", 0.0, "elite"),
        ("change_failure_rate", 0.1, "high"),
        ("change_failure_rate", 0.12, "medium"),
        ("change_failure_rate", 0.5, "low"),
        ("time_to_restore_hours", 0.5, "elite"),
        ("time_to_restore_hours", 20, "high"),
        ("time_to_restore_hours", 100, "medium"),
        ("time_to_restore_hours", 1000, "low"),
        ("lead_time_hours", None, None),
    ],
)
def test_raw_values_get_their_benchmark_label(metric, value, label):
    assert benchmarks.label(metric, value) == label


def test_the_benchmark_table_is_versioned_and_ordered():
    assert benchmarks.VERSION
    for higher, thresholds in benchmarks.THRESHOLDS.values():
        assert list(thresholds) == sorted(thresholds, reverse=higher)


def test_derivation_counts_rates_and_medians():
    deployments = [
        DeploymentFact(T0 + i * 24 * HOUR, T0 + i * 24 * HOUR - (2 + i) * HOUR, i == 1)
        for i in range(4)
    ]
    incidents = [IncidentFact(T0, T0 + 3 * HOUR), IncidentFact(T0, None)]

    values = derive(
        deployments=deployments, incidents=incidents, start=T0, end=T0 + 14 * 24 * HOUR
    )

    assert values == {
        "deployments_per_week": 2.0,
        "lead_time_hours": 3.5,
        "change_failure_rate": 0.25,
        "time_to_restore_hours": 3.0,
    }


def test_nothing_recorded_derives_nothing_and_entered_values_win():
    derived = derive(deployments=[], incidents=[], start=T0, end=T0 + HOUR)
    assert set(derived.values()) == {None}

    combined = combine({"lead_time_hours": 30.0}, {"lead_time_hours": 2.0})

    assert combined["lead_time_hours"] == {
        "value": 30.0,
        "source": "entered",
        "label": "high",
    }
    assert combined["change_failure_rate"] == {
        "value": None,
        "source": None,
        "label": None,
    }


@pytest.mark.django_db
def test_a_ci_report_repeated_with_its_id_updates_the_deployment(
    project, sprint, team_member
):
    first, created = deployment_record(
        project=project,
        actor=team_member,
        deployed_at=timezone.now(),
        external_id="run-7",
    )
    again, created_again = deployment_record(
        project=project,
        actor=team_member,
        deployed_at=first.deployed_at,
        external_id="run-7",
        failed=True,
    )

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert project.deployments.get().failed is True
    assert first.sprint == sprint


@pytest.mark.django_db
def test_metrics_per_sprint_combine_entered_and_derived_values(
    project, sprint, team_member
):
    now = timezone.now()
    deployment_record(
        project=project,
        actor=team_member,
        deployed_at=now,
        committed_at=now - 5 * HOUR,
        external_id="a",
    )
    deployment_record(
        project=project, actor=team_member, deployed_at=now, external_id="b"
    )
    incident_record(
        project=project,
        actor=team_member,
        started_at=now,
        resolved_at=now + 2 * HOUR,
        deployment_external_id="b",
    )
    sprint_metrics_set(sprint=sprint, actor=team_member, deployments_per_week=3.0)

    data = project_metrics(project=project)

    assert data["benchmark_version"] == benchmarks.VERSION
    (row,) = data["sprints"]
    metrics = row["metrics"]
    assert metrics["deployments_per_week"] == {
        "value": 3.0,
        "source": "entered",
        "label": "high",
    }
    assert metrics["lead_time_hours"] == {
        "value": 5.0,
        "source": "derived",
        "label": "elite",
    }
    # "b" caused an incident: a failed change, one of two.
    assert metrics["change_failure_rate"]["value"] == 0.5
    assert metrics["time_to_restore_hours"]["value"] == 2.0
    assert (row["deployments"], row["incidents"]) == (2, 1)


@pytest.mark.django_db
def test_an_incident_names_a_deployment_of_its_project_only(project, team_member):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        incident_record(
            project=project,
            actor=team_member,
            started_at=timezone.now(),
            deployment_external_id="nope",
        )

    assert "deployment_external_id" in excinfo.value.message_dict
