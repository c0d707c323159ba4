"""Shared fixtures. The suite needs the real PostgreSQL and Redis: it stops at
once, with a clear message, when either is unreachable."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

    from core.redis import redis_guard_reset

    cache.clear()
    caches["local"].clear()
    # A test that made Redis fail must not leave the next one skipping it.
    redis_guard_reset()
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


# The Celery command line, as this interpreter runs it.
CELERY = [sys.executable, "-m", "celery", "-A", "config"]


def wait_until(
    predicate: Callable[[], object], *, timeout: float, step: float = 0.1
) -> float:
    """Poll until the predicate holds; return the seconds it took."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"not true within {timeout}s: {predicate}")
        time.sleep(step)
    return time.monotonic() - start


@contextmanager
def celery_at(url: str) -> Iterator[None]:
    """Send tasks through ``url`` (broker and result store) instead of the real Redis."""
    from config.celery import app

    saved = {
        key: app.conf[key]
        for key in ("broker_url", "result_backend", "task_always_eager")
    }

    def reset() -> None:
        # Drop the app's pools (not close them: kombu keeps one per URL and
        # would hand the closed one back when the real URL is restored).
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local.backend = None

    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    reset()
    try:
        yield
    finally:
        app.conf.update(saved)
        reset()


class RedisServer:
    """A private ``redis-server`` on a free port, to kill and start again at will.

    Tests that take Redis away use one of these, never the shared server. It
    keeps nothing on disk, so a restart comes back empty, as a lost container's
    would.
    """

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while not self.pings():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"redis-server did not start:\n{self.log.read_text()}"
                )
            time.sleep(0.05)

    def pings(self) -> bool:
        try:
            client = redis.Redis(port=self.port, socket_connect_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        """SIGKILL the server: its clients' connections drop at once."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def freeze(self) -> None:
        """SIGSTOP the server: connections open, nothing is answered (a hung
        Redis, or a network that drops its packets)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    """A private Redis, not started yet; stopped at teardown."""
    server = RedisServer(tmp_path / "redis.log")
    yield server
    server.stop()


def server_env(server: RedisServer, **extra: str) -> dict[str, str]:
    """The environment of a server process: the test database, the private Redis,
    and a real broker (the test settings run tasks in-process by default)."""
    from django.db import connection

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "REDIS_URL": server.url(0),
        "CACHE_URL": server.url(1),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **extra,
    }


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start ``command`` from the project folder in a session of its own, its
    output appended to ``log`` (a file: nothing reads a pipe while it runs)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@contextmanager
def background(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen]:
    """Run ``command`` (see ``spawn``); stop it after."""
    process = spawn(command, env, log)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


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
def embedded_data_dir() -> Iterator[Path]:
    """A data folder for the embedded PostgreSQL, whose server is stopped after.

    Its name holds a plus sign, which the database URL must carry intact. It
    lies outside pytest's temporary folder: run as root, the server runs as
    another user, and every pytest session makes that folder private again.
    """
    parent = Path(tempfile.mkdtemp(prefix="mlops-embedded-"))
    parent.chmod(0o755)
    data_dir = parent / "data+1"
    try:
        yield data_dir
    finally:
        subprocess.run(
            [sys.executable, "-m", "config.embedded_postgres", "stop"],
            cwd=ROOT,
            env={**os.environ, "DATA_DIR": str(data_dir)},
            check=True,
            timeout=60,
        )
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path) -> Iterator[subprocess.Popen]:
    """Start a real Celery worker on the real Redis, using the test database.

    Tasks sent from the test go through the broker (not in-process), and the
    worker sees only committed rows, hence ``transactional_db``. Its node name
    (``process.nodename``) addresses control commands to it alone.
    """
    from django.db import connection

    from config.celery import app

    log = tmp_path / "celery-worker.log"
    nodename = f"test-{os.getpid()}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
    }
    process = spawn(
        [
            *CELERY,
            "worker",
            "--pool=solo",
            # The default queue and the exports' own (CELERY_TASK_ROUTES).
            "--queues=celery,exports",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            nodename,
        ],
        env,
        log,
    )
    process.nodename = nodename
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
