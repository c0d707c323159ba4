import pytest


def test_healthz_answers_without_touching_services(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["down"] == ["redis"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("down: ")


@pytest.mark.django_db
def test_readyz_names_celery_when_no_worker_answers(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["celery"]


@pytest.mark.celery_worker
def test_readyz_is_ready_with_a_real_worker(client, settings, celery_worker_process):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["celery"].startswith("ok (1 worker")


@pytest.mark.celery_worker
def test_a_task_runs_on_the_real_worker(celery_worker_process):
    from core.tasks import ping_task

    result = ping_task.delay()
    assert result.get(timeout=30) == "pong"
