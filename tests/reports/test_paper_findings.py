"""The paper as a test: six respondents shaped like those of "Práticas de MLOps
em softwares reais" (section 4.1) give the paper's findings from the stored
cohort aggregates, read through the API as staff (so nothing is suppressed).

The paper: 2 of 6 respondents aged 26-30; 4 of 6 with more than 5 years of
experience; MLOps engineers, solution architects and ML engineers; AWS and
MLflow the most cited tools (MLflow weak on detecting data drift); data
preparation and data collection the most valued stages; CI/CD for models and
the scarcity of skilled people the main challenges.
"""

from __future__ import annotations

import pytest

from reports.aggregation import ALL
from reports.services import aggregates_recompute, profiles_recompute
from surveys.answers import AnswerSheet
from tests.reports.test_aggregates_services import (
    complete_answers,
    definition_of,
    reference_survey,
    submit,
)

pytestmark = pytest.mark.django_db

# MLflow as its users rate it: promising, but no drift detection.
MLFLOW = {
    "data_versioning": "partial",
    "continuous_integration": "absent",
    "training": "present",
    "pipeline_automation": "partial",
    "orchestrator": "absent",
    "monitoring": "absent",
    "open_source": "present",
}

RESPONDENTS = [
    {
        "age_range": "26_30",
        "experience_years": "5to10",
        "role": "mlops_engineer",
        "tools_used": ["aws", "mlflow", "dvc"],
        "valued_stages": ["data_preparation", "data_collection", "training"],
        "challenges": ["cicd_models", "skills_scarcity"],
    },
    {
        "age_range": "26_30",
        "experience_years": "3to5",
        "role": "ml_engineer",
        "tools_used": ["aws", "mlflow", "github_actions"],
        "valued_stages": ["data_preparation", "data_collection", "deployment"],
        "challenges": ["cicd_models", "skills_scarcity", "data_quality"],
    },
    {
        "age_range": "31_35",
        "experience_years": "gt10",
        "role": "solution_architect",
        "tools_used": ["aws", "sagemaker"],
        "valued_stages": ["data_collection", "data_preparation", "monitoring"],
        "challenges": ["cicd_models", "drift"],
    },
    {
        "age_range": "36_45",
        "experience_years": "5to10",
        "role": "mlops_engineer",
        "tools_used": ["aws", "mlflow", "kubeflow"],
        "valued_stages": ["data_preparation", "problem_definition", "data_collection"],
        "challenges": ["skills_scarcity", "cicd_models"],
    },
    {
        "age_range": "31_35",
        "experience_years": "gt10",
        "role": "solution_architect",
        "tools_used": ["mlflow", "airflow"],
        "valued_stages": ["data_preparation", "training", "data_collection"],
        "challenges": ["cicd_models", "tool_integration"],
    },
    {
        "age_range": "18_25",
        "experience_years": "1to3",
        "role": "ml_engineer",
        "tools_used": ["aws", "dvc"],
        "valued_stages": ["data_collection", "data_preparation", "evaluation"],
        "challenges": ["skills_scarcity", "cost"],
    },
]


def top(counts: dict[str, int], k: int) -> set[str]:
    """The k most frequent codes; fails if the k-th place is tied with the next."""
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    assert ranked[k - 1][1] > ranked[k][1], ranked
    return {code for code, _count in ranked[:k]}


@pytest.fixture
def findings(api_client, staff_user):
    survey = reference_survey()
    definition = definition_of(survey)
    sheet = AnswerSheet(definition)
    for seed, fixed in enumerate(RESPONDENTS):
        if "mlflow" in fixed["tools_used"]:
            fixed = {**fixed, "assess_mlflow": MLFLOW}
        answers = complete_answers(definition, seed, fixed)
        _clean, errors = sheet.clean(answers, complete=True)
        assert not errors  # six valid, complete answer sets
        assert {k: answers[k] for k in fixed} == fixed
        submit(survey, answers)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)
    api_client.force_authenticate(staff_user)
    response = api_client.get(f"/api/v1/surveys/{survey.slug}/aggregates/")
    assert response.status_code == 200
    return survey, response.json()["groups"][ALL]


def test_six_respondents(findings):
    _survey, cells = findings

    assert cells["n"] == 6


def test_two_of_six_are_aged_26_to_30(findings):
    _survey, cells = findings

    age = cells["questions"]["age_range"]
    assert age["n"] == 6
    assert age["counts"]["26_30"] == 2


def test_four_of_six_have_more_than_five_years_of_experience(findings):
    _survey, cells = findings

    counts = cells["questions"]["experience_years"]["counts"]
    assert counts["5to10"] + counts["gt10"] == 4


def test_the_roles_are_mlops_engineers_solution_architects_and_ml_engineers(
    findings,
):
    _survey, cells = findings

    counts = cells["questions"]["role"]["counts"]
    assert {code for code, n in counts.items() if n} == {
        "mlops_engineer",
        "solution_architect",
        "ml_engineer",
    }


def test_aws_and_mlflow_are_the_most_cited_tools(findings):
    _survey, cells = findings

    tools = cells["questions"]["tools_used"]
    assert tools["n"] == 6
    assert top(tools["counts"], 2) == {"aws", "mlflow"}


def test_mlflow_users_rate_it_weak_on_monitoring_drift(findings):
    _survey, cells = findings

    mlflow = cells["tools"]["mlflow"]
    assert mlflow["monitoring"] == {"n": 4, "median": "absent"}
    assert mlflow["training"] == {"n": 4, "median": "present"}


def test_data_preparation_and_collection_are_the_most_valued_stages(findings):
    _survey, cells = findings

    stages = cells["questions"]["valued_stages"]
    assert stages["n"] == 6
    assert top(stages["top"], 2) == {"data_preparation", "data_collection"}
    mean_rank = {c: r for c, r in stages["mean_rank"].items() if r is not None}
    assert min(mean_rank, key=mean_rank.get) == "data_preparation"


def test_cicd_for_models_and_skills_scarcity_are_the_top_challenges(findings):
    _survey, cells = findings

    challenges = cells["questions"]["challenges"]
    assert challenges["n"] == 6
    assert top(challenges["counts"], 2) == {"cicd_models", "skills_scarcity"}


def test_the_owner_sees_the_same_findings_and_no_small_cell(
    findings, api_client, staff_user
):
    survey, cells = findings
    api_client.force_authenticate(survey.owner)

    shown = api_client.get(f"/api/v1/surveys/{survey.slug}/aggregates/").json()

    owner_cells = shown["groups"][ALL]
    assert owner_cells["questions"]["tools_used"] == cells["questions"]["tools_used"]
    assert owner_cells["tools"]["mlflow"]["monitoring"]["suppressed"] is True  # n 4
    by_role = api_client.get(
        f"/api/v1/surveys/{survey.slug}/aggregates/?segment=role"
    ).json()
    assert all(group["suppressed"] for group in by_role["groups"].values())
