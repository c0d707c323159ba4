"""Factories for the assessments app, one per model, each valid by default."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from assessments import flowchart
from assessments.models import (
    CaseStudy,
    Deployment,
    Incident,
    Membership,
    Organisation,
    Pipeline,
    Project,
    Sprint,
)
from tests.accounts.factories import UserFactory


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    created_by = None


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory, role="team_member")
    role = Membership.Role.MEMBER


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    description = "Churn prediction for the retail bank."


class SprintFactory(DjangoModelFactory):
    """An open sprint at step 1 (the project's next number)."""

    class Meta:
        model = Sprint

    project = factory.SubFactory(ProjectFactory)
    number = factory.LazyAttribute(lambda o: o.project.sprints.count() + 1)
    state = flowchart.SCOPE


class PipelineFactory(DjangoModelFactory):
    class Meta:
        model = Pipeline

    sprint = factory.SubFactory(SprintFactory, state=flowchart.PIPELINES)
    name = factory.Sequence(lambda n: f"pipeline-{n}")
    stage = "training"
    tools = factory.List(["mlflow"])


class CaseStudyFactory(DjangoModelFactory):
    class Meta:
        model = CaseStudy

    project = factory.SubFactory(ProjectFactory)
    automated_stages = factory.List(["training", "deployment"])
    benefits = "Releases went from monthly to daily."


class DeploymentFactory(DjangoModelFactory):
    class Meta:
        model = Deployment

    project = factory.SubFactory(ProjectFactory)
    deployed_at = factory.LazyFunction(timezone.now)


class IncidentFactory(DjangoModelFactory):
    class Meta:
        model = Incident

    project = factory.SubFactory(ProjectFactory)
    started_at = factory.LazyFunction(timezone.now)


# Complete data for leaving each step, by (from, to).
SCOPE_DATA = {
    "objective": "Retraining takes a week of manual work.",
    "approach": "Automate training with a pipeline on every new data drop.",
    "delivery": "A scheduled pipeline and a model registry.",
    "target_dimensions": ["D3"],
    "target_stages": ["training"],
    "target_items": ["d3_2"],
}
PIPELINE_DATA = {
    "pipelines": [
        {
            "name": "train",
            "stage": "training",
            "tools": ["mlflow", "kubeflow"],
            "repository_url": "https://git.example.org/ml/train",
        }
    ]
}
VERIFICATION_DATA = {
    "evidence": "Training ran from the pipeline five times.",
    "metric_name": "hours to retrain",
    "metric_before": 40.0,
    "metric_after": 2.0,
    "result": "resolved",
}
MONITORING_DATA = {
    "monitored": ["pipeline_health", "drift"],
    "cicd": "GitHub Actions runs tests and a training smoke test.",
}
