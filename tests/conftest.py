"""Shared fixtures. The suite needs the real PostgreSQL and Redis: it stops at
once, with a clear message, when either is unreachable."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient

from core.caching import clear_process_caches
from tests.accounts.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session: pytest.Session) -> None:
    problems = []
    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        problems.append(f"PostgreSQL ({db['HOST']}:{db['PORT']}): {exc}")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis ({settings.REDIS_URL}): {exc}")
    if problems:
        pytest.exit(
            "The tests need the real services: " + "; ".join(problems), returncode=3
        )


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Throttle counters live in the cache's Redis: start every test with none."""
    from django.core.cache import cache, caches

    cache.clear()
    caches["local"].clear()
    # Profiles waiting for their batch, and the batches' guards, live beside
    # the broker's queues: drop them, never the queues.
    broker = redis.Redis.from_url(settings.REDIS_URL)
    stale = list(broker.scan_iter("reports:*", count=1000))
    if stale:
        broker.delete(*stale)
    # Parsed definitions are cached per version id, which a flushed test
    # database may hand out again.
    clear_process_caches()
    yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def researcher(db):
    return UserFactory(role="researcher")


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(
    url: str, *, timeout: float = 60.0, process: subprocess.Popen | None = None
) -> None:
    """Poll until the URL answers, failing early if the server process died."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def embedded_servers(data_dir: Path) -> list[psutil.Process]:
    """The running PostgreSQL servers whose data is in ``data_dir``/postgres."""
    pgdata = str((data_dir / "postgres").resolve())
    return [
        process
        for process in psutil.process_iter(["name", "cmdline"])
        if process.info["name"] == "postgres"
        and pgdata in (process.info["cmdline"] or [])
    ]


def embedded_servers_gone(data_dir: Path, *, timeout: float = 15.0) -> bool:
    """Wait until no embedded server of ``data_dir`` runs; return whether none does."""
    deadline = time.monotonic() + timeout
    while embedded_servers(data_dir):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture
def embedded_data_dir(tmp_path) -> Iterator[Path]:
    """A data folder for the embedded PostgreSQL, whose server is stopped after.

    Its name holds a plus sign, which the database URL must carry intact.
    """
    data_dir = tmp_path / "data+1"
    yield data_dir
    subprocess.run(
        [sys.executable, "-m", "config.embedded_postgres", "stop"],
        cwd=ROOT,
        env={**os.environ, "DATA_DIR": str(data_dir)},
        check=True,
        timeout=60,
    )


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path) -> Iterator[subprocess.Popen]:
    """Start a real Celery worker on the real Redis, using the test database.

    Tasks sent from the test go through the broker (not in-process), and the
    worker sees only committed rows, hence ``transactional_db``.
    """
    from django.db import connection

    from config.celery import app

    log = tmp_path / "celery-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        # A file, not a pipe: nothing reads the worker's output while it runs.
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{log.read_text()}")
        yield process
    finally:
        app.conf.task_always_eager = previous
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _database_url(settings_dict: dict) -> str:
    user = settings_dict["USER"] or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def team_member(db):
    return UserFactory(role="team_member")


@pytest.fixture
def organisation(team_member):
    """An organisation owned by ``team_member``."""
    from assessments.services import organisation_create

    return organisation_create(name="Acme ML", actor=team_member)


@pytest.fixture
def project(organisation, team_member):
    from assessments.services import project_create

    return project_create(organisation=organisation, actor=team_member, name="Churn")


@pytest.fixture
def sprint(project, team_member):
    from assessments.services import sprint_start

    return sprint_start(project=project, actor=team_member)
