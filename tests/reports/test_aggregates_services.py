"""Cohort aggregates and bulk profiles: the services, the tasks and their
scheduling (``reports.services``, ``reports.selectors``, ``reports.tasks``,
``reports.scheduling``, ``reports.receivers``), on the real PostgreSQL; the
last test runs a real Celery worker on the real Redis.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from demo.synthetic import _draw, synthetic_answers
from reports import scheduling, tasks
from reports import services as services_module
from reports.aggregation import ALL, Row, aggregate, extract_python
from reports.models import CohortAggregate, ResponseProfile
from reports.public import ACTIVITY, PUBLIC_RELEASE
from reports.selectors import (
    aggregate_sources,
    aggregates_compute,
    aggregates_stale_version_ids,
    plan_for_version_id,
)
from reports.services import (
    aggregates_recompute,
    profile_compute,
    profiles_fill,
    profiles_recompute,
)
from surveys.answers import AnswerSheet
from surveys.definition import OTHER, OTHER_SUFFIX, Definition
from surveys.models import Response, Survey
from surveys.selectors import sheet_for_version_id
from surveys.services import response_start, response_void
from tests.accounts.factories import UserFactory
from tests.reports import profile_helpers
from tests.surveys.factories import (
    ResponseFactory,
    SurveyFactory,
    answers_for,
    definition_with_questions,
)

APPLY = "reports.tasks.aggregates_refresh_task.apply_async"


# --- Helpers (the other aggregate tests use them too) -------------------------------------


def reference_survey(owner=None) -> Survey:
    """The reference questionnaire, published and open; owned by ``owner``."""
    return profile_helpers.reference_survey(owner or UserFactory(role="researcher"))


def definition_of(survey: Survey) -> Definition:
    return sheet_for_version_id(survey.current_version_id).definition


def complete_answers(
    definition: Definition, seed: int, fixed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Valid, complete answers: ``fixed`` ones and a seeded synthetic draw for the rest.

    Questions are walked in survey order, so a fixed answer shows or hides
    the questions that depend on it; the answer sheet has the last word.
    """
    fixed = fixed or {}
    rng = random.Random(seed)
    drawn = synthetic_answers(definition, rng, skip_optional=0.3)
    sheet = AnswerSheet(definition)
    answers: dict[str, Any] = {}
    for _page, question, applies, _rows in sheet.walk(answers):
        if not applies:
            continue
        code = question.code
        if code in fixed:
            value = fixed[code]
        elif code in drawn and question.type != "matrix":
            value = drawn[code]
        elif question.required or question.type == "matrix":
            value = _draw(question, sheet, answers, rng)
        else:
            continue
        if value is None:
            continue
        answers[code] = value
        if value == OTHER or (isinstance(value, list) and OTHER in value):
            answers[code + OTHER_SUFFIX] = "Something else"
    clean, errors = sheet.clean(answers, complete=True)
    assert not errors, errors
    return clean


def submit(survey: Survey, answers: dict[str, Any]) -> Response:
    response, _created = response_start(survey=survey, answers=answers, submit=True)
    return response


def submit_many(survey: Survey, count: int, *, seed: int = 0) -> list[Response]:
    definition = definition_of(survey)
    return [
        submit(survey, complete_answers(definition, seed + i)) for i in range(count)
    ]


def stored(version_id: int) -> dict[str, tuple[int, dict]]:
    """The stored segments (the public release is a copy, and the dashboards'
    activity is no segment: both are tested on their own)."""
    return {
        row.segment: (row.n, row.data)
        for row in CohortAggregate.objects.filter(version_id=version_id).exclude(
            segment__in=[PUBLIC_RELEASE, ACTIVITY]
        )
    }


def computed_in_python(version_id: int) -> dict[str, tuple[int, dict]]:
    """``aggregates_compute`` with the Python reference extraction in place of SQL."""
    plan = plan_for_version_id(version_id)
    rows = (
        aggregate_sources(version_id=version_id)
        .values_list(
            "answers",
            "profile__dimensions",
            "profile__overall_level",
            "profile__breadth",
        )
        .order_by("pk")  # as the SQL path: float sums depend on the order
    )
    return aggregate(plan, extract_python(plan, (Row(*row) for row in rows)))


def assert_same(left: dict, right: dict) -> None:
    """Equal results, segment by segment (a readable failure on a large payload)."""
    assert left.keys() == right.keys()
    for segment in left:
        assert left[segment][0] == right[segment][0], segment
        assert left[segment][1].keys() == right[segment][1].keys(), segment
        for group in left[segment][1]:
            assert left[segment][1][group] == right[segment][1][group], (
                segment,
                group,
            )


# --- The SQL path equals the Python reference -------------------------------------


@pytest.mark.django_db
def test_sql_and_python_paths_agree_on_the_reference_survey(staff_user):
    survey = reference_survey()
    responses = submit_many(survey, 30)
    profiles_recompute()
    response_void(response=responses[0], reason="test", actor=staff_user)
    submit_many(survey, 2, seed=100)  # submitted after: no profile yet
    ResponseFactory(survey=survey)  # a draft
    # A profile listing its dimensions in another order and without an
    # overall level: both paths read dimensions by position.
    odd = ResponseProfile.objects.get(response=responses[1])
    odd.dimensions = odd.dimensions[::-1]
    odd.overall_level = None
    odd.save()

    by_sql = aggregates_compute(version_id=survey.current_version_id)
    by_python = computed_in_python(survey.current_version_id)

    assert_same(by_sql, by_python)
    assert by_sql[""][0] == 29  # voided, draft and unprofiled ones left out
    assert by_sql[""][1][ALL]["overall"]["n"] == 28
    assert by_sql[""][1][ALL]["dimensions"]["D1"]["n"] <= 28


@pytest.mark.django_db
def test_sql_and_python_paths_agree_on_every_type_and_on_odd_answers(researcher):
    document = definition_with_questions(30, slug="every-type")
    survey = SurveyFactory(slug="every-type", definition=document, owner=researcher)
    base = answers_for(document)
    variants = []
    for i, number in enumerate([0, 100, 42.5, 99.99, 10, 3.3, 57]):
        answers = dict(base)
        answers["q3"] = number  # bounded, not whole: binned
        answers["q0"] = "abc"[i % 3]
        answers["q5"] = bool(i % 2)
        answers["q7"] = ["b", "c"] if i % 2 else ["a", "c"]
        answers["q2"] = 1 + i % 5
        variants.append(answers)
    responses = [submit(survey, answers) for answers in variants]
    junk = [
        {"q0": ["a"], "q1": "a", "q2": 3.0, "q3": "12", "q5": "true"},
        {"q7": ["c", 1, "a", "a"], "q8": ["r1"], "q1": ["a", "a", 7], "q2": True},
        {"q8": {"r1": "x", "r9": "y", "r2": 1}, "q3": None, "q0": 1, "q2": "3"},
        {"q13": 5.0, "q12": 4, "q10": "b", "q11": ["x"]},
    ]
    for response, answers in zip(responses, junk, strict=False):
        Response.objects.filter(pk=response.pk).update(answers=answers)
    profiles_recompute()

    by_sql = aggregates_compute(version_id=survey.current_version_id)
    by_python = computed_in_python(survey.current_version_id)

    assert_same(by_sql, by_python)
    questions = by_sql[""][1][ALL]["questions"]
    assert questions["q3"]["n"] == 3  # 10, 3.3 and 57: the others are junk now
    assert questions["q3"]["mean"] == round((10 + 3.3 + 57) / 3, 4)
    assert questions["q7"]["n"] == 4  # three answers and one list of junk


# --- aggregates_recompute -------------------------------------------------------------


@pytest.mark.django_db
def test_recompute_stores_every_segment_and_is_idempotent():
    survey = reference_survey()
    submit_many(survey, 6)
    profiles_recompute()
    version = survey.current_version

    count = aggregates_recompute(version=version)
    first = stored(version.pk)
    again = aggregates_recompute(version=version)

    plan = plan_for_version_id(version.pk)
    assert count == again == len(plan.segments)
    # With the public release and the dashboards' activity.
    assert CohortAggregate.objects.filter(version=version).count() == count + 2
    assert stored(version.pk) == first
    assert first[""][0] == 6
    assert "experience_years,role" in first
    assert_same(first, aggregates_compute(version_id=version.pk))


@pytest.mark.django_db
def test_recompute_removes_segments_the_plan_no_longer_has(settings):
    survey = reference_survey()
    submit_many(survey, 3)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)

    settings.AGGREGATE_MAX_PAIRS = 1
    aggregates_recompute(version=survey.current_version)

    pairs = CohortAggregate.objects.filter(
        version=survey.current_version, segment__contains=","
    )
    assert list(pairs.values_list("segment", flat=True)) == [
        "age_range,experience_years"
    ]


@pytest.mark.django_db
def test_recompute_counts_only_submitted_non_voided_responses_with_a_profile(
    staff_user,
):
    survey = reference_survey()
    counted = submit_many(survey, 4)
    profiles_recompute()
    voided = submit(survey, complete_answers(definition_of(survey), 50))
    profile_compute(response=voided)
    response_void(response=voided, reason="spam", actor=staff_user)
    submit(survey, complete_answers(definition_of(survey), 51))  # no profile yet
    ResponseFactory(survey=survey)  # draft

    aggregates_recompute(version=survey.current_version)

    snapshot = CohortAggregate.objects.get(version=survey.current_version, segment="")
    assert snapshot.n == len(counted)
    assert snapshot.data[ALL]["n"] == len(counted)
    # The watermark counts every submitted, non-voided response.
    assert snapshot.source_count == len(counted) + 1


@pytest.mark.django_db
def test_an_interrupted_recompute_leaves_the_previous_snapshots_whole(mocker):
    survey = reference_survey()
    submit_many(survey, 3)
    profiles_recompute()
    version = survey.current_version
    aggregates_recompute(version=version)
    before = stored(version.pk)
    submit_many(survey, 2, seed=10)
    profiles_recompute()
    original = services_module._snapshot_upsert
    calls = []

    def fail_on_the_third(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return original(**kwargs)

    mocker.patch.object(
        services_module, "_snapshot_upsert", side_effect=fail_on_the_third
    )
    with pytest.raises(RuntimeError):
        aggregates_recompute(version=version)

    assert stored(version.pk) == before
    mocker.stopall()
    aggregates_recompute(version=version)  # done again
    assert stored(version.pk)[""][0] == 5


@pytest.mark.django_db
def test_snapshots_go_stale_on_a_submission_or_a_void(staff_user):
    survey = reference_survey()
    responses = submit_many(survey, 3)
    profiles_recompute()
    version = survey.current_version
    assert aggregates_stale_version_ids() == [version.pk]  # never computed

    aggregates_recompute(version=version)
    assert aggregates_stale_version_ids() == []

    response_void(response=responses[0], reason="test", actor=staff_user)
    assert aggregates_stale_version_ids() == [version.pk]
    aggregates_recompute(version=version)
    assert aggregates_stale_version_ids() == []

    submit_many(survey, 1, seed=20)
    assert aggregates_stale_version_ids() == [version.pk]


# --- Profiles in bulk -------------------------------------------------------------------


@pytest.mark.django_db
def test_profiles_recompute_stores_what_profile_compute_would(mocker, staff_user):
    survey = reference_survey()
    responses = submit_many(survey, 5)
    single = mocker.spy(services_module, "profile_compute")
    progress = []

    count = profiles_recompute(
        progress=lambda done, total: progress.append((done, total))
    )

    assert count == 5
    single.assert_not_called()  # batches, not a transaction per response
    assert progress[0] == (0, 5)
    assert progress[-1] == (5, 5)
    fields = ["scoring_version", "overall_level", "breadth", "bottleneck", "dimensions"]
    bulk = {
        p.response_id: [getattr(p, f) for f in fields]
        for p in ResponseProfile.objects.all()
    }
    for response in responses:
        one = profile_compute(response=response)
        assert bulk[response.pk] == [getattr(one, f) for f in fields]


@pytest.mark.django_db
def test_profiles_recompute_removes_profiles_of_voided_responses(staff_user):
    survey = reference_survey()
    responses = submit_many(survey, 3)
    profiles_recompute()
    # Voided without its task running (the broker was down, say).
    Response.objects.filter(pk=responses[0].pk).update(voided_at=timezone.now())

    assert profiles_recompute() == 2
    assert not ResponseProfile.objects.filter(response=responses[0]).exists()
    assert ResponseProfile.objects.count() == 2


@pytest.mark.django_db
def test_profiles_recompute_of_one_survey_leaves_the_others(researcher, mocker):
    survey = reference_survey()
    other = SurveyFactory(owner=researcher)
    submit_many(survey, 2)
    ResponseFactory(survey=other, submitted=True)
    mocker.patch("reports.services.RECOMPUTE_BATCH", 1)  # several batches

    assert profiles_recompute(survey=survey) == 2
    assert ResponseProfile.objects.count() == 2
    assert profiles_recompute() == 3


@pytest.mark.django_db
def test_profiles_fill_computes_only_the_missing_ones():
    survey = reference_survey()
    first = submit_many(survey, 2)
    profiles_recompute()
    before = ResponseProfile.objects.get(response=first[0]).computed_at
    later = submit_many(survey, 2, seed=30)

    assert profiles_fill(version=survey.current_version) == 2
    assert ResponseProfile.objects.get(response=first[0]).computed_at == before
    assert ResponseProfile.objects.filter(response__in=later).count() == 2


# --- Scheduling: debounce, broker down ---------------------------------------------------


@pytest.mark.django_db
def test_a_burst_schedules_one_refresh_per_version(mocker, settings):
    settings.AGGREGATE_DEBOUNCE_SECONDS = 7
    apply = mocker.patch(APPLY)

    for _ in range(5):
        scheduling.aggregates_schedule(41)
    scheduling.aggregates_schedule(42)

    assert apply.call_count == 2
    apply.assert_any_call(kwargs={"version_id": 41}, countdown=7)
    apply.assert_any_call(kwargs={"version_id": 42}, countdown=7)


@pytest.mark.django_db
def test_a_refresh_that_starts_lets_the_next_submission_schedule_again(mocker):
    apply = mocker.patch(APPLY)
    scheduling.aggregates_schedule(41)

    tasks.aggregates_refresh_task(version_id=41)  # no such version: quiet
    scheduling.aggregates_schedule(41)

    assert apply.call_count == 2


@pytest.mark.django_db
def test_scheduling_never_raises_with_the_broker_down(mocker, caplog):
    apply = mocker.patch(APPLY, side_effect=BrokerError("Error 111 connecting"))

    with caplog.at_level(logging.WARNING, logger="reports.scheduling"):
        assert scheduling.aggregates_schedule(41) is None
        scheduling.aggregates_schedule(41)  # the guard was released: it tries again

    assert apply.call_count == 2
    assert "could not schedule the aggregates of version 41" in caplog.text


@pytest.mark.django_db
def test_scheduling_without_the_cache_still_schedules(mocker, caplog):
    mocker.patch.object(cache, "add", side_effect=ConnectionError("cache down"))
    mocker.patch.object(cache, "delete", side_effect=ConnectionError("cache down"))
    apply = mocker.patch(APPLY)

    with caplog.at_level(logging.WARNING, logger="reports.scheduling"):
        scheduling.aggregates_schedule(41)

    apply.assert_called_once_with(kwargs={"version_id": 41}, countdown=mocker.ANY)
    assert "cache down" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_burst_refreshes_once_after_the_window(mocker, settings):
    """The embedded mode (no broker) never refreshes inside a submission: the
    first call of a window starts a timer, the rest of the burst folds into it."""
    settings.AGGREGATE_DEBOUNCE_SECONDS = 0.4
    version_id = reference_survey().current_version_id
    mocker.patch("reports.scheduling.broker_url", return_value=None)
    recompute = mocker.patch("reports.tasks.aggregates_recompute", return_value=1)

    for _ in range(10):
        scheduling.aggregates_schedule(version_id)
    assert recompute.call_count == 0  # nothing ran inside the callers

    wait_for(lambda: recompute.call_count == 1)
    time.sleep(0.6)
    assert recompute.call_count == 1
    scheduling.aggregates_schedule(version_id)  # a later submission: the next window
    wait_for(lambda: recompute.call_count == 2)


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "not within the timeout"
        time.sleep(0.05)


@pytest.mark.django_db
def test_submitting_and_voiding_queue_the_results_on_commit(
    mocker, django_capture_on_commit_callbacks, staff_user
):
    survey = reference_survey()
    answers = complete_answers(definition_of(survey), 1)
    schedule = mocker.patch("reports.receivers.results_queue")

    with django_capture_on_commit_callbacks() as callbacks:
        response = submit(survey, answers)
        schedule.assert_not_called()  # not before the commit
    for callback in callbacks:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        response_void(response=response, reason="spam", actor=staff_user)

    assert schedule.call_args_list == [
        mocker.call(str(response.pk), survey.current_version_id),
        mocker.call(str(response.pk), survey.current_version_id, voided=True),
    ]


@pytest.mark.django_db
def test_the_profile_task_schedules_the_aggregates_after_storing(mocker):
    survey = reference_survey()
    response = submit(survey, complete_answers(definition_of(survey), 1))
    schedule = mocker.patch("reports.tasks.aggregates_schedule")

    tasks.profile_compute_task(response_id=str(response.pk))

    assert ResponseProfile.objects.filter(response=response).exists()
    schedule.assert_called_once_with(survey.current_version_id)


# --- Freshness -------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_a_burst_the_stored_aggregates_equal_a_recompute_from_scratch(
    mocker, settings, django_capture_on_commit_callbacks, staff_user
):
    """Twelve submissions queue one refresh; once it ran, stored == from scratch."""
    settings.AGGREGATE_DEBOUNCE_SECONDS = 3
    survey = reference_survey()
    definition = definition_of(survey)
    version_id = survey.current_version_id
    apply = mocker.patch(APPLY)  # the broker: holds the refresh for the window

    with django_capture_on_commit_callbacks(execute=True):
        # Each commit computes the profile in-process (eager Celery).
        responses = [submit(survey, complete_answers(definition, i)) for i in range(12)]
    apply.assert_called_once_with(kwargs={"version_id": version_id}, countdown=3)

    tasks.aggregates_refresh_task(**apply.call_args.kwargs["kwargs"])  # the window ends

    assert stored(version_id)[""][0] == 12
    assert_same(stored(version_id), aggregates_compute(version_id=version_id))
    assert_same(stored(version_id), computed_in_python(version_id))

    with django_capture_on_commit_callbacks(execute=True):
        response_void(response=responses[0], reason="spam", actor=staff_user)
    assert apply.call_count == 2
    tasks.aggregates_refresh_task(version_id=version_id)
    assert stored(version_id)[""][0] == 11
    assert_same(stored(version_id), aggregates_compute(version_id=version_id))


@pytest.mark.django_db
def test_in_process_celery_keeps_aggregates_fresh_on_every_submission(
    django_capture_on_commit_callbacks,
):
    """The embedded default (no broker): every commit refreshes at once."""
    survey = reference_survey()
    definition = definition_of(survey)

    with django_capture_on_commit_callbacks(execute=True):
        submit_many(survey, 2)
    with django_capture_on_commit_callbacks(execute=True):
        submit(survey, complete_answers(definition, 99))

    assert stored(survey.current_version_id)[""][0] == 3


# --- Reconciliation -----------------------------------------------------------------------


@pytest.mark.django_db
def test_reconcile_computes_missing_profiles_and_refreshes_their_aggregates():
    survey = reference_survey()
    responses = submit_many(survey, 3)  # no commit here: no task ran

    summary = tasks.reconcile_task()

    assert summary["profiles_missing"] == 3
    assert ResponseProfile.objects.filter(response__in=responses).count() == 3
    snapshot = CohortAggregate.objects.get(version=survey.current_version, segment="")
    assert snapshot.n == 3
    assert aggregates_stale_version_ids() == []


@pytest.mark.django_db
def test_reconcile_refreshes_stale_aggregates_and_prunes_voided_profiles(mocker):
    survey = reference_survey()
    responses = submit_many(survey, 3)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)
    Response.objects.filter(pk=responses[0].pk).update(voided_at=timezone.now())
    apply = mocker.patch(APPLY)

    summary = tasks.reconcile_task()

    assert summary == {
        "profiles_missing": 0,
        "profiles_pruned": 1,
        "aggregates_stale": 1,
    }
    apply.assert_called_once_with(
        kwargs={"version_id": survey.current_version_id}, countdown=mocker.ANY
    )


@pytest.mark.django_db
def test_reconcile_leaves_fresh_results_alone(mocker):
    survey = reference_survey()
    submit_many(survey, 2)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)
    apply = mocker.patch(APPLY)
    fill = mocker.patch("reports.tasks.profiles_fill_task.delay")

    assert tasks.reconcile_task() == {
        "profiles_missing": 0,
        "profiles_pruned": 0,
        "aggregates_stale": 0,
    }
    apply.assert_not_called()
    fill.assert_not_called()


def test_reconcile_runs_every_few_minutes_from_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["reports-reconcile"]

    assert entry["task"] == "reports.tasks.reconcile_task"
    assert entry["task"] == tasks.reconcile_task.name
    assert 0 < entry["schedule"] <= 600


# --- A real worker -------------------------------------------------------------------------


@pytest.fixture
def fast_debounce(monkeypatch, settings):
    """A one-second window, here and in the worker (started after this)."""
    monkeypatch.setenv("AGGREGATE_DEBOUNCE_SECONDS", "1")
    settings.AGGREGATE_DEBOUNCE_SECONDS = 1
    redis.Redis.from_url(django_settings.REDIS_URL).delete("celery")


@pytest.fixture
def worker(fast_debounce, celery_worker_process):
    return celery_worker_process


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_computes_profiles_and_aggregates_of_api_submissions(
    worker, api_client
):
    survey = reference_survey()
    definition = definition_of(survey)
    count = 8

    for i in range(count):
        created = api_client.post(
            f"/api/v1/surveys/{survey.slug}/responses/",
            {"answers": complete_answers(definition, 200 + i), "submit": True},
            format="json",
        )
        assert created.status_code == 201, created.content

    version_id = survey.current_version_id
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        snapshot = CohortAggregate.objects.filter(
            version_id=version_id, segment=""
        ).first()
        if (
            snapshot is not None
            and snapshot.n == count
            and ResponseProfile.objects.filter(version_id=version_id).count() == count
            and not aggregates_stale_version_ids()
        ):
            break
        time.sleep(0.3)
    else:
        pytest.fail("the worker did not compute the profiles and aggregates in 30s")

    connection.close()  # read what the worker committed, nothing cached
    assert_same(stored(version_id), aggregates_compute(version_id=version_id))


def test_the_stored_public_groups_hide_a_small_group_and_its_complement(researcher):
    """7, 6 and 1 respondents by role: the 1 is hidden, and so is the 6, or the
    segment's total would give the 1 away."""
    from reports.services import aggregates_recompute, profiles_recompute

    survey = reference_survey()
    definition = definition_of(survey)
    for role, count in (
        ("mlops_engineer", 7),
        ("ml_engineer", 6),
        ("data_scientist", 1),
    ):
        for i in range(count):
            answers = complete_answers(definition, 100 * len(role) + i)
            answers["role"] = role
            submit(survey, answers)
    profiles_recompute()
    aggregates_recompute(version=survey.current_version)

    row = CohortAggregate.objects.get(version=survey.current_version, segment="role")
    public = row.public_data

    assert row.n == 14
    assert public["mlops_engineer"]["n"] == 7
    assert public["data_scientist"]["reason"] == "fewer than 5 responses"
    assert public["ml_engineer"]["suppressed"] is True
    assert public["ml_engineer"]["reason"].startswith("hidden so that")


@pytest.mark.django_db
def test_a_refresh_lost_with_its_worker_blocks_the_next_only_for_the_grace(
    mocker, settings
):
    settings.AGGREGATE_DEBOUNCE_SECONDS = 0
    settings.SCHEDULE_GRACE_SECONDS = 1
    send = mocker.patch("reports.scheduling._send")
    from reports.scheduling import aggregates_schedule

    aggregates_schedule(4242)
    aggregates_schedule(4242)  # folded into the first
    time.sleep(1.1)  # the refresh never started: its guard lapses
    aggregates_schedule(4242)

    assert send.call_count == 2


@pytest.mark.celery_worker
def test_a_refresh_that_loses_its_connection_is_retried_and_stores_its_snapshots(
    celery_worker_process,
):
    """PostgreSQL ends the worker's connection while it writes the snapshots (a
    restart, a failover): the task's retry on Django's OperationalError runs
    it again on a new connection, and the snapshots are stored."""
    survey = reference_survey()
    submit_many(survey, 3)
    profiles_recompute()
    version_id = survey.current_version_id
    CohortAggregate.objects.all().delete()
    table = CohortAggregate._meta.db_table
    with connection.cursor() as cursor:
        # The first snapshot written ends its own session; a sequence counts
        # outside the transaction the termination rolls back.
        cursor.execute("CREATE SEQUENCE test_fault_once")
        cursor.execute(
            """CREATE FUNCTION test_fault() RETURNS trigger AS $$
            BEGIN
              IF nextval('test_fault_once') = 1 THEN
                PERFORM pg_terminate_backend(pg_backend_pid());
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql"""
        )
        cursor.execute(
            f"CREATE TRIGGER test_fault BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION test_fault()"
        )
    try:
        tasks.aggregates_refresh_task.delay(version_id=version_id)
        deadline = time.monotonic() + 60
        while not CohortAggregate.objects.filter(version_id=version_id).exists():
            assert time.monotonic() < deadline, "the refresh was not retried"
            time.sleep(0.3)
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_value FROM test_fault_once")
            (attempts,) = cursor.fetchone()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS test_fault ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS test_fault()")
            cursor.execute("DROP SEQUENCE IF EXISTS test_fault_once")

    assert attempts > 1  # the first write was cut off, a later one landed
    assert CohortAggregate.objects.get(version_id=version_id, segment="").n == 3
