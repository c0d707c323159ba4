"""The exports API: jobs, permissions, download, cancel, expiry, a real worker."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import os
import threading
import time

import pandas as pd
import pytest
from django.db import connection
from django.utils import timezone

from reports.export_services import export_path, exports_expire
from reports.models import Export
from surveys.models import SurveyCollaborator
from tests.accounts.factories import UserFactory
from tests.conftest import wait_until

URL = "/api/v1/exports/"
# Tests that run an export here (``export_run``) commit their data: the export
# saves its progress on a connection of its own, which sees committed rows only.
RUNS_EXPORTS = pytest.mark.django_db(transaction=True)


def _start(client, survey, **body):
    return client.post(
        URL, {"survey": survey.slug, "format": "csv", **body}, format="json"
    )


def _download(client, export_id):
    response = client.get(f"{URL}{export_id}/download/")
    return response, b"".join(
        response.streaming_content
    ) if response.status_code == 200 else b""


def _collaborator(survey, role):
    user = UserFactory(role="researcher")
    SurveyCollaborator.objects.create(
        survey=survey, user=user, role=role, added_by=survey.owner
    )
    return user


@RUNS_EXPORTS
def test_owner_starts_an_export_follows_it_and_downloads_the_file(
    api_client, survey_with_responses, mocker
):
    from reports.tasks import export_run_task

    queued = mocker.patch("reports.export_services.export_enqueue")
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    response = _start(
        api_client, survey, layout="wide", filters={"include_voided": True}
    )
    assert response.status_code == 202
    export_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    queued.assert_called_once_with(export_id)
    assert export_run_task(export_id=export_id) == "done"  # the worker's part
    detail = api_client.get(f"{URL}{export_id}/").json()
    assert detail["status"] == "done" and detail["progress"] == 100
    assert detail["rows"] == 6
    body_response, body = _download(api_client, export_id)
    assert body_response.status_code == 200
    assert body_response["Content-Disposition"].startswith(
        'attachment; filename="mlops-practices-v1-wide-'
    )
    assert len(body) == detail["size"]
    assert hashlib.sha256(body).hexdigest() == detail["checksum"]
    # RFC 3230: the Digest header carries the SHA-256 in base64.
    assert (
        body_response["Digest"]
        == "sha-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    )
    assert Export.objects.get(pk=export_id).requested_by == survey.owner


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "pdf"}, "format"),
        ({"layout": "tall"}, "layout"),
        ({"filters": {"versions": [7]}}, "filters.versions"),
        ({"filters": {"submitted_from": "yesterday"}}, "filters.submitted_from"),
        ({"filters": {"status": "lost"}}, "filters.status"),
        (
            {"filters": {"segment": {"question": "tools_used", "value": "dvc"}}},
            "filters.segment",
        ),
        ({"filters": {"colour": "red"}}, "filters.colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    api_client, survey_with_responses, body, field
):
    api_client.force_authenticate(survey_with_responses.owner)
    response = _start(api_client, survey_with_responses, **body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Export.objects.exists()


def test_a_stranger_gets_403_or_404_on_every_export_url(
    api_client, survey_with_responses
):
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    export_id = _start(api_client, survey).json()["id"]
    stranger = UserFactory(role="researcher")
    api_client.force_authenticate(stranger)
    api_client.force_login(stranger)  # for the page
    assert _start(api_client, survey).status_code == 403
    assert api_client.get(f"{URL}{export_id}/").status_code == 404
    assert _download(api_client, export_id)[0].status_code == 404
    assert api_client.post(f"{URL}{export_id}/cancel/").status_code == 404
    assert api_client.get(f"/manage/surveys/{survey.slug}/exports/").status_code in {
        403,
        404,
    }
    api_client.force_authenticate(None)
    assert api_client.get(f"{URL}{export_id}/").status_code in {401, 403}


@RUNS_EXPORTS
def test_a_viewer_exports_but_cannot_read_others_exports(
    api_client, survey_with_responses, django_capture_on_commit_callbacks
):
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    owners = _start(api_client, survey).json()["id"]
    viewer = _collaborator(survey, "viewer")
    api_client.force_authenticate(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        mine = _start(api_client, survey)
    assert mine.status_code == 202
    assert _download(api_client, mine.json()["id"])[0].status_code == 200
    assert _download(api_client, owners)[0].status_code == 404
    # The owner sees every export of the survey.
    api_client.force_authenticate(survey.owner)
    assert _download(api_client, mine.json()["id"])[0].status_code == 200


def test_free_text_only_for_the_owner_and_staff(api_client, survey_with_responses):
    survey = survey_with_responses
    editor = _collaborator(survey, "editor")
    api_client.force_authenticate(editor)
    response = _start(api_client, survey, filters={"include_free_text": True})
    assert response.status_code == 403
    assert "filters.include_free_text" in response.json()["errors"]
    api_client.force_authenticate(survey.owner)
    assert (
        _start(api_client, survey, filters={"include_free_text": True}).status_code
        == 202
    )


def test_cancelling_a_queued_export_says_why_and_leaves_no_file(
    api_client, survey_with_responses, mocker
):
    mocker.patch("reports.export_services.export_enqueue")  # no worker picks it up
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    export_id = _start(api_client, survey).json()["id"]
    response = api_client.post(f"{URL}{export_id}/cancel/")
    assert response.json()["status"] == "cancelled"
    assert response.json()["error"] == "Cancelled on request."
    from reports.export_services import export_run

    export_run(export_id=export_id)  # a late delivery does nothing
    export = Export.objects.get(pk=export_id)
    assert export.status == "cancelled" and not export_path(export).exists()
    assert _download(api_client, export_id)[0].status_code == 410


def _elsewhere(work):
    """``work()`` on a connection of its own (a thread's), as a request's."""
    out = []

    def run():
        try:
            out.append(work())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out[0]


def _run_watching_chunks(survey, settings, mocker, before_chunk, **filters):
    """Run a CSV export of ``survey`` here, in chunks of 2 responses, calling
    ``before_chunk(n, export)`` before it writes its n-th chunk; return the
    export as it ended."""
    import reports.export_services as services

    settings.EXPORT_CHUNK_SIZE = 2
    export = Export.objects.create(
        survey=survey,
        requested_by=survey.owner,
        format="csv",
        layout="wide",
        filters={"versions": [1], **filters},
    )
    real_writer = services.writer_open

    def watched_writer(*args, **kwargs):
        writer = real_writer(*args, **kwargs)
        write, chunks = writer.write, itertools.count(1)

        def write_watched(columns):
            before_chunk(next(chunks), export)
            write(columns)

        writer.write = write_watched
        return writer

    mocker.patch.object(services, "writer_open", watched_writer)
    services.export_run(export_id=str(export.pk))
    export.refresh_from_db()
    return export


@RUNS_EXPORTS
def test_cancelling_a_running_export_stops_it_and_removes_the_partial_file(
    survey_with_responses, settings, exports_dir, mocker
):
    """Cancelled from elsewhere (a request, here a thread of its own) while
    its rows stream in: the export stops at its next progress report, deletes
    its partial file, and its connection is usable again."""
    from reports.export_services import export_cancel

    files = []

    def cancel_at_the_second(n, export):
        files.append(sorted(p.name for p in exports_dir.iterdir()))
        if n == 2:
            _elsewhere(lambda: export_cancel(export=export))

    export = _run_watching_chunks(
        survey_with_responses, settings, mocker, cancel_at_the_second
    )
    assert export.status == "cancelled"
    # It was writing, stopped after the chunk in hand, and left nothing.
    assert len(files) == 2 and files[1][0].endswith(".part")
    assert list(exports_dir.iterdir()) == []
    assert Export.objects.filter(status="cancelled").count() == 1  # connection ok


@RUNS_EXPORTS
def test_progress_is_visible_to_others_while_the_rows_stream(
    survey_with_responses, settings, mocker
):
    """What the progress bar polls: saved after each chunk, committed at once,
    while the export's own connection is still streaming its rows."""
    seen = []

    def look(n, export):
        seen.append(
            _elsewhere(
                lambda: Export.objects.values_list("status", "progress", "rows").get(
                    pk=export.pk
                )
            )
        )

    export = _run_watching_chunks(
        survey_with_responses, settings, mocker, look, include_voided=True
    )
    # 6 responses in chunks of 2: before each chunk, what the last one saved.
    assert seen == [("running", 0, 0), ("running", 33, 2), ("running", 66, 4)]
    assert (export.status, export.progress, export.rows) == ("done", 100, 6)


def test_a_failed_export_says_why_and_leaves_no_file(
    survey_with_responses, exports_dir, mocker
):
    from reports.export_services import export_run

    survey = survey_with_responses
    export = Export.objects.create(
        survey=survey,
        requested_by=survey.owner,
        format="parquet",
        layout="wide",
        filters={"versions": [1]},
    )
    mocker.patch(
        "reports.exports.writers.ParquetWriter.write", side_effect=OSError("disk full")
    )
    export_run(export_id=str(export.pk))
    export.refresh_from_db()
    assert export.status == "failed"
    assert "disk full" in export.error
    assert list(exports_dir.iterdir()) == []


@RUNS_EXPORTS
def test_expiry_deletes_the_file_and_keeps_the_log(
    api_client, survey_with_responses, django_capture_on_commit_callbacks
):
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    with django_capture_on_commit_callbacks(execute=True):
        export_id = _start(api_client, survey).json()["id"]
    export = Export.objects.get(pk=export_id)
    assert export_path(export).exists()
    # What a killed worker left behind goes after a day; a running export's file stays.
    stale = export_path(export).with_name(".old.csv.1.part")
    stale.write_text("partial")
    os.utime(stale, (time.time() - 2 * 86400,) * 2)
    running = export_path(export).with_name(".new.csv.2.part")
    running.write_text("partial")
    assert exports_expire(now=timezone.now()) == 0
    assert not stale.exists() and running.exists()
    assert exports_expire(now=export.expires_at + dt.timedelta(seconds=1)) == 1
    export.refresh_from_db()
    assert export.status == "expired" and not export_path(export).exists()
    assert export.filters["versions"] == [1] and export.checksum  # the log stays
    assert _download(api_client, export_id)[0].status_code == 410


def test_detail_reads_a_fixed_number_of_queries(
    api_client, survey_with_responses, django_assert_num_queries
):
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    export_id = _start(api_client, survey).json()["id"]
    # The export with its survey and requester; the reader's role is the owner's.
    with django_assert_num_queries(1):
        assert api_client.get(f"{URL}{export_id}/").status_code == 200


def _listed(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


def test_the_list_shows_each_user_the_exports_they_may_see(
    api_client, survey_with_responses, staff_user
):
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    owners = _start(api_client, survey).json()["id"]
    viewer = _collaborator(survey, "viewer")
    api_client.force_authenticate(viewer)
    viewers = _start(api_client, survey).json()["id"]

    # The viewer: their own only; the owner and staff: both, newest first.
    assert _listed(api_client) == [viewers]
    api_client.force_authenticate(survey.owner)
    assert _listed(api_client) == [viewers, owners]
    assert _listed(api_client, survey=survey.slug) == [viewers, owners]
    assert _listed(api_client, survey="another-survey") == []
    api_client.force_authenticate(staff_user)
    assert _listed(api_client) == [viewers, owners]
    # A stranger sees none; a viewer who lost the survey no longer sees theirs.
    api_client.force_authenticate(UserFactory(role="researcher"))
    assert _listed(api_client) == []
    SurveyCollaborator.objects.filter(user=viewer).delete()
    api_client.force_authenticate(viewer)
    assert _listed(api_client) == []
    api_client.force_authenticate(None)
    assert api_client.get(URL).status_code in {401, 403}


def test_the_list_reads_a_fixed_number_of_queries(
    api_client, survey_with_responses, django_assert_num_queries
):
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    for _ in range(3):
        _start(api_client, survey)
    # The count for the pagination and one page with surveys and requesters.
    with django_assert_num_queries(2):
        assert len(_listed(api_client)) == 3


@pytest.fixture
def worker_exports_dir(monkeypatch, exports_dir):
    """The worker writes where this process reads (the worker reads the env)."""
    monkeypatch.setenv("EXPORTS_DIR", str(exports_dir))
    return exports_dir


@pytest.mark.celery_worker
def test_an_export_runs_on_a_real_worker_on_the_exports_queue(
    worker_exports_dir, survey_with_responses, celery_worker_process, api_client
):
    survey = survey_with_responses
    api_client.force_authenticate(survey.owner)
    response = _start(api_client, survey, format="parquet")
    assert response.status_code == 202
    export_id = response.json()["id"]
    wait_until(lambda: Export.objects.get(pk=export_id).status == "done", timeout=60)
    _response, body = _download(api_client, export_id)
    path = worker_exports_dir.parent / "download.parquet"
    path.write_bytes(body)
    assert len(pd.read_parquet(path)) == 5


def test_exports_are_routed_to_their_own_queue():
    from config.celery import app

    route = app.amqp.router.route({}, "reports.tasks.export_run_task")
    assert route["queue"].name == "exports"
    assert (
        app.amqp.router.route({}, "reports.tasks.profiles_batch_task")["queue"].name
        == "celery"
    )
