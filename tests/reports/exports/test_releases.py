"""Data releases: numbered, immutable bundles with a SHA-256 per file."""

from __future__ import annotations

import base64
import hashlib

import pandas as pd
import pytest
import yaml

from reports.models import Release
from reports.release_services import release_files_write, release_folder
from surveys.models import SurveyCollaborator
from tests.accounts.factories import UserFactory
from tests.reports.exports.conftest import INJECTION, counted


@pytest.fixture
def releases_dir(settings, tmp_path):
    settings.RELEASES_DIR = tmp_path / "releases"
    return settings.RELEASES_DIR


def _url(survey) -> str:
    return f"/api/v1/surveys/{survey.slug}/releases/"


def _publish(api_client, survey, capture, **body):
    with capture(execute=True):
        return api_client.post(_url(survey), body, format="json")


def test_owner_publishes_a_release_whose_files_rebuild_to_the_same_checksums(
    api_client,
    survey_with_responses,
    releases_dir,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    response = _publish(
        api_client,
        survey,
        django_capture_on_commit_callbacks,
        formats=["csv", "parquet", "sav"],
    )
    assert response.status_code == 202
    listing = api_client.get(_url(survey)).json()
    assert [r["number"] for r in listing] == [1]
    release = listing[0]
    assert release["status"] == "done" and release["responses"] == 5
    names = {f["name"] for f in release["files"]}
    assert {"data.csv", "data.parquet", "data.sav", "codebook.csv", "definition.yaml",
            "scoring-rules.yaml", "README.md", "CITATION.cff", "SHA256SUMS"} == names  # fmt: skip
    # Each file downloads byte for byte as its checksum says.
    for entry in release["files"]:
        download = api_client.get(entry["url"])
        body = b"".join(download.streaming_content)
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
        assert (
            download["Digest"]
            == "sha-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        )
    citation = yaml.safe_load(
        b"".join(
            api_client.get(_url(survey) + "1/files/CITATION.cff").streaming_content
        )
    )
    assert citation["cff-version"] == "1.2.0" and citation["version"] == "1"
    data = pd.read_csv(release_folder(Release.objects.get()) / "data.csv")
    assert list(data["response_id"]) == [str(r.pk) for r in counted(survey)]
    assert (
        INJECTION
        not in (release_folder(Release.objects.get()) / "data.csv").read_text()
    )

    # Rebuilt from the database while nothing changed: the same checksums.
    stored = Release.objects.select_related("survey", "version").get()
    files, count = release_files_write(release=stored, folder=tmp_path / "rebuilt")
    assert files == stored.files and count == 5

    # A second release takes the next number; the first stays as it was.
    assert (
        _publish(api_client, survey, django_capture_on_commit_callbacks).status_code
        == 202
    )
    assert [r["number"] for r in api_client.get(_url(survey)).json()] == [2, 1]
    assert Release.objects.get(number=1).files == stored.files


def test_only_the_owner_and_staff_publish_and_strangers_get_404(
    api_client, survey_with_responses, releases_dir, django_capture_on_commit_callbacks
):
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    _publish(api_client, survey, django_capture_on_commit_callbacks)
    viewer = UserFactory(role="researcher")
    SurveyCollaborator.objects.create(
        survey=survey, user=viewer, role="viewer", added_by=survey.owner
    )
    api_client.force_authenticate(viewer)
    assert api_client.get(_url(survey)).status_code == 200
    assert api_client.post(_url(survey), {}, format="json").status_code == 403
    stranger = UserFactory(role="researcher")
    api_client.force_authenticate(stranger)
    api_client.force_login(stranger)
    assert api_client.get(_url(survey)).status_code == 404
    assert api_client.post(_url(survey), {}, format="json").status_code == 404
    assert api_client.get(_url(survey) + "1/files/data.csv").status_code == 404
    assert api_client.get(f"/manage/surveys/{survey.slug}/releases/").status_code == 404


def test_bad_formats_are_a_400_naming_the_field(
    api_client, survey_with_responses, releases_dir
):
    api_client.force_authenticate(survey_with_responses.owner)
    response = api_client.post(
        _url(survey_with_responses), {"formats": ["pdf"]}, format="json"
    )
    assert response.status_code == 400 and "formats" in response.json()["errors"]
    assert not Release.objects.exists()


def test_the_release_page_publishes_and_lists_the_files(
    client, survey_with_responses, releases_dir, django_capture_on_commit_callbacks
):
    survey = survey_with_responses
    client.force_login(survey.owner)
    url = f"/manage/surveys/{survey.slug}/releases/"
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"formats": ["csv", "xlsx"], "notes": "First wave."}
        )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Release 1" in page and "data.xlsx" in page and "CITATION.cff" in page
    assert (
        "First wave."
        in (release_folder(Release.objects.get()) / "README.md").read_text()
    )
    viewer = UserFactory(role="researcher")
    SurveyCollaborator.objects.create(
        survey=survey, user=viewer, role="viewer", added_by=survey.owner
    )
    client.force_login(viewer)
    page = client.get(url).content.decode()
    assert "Publish a release" not in page and "data.xlsx" in page
    assert client.post(url, {"formats": ["csv"]}).status_code == 404
