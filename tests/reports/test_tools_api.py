"""The tool catalogue API and page: public reads with practitioners' ratings,
staff corrections with their history."""

import re

import pytest

from demo.seeding import responses_seed
from reports.models import Tool
from reports.services import aggregates_recompute, profiles_recompute
from tests.reports.profile_helpers import reference_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(db):
    """The reference survey with 60 synthetic responses and their aggregates."""
    survey = reference_survey()
    responses_seed(survey=survey, count=60, seed=3)
    profiles_recompute(survey=survey)
    aggregates_recompute(version=survey.current_version)
    return survey


def test_anyone_reads_the_catalogue(api_client):
    response = api_client.get("/api/v1/tools/", {"page_size": 100})

    assert response.status_code == 200
    tools = {t["code"]: t for t in response.json()["results"]}
    assert len(tools) == 18
    assert tools["dvc"]["data_versioning"] == "present"
    assert tools["dvc"]["open_source"] is True
    assert tools["databricks"]["source"] == "platform"


def test_filters_keep_tools_that_fully_meet_every_criterion(api_client):
    response = api_client.get(
        "/api/v1/tools/",
        {"present": ["orchestrator", "training"], "open_source": "true"},
    )

    assert [t["code"] for t in response.json()["results"]] == ["kubeflow"]
    bad = api_client.get("/api/v1/tools/", {"present": "speed"})
    assert bad.status_code == 400
    assert "present" in bad.json()["errors"]


def test_practitioners_ratings_sit_beside_each_tool(api_client, rated, staff_user):
    public = {
        t["code"]: t
        for t in api_client.get("/api/v1/tools/", {"page_size": 100}).json()["results"]
    }
    api_client.force_authenticate(staff_user)
    full = {
        t["code"]: t
        for t in api_client.get("/api/v1/tools/", {"page_size": 100}).json()["results"]
    }

    mlflow = full["mlflow"]["practitioners"]
    assert mlflow["ratings"]["monitoring"]["median"] in {"present", "partial", "absent"}
    assert mlflow["ratings"]["monitoring"]["n"] >= 1
    assert 1 <= mlflow["satisfaction"]["mean"] <= 5
    # Small groups are suppressed for everyone but staff.
    small = [
        code
        for code, tool in full.items()
        if tool["practitioners"]
        and 0 < tool["practitioners"]["ratings"]["monitoring"]["n"] < 5
    ]
    for code in small:
        assert public[code]["practitioners"]["ratings"]["monitoring"]["suppressed"]


def test_staff_correct_an_entry_and_the_history_keeps_it(api_client, staff_user):
    api_client.force_authenticate(staff_user)

    response = api_client.patch(
        "/api/v1/tools/mlflow/",
        {"monitoring": "present", "note": "Drift monitoring since 3.0"},
        format="json",
    )
    history = api_client.get("/api/v1/tools/mlflow/history/").json()

    assert response.status_code == 200
    assert response.json()["monitoring"] == "present"
    assert history[-1]["note"] == "Drift monitoring since 3.0"
    assert history[-1]["actor_email"] == staff_user.email
    assert history[-1]["changes"] == [
        {
            "field": "monitoring",
            "label": "monitoring",
            "old": "partial",
            "new": "present",
        }
    ]


def test_only_staff_change_the_catalogue(api_client, team_member):
    api_client.force_authenticate(team_member)

    patch = api_client.patch(
        "/api/v1/tools/mlflow/", {"monitoring": "present"}, format="json"
    )
    post = api_client.post("/api/v1/tools/", {"code": "x", "name": "X"}, format="json")
    history = api_client.get("/api/v1/tools/mlflow/history/")

    assert (patch.status_code, post.status_code, history.status_code) == (403, 403, 403)
    assert Tool.objects.get(code="mlflow").monitoring == "partial"


def test_staff_add_a_tool(api_client, staff_user):
    api_client.force_authenticate(staff_user)

    response = api_client.post(
        "/api/v1/tools/",
        {
            "code": "bentoml",
            "name": "BentoML",
            "open_source": True,
            "training": "absent",
        },
        format="json",
    )

    assert response.status_code == 201
    assert Tool.objects.get(code="bentoml").source == "staff"


def test_the_catalogue_page_shows_practitioners_figures(client, rated):
    html = client.get("/tools/").content.decode()

    assert "practitioners:" in html
    assert "Data Version Control (DVC)" in html
    # The practitioners' median is named as the paper's ratings are, never a code.
    assert re.search(r"practitioners: (Present|Partial|Absent) \(n=\d+\)", html)
    assert not re.search(r"practitioners: (present|partial|absent)", html)
    portuguese = client.get("/tools/", HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert not re.search(r"profissionais: (present|partial|absent)", portuguese)
