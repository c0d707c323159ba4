"""A response's stored profile: ``reports.services.profile_compute``, its task,
and the enqueueing on submit and void (``reports.receivers``, ``reports.tasks``,
``reports.scheduling``).

Celery runs in-process here (the test settings); ``test_celery_profiles.py``
runs a real worker.
"""

import logging
import time

import pytest
import redis
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from reports import services as reports_services
from reports.catalogue import tool_catalogue
from reports.models import ResponseProfile
from reports.scheduling import profile_enqueue, results_queue
from reports.services import profile_compute, profiles_store_for
from reports.tasks import profile_compute_task, profiles_batch_task
from surveys.models import Response
from surveys.selectors import sheet_for_version_id
from surveys.services import (
    response_save,
    response_start,
    response_submit,
    response_void,
    survey_publish,
    survey_update,
)
from tests.reports.profile_helpers import (
    WORKED,
    WORKED_STAGES,
    WORKED_TOOLS,
    dimension,
    fresh_profile,
    reference_answers,
    reference_survey,
    stored_profile,
    worked_answers,
)
from tests.surveys.factories import ResponseFactory
from tests.surveys.sample_definition import COMPLETE_ANSWERS, sample

pytestmark = pytest.mark.django_db

DELAY = "reports.tasks.profile_compute_task.delay"
# What a commit calls: queue the response for its profile and its aggregates.
QUEUE = "reports.receivers.results_queue"
# Where the broker's Redis is, for the scheduling: here, a port nothing listens on.
BROKER_URL = "reports.scheduling.broker_url"
DEAD_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def survey():
    return reference_survey()


@pytest.fixture
def definition(survey):
    return sheet_for_version_id(survey.current_version_id).definition


@pytest.fixture
def worked(survey, definition) -> Response:
    """A submitted reference response with the hand-written worked answers."""
    return ResponseFactory(
        survey=survey, submitted=True, answers=worked_answers(definition)
    )


def sample_survey(researcher, *, tagged: bool = True):
    """The sample survey (no ``scoring``), its tools and stages tagged for profiles."""
    document = sample()
    if tagged:
        tools_page = document["pages"][1]["questions"]
        tools_page[0]["tags"] = ["profile:tools"]
        tools_page[3]["tags"] = ["profile:stages"]
    version = survey_publish(document=document, actor=researcher)
    return survey_update(survey=version.survey, actor=researcher, status="open")


# --- What a profile stores ------------------------------------------------------


def test_worked_example_stores_s_and_l_per_dimension(worked):
    profile_compute(response=worked)

    stored = ResponseProfile.objects.get(response=worked)
    assert dimension(stored, "D1") == {
        "code": "D1",
        "score": 3.5,
        "level": 2.5,
        "assessed": True,
        "flagged_items": [],
        "na_items": [],
    }
    levels = {d["code"]: (d["level"], d["score"]) for d in stored.dimensions}
    assert levels == {
        "D1": (2.5, 3.5),
        "D2": (4.0, 4.0),
        "D3": (1.0, 2.0),
        "D4": (0.5, 3.5),
        "D5": (2.0, 1.333),  # d5_1 N/A: rescaled 4 x 1/3, the N/A step stepped over
        "D6": (None, None),  # two N/A items: not assessed
        "D7": (0.0, 3.0),
        "D8": (1.5, 1.5),
    }
    assert dimension(stored, "D5")["na_items"] == ["d5_1"]
    assert dimension(stored, "D6")["assessed"] is False
    assert dimension(stored, "D7")["flagged_items"] == ["d7_1"]


def test_worked_example_stores_overall_breadth_bottleneck_and_flags(worked):
    profile_compute(response=worked)

    stored = ResponseProfile.objects.get(response=worked)
    assert stored.overall_level == 0.0  # the weakest assessed dimension, D7
    # The mean S over the seven assessed dimensions (D6 left out).
    assert stored.breadth == pytest.approx(
        (3.5 + 4 + 2 + 3.5 + 4 / 3 + 3 + 1.5) / 7, abs=1e-3
    )
    assert stored.bottleneck == "D7"
    assert stored.flagged == ["d7_1"]
    assert stored.scoring_version == 1
    assert stored.version_id == worked.version_id


def test_descriptive_part_lists_tools_open_source_share_and_stages(worked):
    profile_compute(response=worked)

    stored = ResponseProfile.objects.get(response=worked)
    assert stored.descriptive == {
        # "other" is not a tool; the free text stays with the answers.
        "tools": ["dvc", "mlflow", "sagemaker", "airflow"],
        # DVC, MLflow and Airflow are open source, SageMaker is not.
        "open_source_share": 0.75,
        "valued_stages": ["data_preparation", "training", "monitoring"],
    }


def test_open_source_share_is_read_from_the_catalogue(survey, definition):
    open_source = {
        code: {True: "present", False: "absent"}.get(tool.open_source, "")
        for code, tool in tool_catalogue().items()
    }
    tools = ["watson_ml", "kubeflow", "comet", "github_actions", "databricks"]
    response = ResponseFactory(
        survey=survey,
        submitted=True,
        answers=reference_answers(definition, tools=tools, stages=WORKED_STAGES),
    )

    stored = profile_compute(response=response)

    known = [open_source[code] == "present" for code in tools]
    assert stored.descriptive["open_source_share"] == round(sum(known) / len(known), 3)
    assert stored.descriptive["open_source_share"] == 0.4


def test_no_catalogued_tool_leaves_the_share_empty(survey, definition):
    response = ResponseFactory(
        survey=survey,
        submitted=True,
        answers=reference_answers(definition, tools=[], stages=WORKED_STAGES),
    )

    stored = profile_compute(response=response)

    assert stored.descriptive["tools"] == []
    assert stored.descriptive["open_source_share"] is None


def test_stored_profile_equals_a_fresh_computation(survey, definition):
    responses = [
        ResponseFactory(
            survey=survey,
            submitted=True,
            answers=reference_answers(definition, seed=seed),
        )
        for seed in range(5)
    ]
    for response in responses:
        profile_compute(response=response)

    for response in responses:
        stored = ResponseProfile.objects.get(response=response)
        assert stored_profile(stored) == fresh_profile(response)


# --- Safe to repeat, and only for submitted responses ---------------------------


def test_computing_twice_leaves_one_row_with_the_same_content(worked):
    first = stored_profile(profile_compute(response=worked))
    again = profile_compute(response=worked)

    assert ResponseProfile.objects.filter(response=worked).count() == 1
    assert stored_profile(ResponseProfile.objects.get(pk=again.pk)) == first


def test_recomputing_replaces_a_stale_profile(worked):
    profile_compute(response=worked)
    ResponseProfile.objects.filter(response=worked).update(
        overall_level=4, bottleneck="D1", dimensions=[], descriptive={}
    )

    profile_compute(response=worked)

    stored = ResponseProfile.objects.get(response=worked)
    assert stored_profile(stored) == fresh_profile(worked)


def test_draft_gets_no_profile(survey, definition):
    draft = ResponseFactory(survey=survey, answers=worked_answers(definition))

    assert profile_compute(response=draft) is None
    assert not ResponseProfile.objects.filter(response=draft).exists()


def test_voided_response_gets_no_profile_and_loses_one_it_had(worked, staff_user):
    profile_compute(response=worked)
    Response.objects.filter(pk=worked.pk).update(voided_at="2026-01-01T00:00Z")
    worked.refresh_from_db()

    assert profile_compute(response=worked) is None
    assert not ResponseProfile.objects.filter(response=worked).exists()


def test_voiding_through_the_service_removes_the_profile(
    worked, staff_user, django_capture_on_commit_callbacks
):
    profile_compute(response=worked)

    # The in-process Celery of the test settings runs the queued task.
    with django_capture_on_commit_callbacks(execute=True):
        response_void(response=worked, reason="spam", actor=staff_user)

    assert not ResponseProfile.objects.filter(response=worked).exists()


def test_version_without_scoring_gets_a_descriptive_only_profile(researcher):
    survey = sample_survey(researcher)
    response = ResponseFactory(survey=survey, submitted=True)

    stored = profile_compute(response=response)

    assert stored_profile(stored) == {
        "version_id": survey.current_version_id,
        "scoring_version": None,
        "overall_level": None,
        "breadth": None,
        "bottleneck": "",
        "dimensions": [],
        "flagged": [],
        "descriptive": {
            "tools": COMPLETE_ANSWERS["tools"],  # mlflow, dvc: both open source
            "open_source_share": 1.0,
            "valued_stages": COMPLETE_ANSWERS["stages"],
        },
    }


def test_version_without_profile_tags_describes_nothing(researcher):
    survey = sample_survey(researcher, tagged=False)
    response = ResponseFactory(survey=survey, submitted=True)

    stored = profile_compute(response=response)

    assert stored.descriptive == {
        "tools": [],
        "open_source_share": None,
        "valued_stages": [],
    }
    assert stored.scoring_version is None


# --- The task ---------------------------------------------------------------------


def test_task_takes_the_id_and_stores_the_profile(worked):
    result = profile_compute_task.apply(kwargs={"response_id": str(worked.pk)})

    assert result.get() == "stored"
    stored = ResponseProfile.objects.get(response=worked)
    assert stored_profile(stored) == fresh_profile(worked)


def test_task_for_a_deleted_response_returns_quietly(worked):
    response_id = str(worked.pk)
    worked.delete()

    assert profile_compute_task(response_id=response_id) == "missing"
    assert not ResponseProfile.objects.exists()


def test_task_for_a_draft_stores_nothing(survey):
    draft = ResponseFactory(survey=survey)

    assert profile_compute_task(response_id=str(draft.pk)) == "none"
    assert not ResponseProfile.objects.exists()


def test_task_logs_what_it_did(worked, caplog):
    with caplog.at_level(logging.INFO, logger="reports.tasks"):
        profile_compute_task(response_id=str(worked.pk))

    assert f"profile of {worked.pk}: stored" in caplog.text


# --- Queued on commit, once ----------------------------------------------------------


def test_submitting_queues_one_profile_task_on_commit(
    survey, definition, mocker, django_capture_on_commit_callbacks
):
    delay = mocker.patch(QUEUE)
    draft = ResponseFactory(survey=survey, answers=worked_answers(definition))

    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response=draft)

    delay.assert_called_once_with(str(draft.pk), draft.version_id)


def test_submitting_twice_queues_one_profile_task(
    survey, definition, mocker, django_capture_on_commit_callbacks
):
    delay = mocker.patch(QUEUE)
    draft = ResponseFactory(survey=survey, answers=worked_answers(definition))

    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response=draft)
        response_submit(response=draft)

    delay.assert_called_once_with(str(draft.pk), draft.version_id)


def test_starting_a_submitted_response_queues_one_profile_task(
    survey, definition, mocker, django_capture_on_commit_callbacks
):
    delay = mocker.patch(QUEUE)

    with django_capture_on_commit_callbacks(execute=True):
        response, created = response_start(
            survey=survey, answers=worked_answers(definition), submit=True
        )

    assert created
    delay.assert_called_once_with(str(response.pk), response.version_id)


def test_drafts_queue_nothing(
    survey, definition, mocker, django_capture_on_commit_callbacks
):
    delay = mocker.patch(QUEUE)

    with django_capture_on_commit_callbacks(execute=True):
        response, _created = response_start(survey=survey)
        response_save(response=response, answers={"age_range": "26_30"})

    delay.assert_not_called()
    assert Response.objects.get(pk=response.pk).status == Response.Status.DRAFT


def test_nothing_is_queued_before_the_commit(
    survey, definition, mocker, django_capture_on_commit_callbacks
):
    delay = mocker.patch(QUEUE)
    draft = ResponseFactory(survey=survey, answers=worked_answers(definition))

    with django_capture_on_commit_callbacks() as callbacks:
        response_submit(response=draft)
        delay.assert_not_called()

    assert len(callbacks) == 1
    callbacks[0]()
    delay.assert_called_once_with(str(draft.pk), draft.version_id)


def test_a_rolled_back_submission_queues_nothing(
    survey, definition, mocker, django_capture_on_commit_callbacks
):
    delay = mocker.patch(QUEUE)
    draft = ResponseFactory(survey=survey, answers=worked_answers(definition))

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        response_submit(response=draft)
        raise RuntimeError("the request failed after the submit")

    delay.assert_not_called()
    assert Response.objects.get(pk=draft.pk).status == Response.Status.DRAFT


def test_voiding_queues_one_profile_task(
    worked, staff_user, mocker, django_capture_on_commit_callbacks
):
    delay = mocker.patch(QUEUE)

    with django_capture_on_commit_callbacks(execute=True):
        response_void(response=worked, reason="spam", actor=staff_user)
        response_void(response=worked, reason="spam", actor=staff_user)

    delay.assert_called_once_with(str(worked.pk), worked.version_id, voided=True)


def test_a_void_gets_its_own_task_not_a_place_in_the_batch(worked, mocker):
    """Its id may still be in a running batch's set (added when it was
    submitted), which would remove it after computing the old profile."""
    batch = mocker.patch("reports.tasks.profiles_batch_task.apply_async")
    delay = mocker.patch(DELAY)

    results_queue(str(worked.pk), worked.version_id, voided=True)

    delay.assert_called_once_with(response_id=str(worked.pk))
    batch.assert_not_called()


def test_one_batch_per_version_runs_at_a_time(survey, definition, mocker):
    """A second batch task finding the version's lock held by another task
    computes nothing and comes back later."""
    apply = mocker.patch("reports.tasks.profiles_batch_task.apply_async")
    queued_responses(survey, definition, 2)
    version_id = survey.current_version_id
    broker = redis.Redis.from_url(django_settings.REDIS_URL)
    broker.set(f"reports:profiles-batch-lock:{version_id}", "another-task", ex=60)

    assert profiles_batch_task(version_id=version_id) == 0

    assert not ResponseProfile.objects.exists()
    assert apply.call_args_list[-1] == mocker.call(
        kwargs={"version_id": version_id}, countdown=mocker.ANY
    )
    broker.delete(f"reports:profiles-batch-lock:{version_id}")
    assert profiles_batch_task(version_id=version_id) == 2


def queued_responses(survey, definition, count: int) -> list[Response]:
    """Submitted responses, each queued for its profile as its commit would."""
    responses = [
        ResponseFactory(
            survey=survey, submitted=True, answers=reference_answers(definition, seed=i)
        )
        for i in range(count)
    ]
    for response in responses:
        results_queue(str(response.pk), survey.current_version_id)
    return responses


def test_a_burst_of_submissions_queues_one_batch_per_version(
    survey, definition, mocker, settings
):
    settings.PROFILE_BATCH_SECONDS = 0.5
    apply = mocker.patch("reports.tasks.profiles_batch_task.apply_async")
    version_id = survey.current_version_id
    queued_responses(survey, definition, 3)

    apply.assert_called_once_with(kwargs={"version_id": version_id}, countdown=0.5)
    assert not ResponseProfile.objects.exists()  # nothing computed in the request


def test_a_batch_stores_every_pending_profile_then_schedules_the_aggregates(
    survey, definition, mocker, staff_user
):
    apply = mocker.patch("reports.tasks.profiles_batch_task.apply_async")
    schedule = mocker.patch("reports.scheduling.aggregates_schedule")
    version_id = survey.current_version_id
    responses = queued_responses(survey, definition, 3)
    Response.objects.filter(pk=responses[2].pk).update(
        voided_at=timezone.now(), void_reason="spam", voided_by=staff_user
    )

    assert profiles_batch_task(version_id=version_id) == 2

    for response in responses[:2]:
        assert stored_profile(response.profile) == fresh_profile(response)
    assert not ResponseProfile.objects.filter(response=responses[2]).exists()
    schedule.assert_called_once_with(version_id)
    assert profiles_batch_task(version_id=version_id) == 0  # nothing left pending
    results_queue(str(responses[0].pk), version_id)  # the guard was released
    assert apply.call_count == 2


def test_submitting_then_computing_in_process_stores_the_profile(
    survey, definition, django_capture_on_commit_callbacks
):
    draft = ResponseFactory(survey=survey, answers=worked_answers(definition))

    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response=draft)

    stored = ResponseProfile.objects.get(response=draft)
    assert dimension(stored, "D1")["level"] == 2.5


# --- The broker is down ----------------------------------------------------------------


def test_enqueue_never_raises_when_the_broker_is_down(worked, mocker, caplog):
    delay = mocker.patch(DELAY, side_effect=BrokerError("Error 111 connecting"))

    with caplog.at_level(logging.WARNING, logger="reports.scheduling"):
        assert profile_enqueue(worked.pk) is None

    delay.assert_called_once_with(response_id=str(worked.pk))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(worked.pk) in warnings[0].getMessage()
    assert warnings[0].exc_info is not None


def test_enqueue_survives_any_error_of_the_publisher(worked, mocker, caplog):
    mocker.patch(DELAY, side_effect=RuntimeError("Retry limit exceeded"))

    with caplog.at_level(logging.WARNING, logger="reports.scheduling"):
        profile_enqueue(worked.pk)

    assert "could not queue the profile" in caplog.text


def test_submission_succeeds_when_the_broker_is_down(
    survey, definition, mocker, caplog, django_capture_on_commit_callbacks
):
    mocker.patch(BROKER_URL, return_value=DEAD_BROKER)
    draft = ResponseFactory(survey=survey, answers=worked_answers(definition))

    with (
        caplog.at_level(logging.WARNING, logger="reports.scheduling"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        submitted = response_submit(response=draft)

    assert submitted.status == Response.Status.SUBMITTED
    assert Response.objects.get(pk=draft.pk).is_submitted
    assert not ResponseProfile.objects.filter(response=draft).exists()
    assert f"could not queue the profile of {draft.pk}" in caplog.text


def test_worked_answers_use_the_ladders_as_written(definition):
    """A guard on the helper: the worked answers are the hand-written ones."""
    answers = worked_answers(definition)

    assert [answers[f"d1_{k}"] for k in range(1, 5)] == WORKED["D1"]
    assert answers["tools_used"] == WORKED_TOOLS
    assert answers["valued_stages"] == WORKED_STAGES


def batch_lock(version_id: int) -> str:
    return f"reports:profiles-batch-lock:{version_id}"


def test_a_running_batch_holds_its_lock_however_long_it_runs(
    survey, definition, mocker, settings
):
    """Its lock lives a few seconds but is renewed while the batch runs: else a
    long batch could lose it, and a second batch compute the same ids."""
    settings.PROFILE_BATCH_LOCK_SECONDS = 1
    send = mocker.patch("reports.scheduling._send")
    mocker.patch("reports.scheduling.aggregates_schedule")
    version_id = survey.current_version_id
    queued_responses(survey, definition, 1)
    send.reset_mock()  # the batch the submission queued
    broker = redis.Redis.from_url(django_settings.REDIS_URL)
    seen = []

    def store(*, response_ids, version_id):
        time.sleep(2.5)  # longer than the lock's own lifetime
        seen.append(broker.pttl(batch_lock(version_id)))
        seen.append(profiles_batch_task(version_id=version_id))  # a second batch
        return profiles_store_for(response_ids=response_ids, version_id=version_id)

    mocker.patch("reports.scheduling.profiles_store_for", side_effect=store)

    assert profiles_batch_task(version_id=version_id) == 1

    lifetime, second = seen
    assert 0 < lifetime <= 1000
    assert second == 0  # it found the lock held and came back later
    send.assert_called_once()
    assert not broker.exists(batch_lock(version_id))  # released at the end


def test_a_dead_worker_s_lock_lets_the_next_batch_in_within_seconds(
    survey, definition, mocker, settings
):
    """A worker killed mid-batch stops renewing its lock: the next batch (the
    redelivered message, or one the next submission queues) runs as soon as
    the lock lapses, not minutes later."""
    settings.PROFILE_BATCH_LOCK_SECONDS = 1
    mocker.patch("reports.scheduling._send")
    mocker.patch("reports.scheduling.aggregates_schedule")
    version_id = survey.current_version_id
    responses = queued_responses(survey, definition, 2)
    broker = redis.Redis.from_url(django_settings.REDIS_URL)
    # What a batch whose worker died leaves: its lock, renewed no more.
    broker.set(batch_lock(version_id), "dead-worker-token", px=1000)

    early = profiles_batch_task(version_id=version_id)
    time.sleep(1.1)
    later = profiles_batch_task(version_id=version_id)

    assert (early, later) == (0, 2)
    assert ResponseProfile.objects.filter(response__in=responses).count() == 2


def test_a_batch_skips_the_responses_reconciliation_profiled_meanwhile(
    survey, definition, mocker
):
    mocker.patch("reports.tasks.profiles_batch_task.apply_async")
    mocker.patch("reports.scheduling.aggregates_schedule")
    version_id = survey.current_version_id
    first, second = queued_responses(survey, definition, 2)
    profile_compute(response=first)  # what a reconciliation fill did
    computed = mocker.spy(reports_services, "_profiles_store")

    assert profiles_batch_task(version_id=version_id) == 1

    (rows,), _kwargs = computed.call_args
    assert [str(row[0]) for row in rows] == [str(second.pk)]
    assert ResponseProfile.objects.count() == 2


def test_a_batch_that_ends_leaves_alone_a_lock_another_batch_took(
    survey, definition, mocker
):
    mocker.patch("reports.tasks.profiles_batch_task.apply_async")
    mocker.patch("reports.scheduling.aggregates_schedule")
    version_id = survey.current_version_id
    queued_responses(survey, definition, 1)
    broker = redis.Redis.from_url(django_settings.REDIS_URL)

    def store(*, response_ids, version_id):
        # This batch's lock expired meanwhile, and another batch took it.
        broker.set(batch_lock(version_id), "another-task", ex=60)
        return profiles_store_for(response_ids=response_ids, version_id=version_id)

    mocker.patch("reports.scheduling.profiles_store_for", side_effect=store)

    assert profiles_batch_task(version_id=version_id) == 1

    assert broker.get(batch_lock(version_id)) == b"another-task"


def test_a_soft_time_limit_stops_a_batch_and_leaves_its_ids_pending(
    survey, definition, mocker
):
    """Celery raises ``SoftTimeLimitExceeded`` inside the task: the batch stops
    there, its responses stay pending, and the next batch computes them."""
    mocker.patch("reports.tasks.profiles_batch_task.apply_async")
    mocker.patch("reports.scheduling.aggregates_schedule")
    version_id = survey.current_version_id
    responses = queued_responses(survey, definition, 2)
    broker = redis.Redis.from_url(django_settings.REDIS_URL)
    stopped = mocker.patch(
        "reports.scheduling.profiles_store_for", side_effect=SoftTimeLimitExceeded()
    )

    with pytest.raises(SoftTimeLimitExceeded):
        profiles_batch_task(version_id=version_id)

    stopped.assert_called_once()
    pending = broker.smembers(f"reports:profiles-pending:{version_id}")
    assert {raw.decode() for raw in pending} == {str(r.pk) for r in responses}
    assert not broker.exists(batch_lock(version_id))
    assert not ResponseProfile.objects.exists()
    mocker.patch(
        "reports.scheduling.profiles_store_for", side_effect=profiles_store_for
    )
    assert profiles_batch_task(version_id=version_id) == 2


def test_a_response_that_cannot_be_scored_does_not_block_its_batch(
    survey, definition, mocker, caplog
):
    mocker.patch("reports.tasks.profiles_batch_task.apply_async")
    mocker.patch("reports.scheduling.aggregates_schedule")
    version_id = survey.current_version_id
    good, bad = queued_responses(survey, definition, 2)
    real = profiles_store_for

    def store(*, response_ids, version_id):
        if str(bad.pk) in response_ids:
            raise ValueError("a scoring bug")
        return real(response_ids=response_ids, version_id=version_id)

    mocker.patch("reports.scheduling.profiles_store_for", side_effect=store)

    with caplog.at_level(logging.ERROR, logger="reports.scheduling"):
        assert profiles_batch_task(version_id=version_id) == 1

    assert ResponseProfile.objects.filter(response=good).exists()
    assert f"could not compute the profile of {bad.pk}" in caplog.text
    assert profiles_batch_task(version_id=version_id) == 0  # not retried forever


def test_a_batch_lost_with_its_worker_blocks_the_next_only_for_the_grace(
    survey, definition, mocker, settings
):
    """The first submission of a window queues the batch; if that message is
    lost (its worker killed before it started), a later submission queues
    another once ``SCHEDULE_GRACE_SECONDS`` have passed, not minutes later."""
    settings.PROFILE_BATCH_SECONDS = 0
    settings.SCHEDULE_GRACE_SECONDS = 1
    send = mocker.patch("reports.scheduling._send")

    queued_responses(survey, definition, 2)  # the second finds the guard
    assert send.call_count == 1
    time.sleep(1.1)  # the batch never started: its guard lapses
    queued_responses(survey, definition, 1)

    assert send.call_count == 2
    assert send.call_args.kwargs == {
        "countdown": 0,
        "version_id": survey.current_version_id,
    }
