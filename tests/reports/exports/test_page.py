"""The survey's exports page."""

from __future__ import annotations

import pytest

from reports.models import Export
from surveys.models import SurveyCollaborator
from tests.accounts.factories import UserFactory


def _url(survey) -> str:
    return f"/manage/surveys/{survey.slug}/exports/"


# The export runs here and saves its progress on a connection of its own,
# which sees committed rows only.
@pytest.mark.django_db(transaction=True)
def test_owner_starts_an_export_from_the_page_and_finds_its_download(
    client, survey_with_responses, django_capture_on_commit_callbacks
):
    survey = survey_with_responses
    client.force_login(survey.owner)
    page = client.get(_url(survey))
    assert page.status_code == 200
    assert "Include free-text answers" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(survey),
            {"format": "xlsx", "layout": "wide", "version": "1", "status": "submitted"},
        )
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.status == "done" and export.format == "xlsx"
    page = client.get(_url(survey)).content.decode()
    assert f"/api/v1/exports/{export.pk}/download/" in page
    assert 'hx-trigger="every 2s"' not in page  # nothing left to follow
    detail = client.get(f"/manage/surveys/{survey.slug}/").content.decode()
    assert _url(survey) in detail


def test_a_running_export_refreshes_itself(client, survey_with_responses, mocker):
    mocker.patch("reports.export_services.export_enqueue")
    survey = survey_with_responses
    client.force_login(survey.owner)
    client.post(
        _url(survey),
        {"format": "csv", "layout": "long", "version": "1", "status": "submitted"},
    )
    listing = client.get(_url(survey) + "list/").content.decode()
    assert 'hx-trigger="every 2s"' in listing and "Queued" in listing
    export = Export.objects.get()
    response = client.post(f"{_url(survey)}{export.pk}/cancel/")
    assert response.status_code == 302
    export.refresh_from_db()
    assert export.status == "cancelled"


def test_a_viewer_sees_no_free_text_choice_and_a_stranger_gets_404(
    client, survey_with_responses
):
    survey = survey_with_responses
    viewer = UserFactory(role="researcher")
    SurveyCollaborator.objects.create(
        survey=survey, user=viewer, role="viewer", added_by=survey.owner
    )
    client.force_login(viewer)
    page = client.get(_url(survey)).content.decode()
    assert "Include free-text answers" not in page
    client.force_login(UserFactory(role="researcher"))
    assert client.get(_url(survey)).status_code == 404
    assert client.get(_url(survey) + "list/").status_code == 404
    assert client.post(_url(survey), {"format": "csv"}).status_code == 404


def test_bad_dates_are_shown_on_the_form(client, survey_with_responses):
    survey = survey_with_responses
    client.force_login(survey.owner)
    response = client.post(
        _url(survey),
        {
            "format": "csv",
            "layout": "wide",
            "version": "1",
            "status": "submitted",
            "submitted_from": "2026-02-01",
            "submitted_to": "2026-01-01",
        },
    )
    assert response.status_code == 400
    assert "Must not be before submitted_from." in response.content.decode()
    assert not Export.objects.exists()
