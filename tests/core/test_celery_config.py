"""The Celery app takes its configuration from the CELERY_ settings."""

from config.celery import app


def test_only_json_is_accepted():
    assert list(app.conf.accept_content) == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"


def test_tasks_survive_a_lost_worker():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_time_limits_are_ordered_below_the_visibility_timeout():
    soft = app.conf.task_soft_time_limit
    hard = app.conf.task_time_limit
    assert soft and hard
    assert 0 < soft < hard
    # With acks_late, a task still running past the visibility timeout would be
    # delivered a second time: the timeout must outlast the hard limit.
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > hard


def test_the_app_is_configured_from_django_settings(settings):
    assert app.main == "mlops_maturity"
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
