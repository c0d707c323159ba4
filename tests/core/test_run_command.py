"""Smoke tests of the README's command 1 (bin/run): on the embedded default
(its own PostgreSQL server, no Redis, Celery tasks in-process) and with a Redis
broker, where it also starts a Celery worker and beat that do the product's
background work. Each run keeps its data folder (DATA_DIR) in tmp_path."""

import contextlib
import json
import logging
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil

from tests.conftest import (
    embedded_servers,
    embedded_servers_gone,
    free_port,
    wait_for_http,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO_EMAILS = ["admin@example.org", "researcher@example.org", "team@example.org"]
_REMOVED = {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "DATA_DIR", "DEMO_PASSWORD"}


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _stop(process: subprocess.Popen, *, twice: bool = False) -> int:
    """SIGTERM the whole process group (``twice``: again while it cleans up, as
    an impatient second Ctrl+C does); SIGKILL it if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
        if twice:
            time.sleep(0.3)
            os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait(timeout=10)


def _group_is_gone(pgid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _start(
    tmp_path: Path,
    data_dir: Path,
    command: tuple[str, ...] = ("bash", "bin/run"),
    **extra: str,
) -> tuple[subprocess.Popen, str, Path]:
    """Start ``command`` on a free port with a clean environment plus ``extra``."""
    port = free_port()
    # Nothing of this process's test settings (DJANGO_* included) leaks in.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _REMOVED and not key.startswith("DJANGO_")
    }
    env.update(
        SKIP_INSTALL="1",
        PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        DATA_DIR=str(data_dir),
        STATIC_ROOT=str(tmp_path / "static"),
        CELERY_BEAT_SCHEDULE_FILE=str(tmp_path / "beat-schedule"),
        PORT=str(port),
        HOST="127.0.0.1",
        **extra,
    )
    log_path = tmp_path / "run.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, f"http://127.0.0.1:{port}", log_path


def test_run_command_serves_the_product_on_the_embedded_default(
    tmp_path, embedded_data_dir
):
    process, base, log_path = _start(tmp_path, embedded_data_dir)
    try:
        try:
            wait_for_http(f"{base}/healthz", timeout=90, process=process)
        except (RuntimeError, TimeoutError) as error:
            raise AssertionError(f"{error}\n{log_path.read_text()}") from error

        status, body = _get(f"{base}/")
        assert status == 200
        assert "MLOps Maturity" in body

        status, body = _get(f"{base}/healthz")
        assert status == 200
        assert json.loads(body) == {"status": "ok"}

        status, body = _get(f"{base}/readyz")
        assert status == 200, body
        checks = json.loads(body)["checks"]
        assert checks["celery"] == "in-process"
        assert checks["database"] == "ok"

        status, body = _get(f"{base}/api/schema/")
        assert status == 200
        assert "openapi" in body

        status, body = _get(f"{base}/api/docs/")
        assert status == 200

        # The product's own error page, not Django's debug page.
        status, body = _get(f"{base}/surveys/no-such-survey/")
        assert status == 404
        assert "MLOps Maturity" in body
        assert "Technical" not in body and "DEBUG = True" not in body

        # A resume link's token never reaches the access log.
        token_in_url = "7e" * 32
        _get(f"{base}/surveys/mlops-practices/resume/{token_in_url}/")

        # The installation drew its own secret key, kept in the data folder.
        key_file = embedded_data_dir / "secret-key"
        assert len(key_file.read_text().strip()) >= 50

        output = log_path.read_text()
        assert "/resume/[redacted]/" in output
        assert token_in_url not in output
        match = re.search(r"Demo logins \(password: (\S+)\)", output)
        assert match, output
        password = match.group(1)
        for email in DEMO_EMAILS:
            assert email in output

        status, token = _post_json(
            f"{base}/api/v1/auth/token/",
            {"email": "admin@example.org", "password": password},
        )
        assert status == 201, token
        assert token["token"]

        # The database is the embedded server of the data folder asked for,
        # not the project's.
        assert (embedded_data_dir / "postgres" / "PG_VERSION").is_file()
        assert len(embedded_servers(embedded_data_dir)) == 1
        assert (tmp_path / "static" / "staticfiles.json").is_file()
    finally:
        returncode = _stop(process)

    assert returncode is not None
    assert process.poll() is not None
    # Nothing of the group (gunicorn master or workers) outlives the script,
    # nor the embedded server (which runs in a session of its own).
    assert _group_is_gone(process.pid)
    assert embedded_servers_gone(embedded_data_dir)


def test_run_command_profiles_a_submission_on_the_embedded_database(
    tmp_path, embedded_data_dir
):
    """The README's first command with nothing set: a complete response submitted
    through the API has its profile at once (computed in-process)."""
    process, base, log_path = _start(tmp_path, embedded_data_dir, ("make", "run"))
    try:
        try:
            wait_for_http(f"{base}/healthz", timeout=90, process=process)
        except (RuntimeError, TimeoutError) as error:
            raise AssertionError(f"{error}\n{log_path.read_text()}") from error

        created = _submit_complete_response(base)
        status, profile = _profile(base, created)
        assert status == 200, f"{profile}\n{log_path.read_text()}"
        assert profile["scoring_version"] == 1
        assert len(profile["dimensions"]) == 8
        assert len(embedded_servers(embedded_data_dir)) == 1
    finally:
        # A second signal while the command cleans up still lets it stop the
        # database server.
        _stop(process, twice=True)
    assert _group_is_gone(process.pid)
    assert embedded_servers_gone(embedded_data_dir)


@contextlib.contextmanager
def _serving_with_redis(
    tmp_path: Path, data_dir: Path
) -> Iterator[tuple[subprocess.Popen, str, Path]]:
    """Run the command with a Redis broker until it serves; stop it after."""
    import redis
    from django.conf import settings

    # A Redis database of its own, so no other test's worker answers here.
    redis_url = settings.REDIS_URL.rsplit("/", 1)[0] + "/10"
    redis.Redis.from_url(redis_url).flushdb()
    process, base, log_path = _start(
        tmp_path, data_dir, REDIS_URL=redis_url, CELERY_CONCURRENCY="1"
    )
    try:
        try:
            wait_for_http(f"{base}/healthz", timeout=90, process=process)
        except (RuntimeError, TimeoutError) as error:
            raise AssertionError(f"{error}\n{log_path.read_text()}") from error
        yield process, base, log_path
    finally:
        _stop(process)
        redis.Redis.from_url(redis_url).flushdb()


def test_run_command_with_redis_starts_a_worker_that_computes_profiles(
    tmp_path, embedded_data_dir
):
    with _serving_with_redis(tmp_path, embedded_data_dir) as (process, base, log_path):
        # The worker answers the readiness probe's ping once it is up.
        deadline = time.monotonic() + 60
        while True:
            status, body = _get(f"{base}/readyz")
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert status == 200, f"{body}\n{log_path.read_text()}"
        assert json.loads(body)["checks"]["celery"].startswith("ok")

        # A submission's profile is computed by that worker, not in-process.
        created = _submit_complete_response(base)
        deadline = time.monotonic() + 60
        while True:
            status, profile = _profile(base, created)
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert status == 200, log_path.read_text()
        assert profile["scoring_version"] == 1
        assert len(profile["dimensions"]) == 8
        output = log_path.read_text()
        assert "profile_compute_task" in output  # logged by the worker
        assert "beat: Starting" in output
        # Web, worker and beat all reached the one embedded server.
        assert len(embedded_servers(embedded_data_dir)) == 1
    assert _group_is_gone(process.pid)
    assert embedded_servers_gone(embedded_data_dir)


def _celery_main(run: subprocess.Popen, role: str) -> psutil.Process | None:
    """The main process of the run command's Celery ``role`` ("worker" or "beat"):
    a process running ``celery ... role`` started by the command's shell (its
    pool processes, whose parent is the worker, run the same command line).
    The default worker: the exports worker (``-Q exports``) is passed over."""
    for process in psutil.Process(run.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            command = process.cmdline()
            parent = process.parent()
            if (
                role in command
                and "-Q" not in command
                and any(part.endswith("celery") for part in command[:2])
                and parent is not None
                and parent.name() == "bash"
            ):
                return process
    return None


def _wait_for(predicate, *, timeout: float, what: str, log_path: Path):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what} not within {timeout}s\n{log_path.read_text()}"
            )
        time.sleep(0.3)
    return result


def test_run_command_starts_a_killed_worker_and_beat_again(tmp_path, embedded_data_dir):
    """``restart: unless-stopped`` for the run command: a worker or beat killed
    with SIGKILL (the OOM killer, a crash) is started again, and profiles go on
    being computed without anyone restarting anything."""
    with _serving_with_redis(tmp_path, embedded_data_dir) as (process, base, log_path):
        _wait_for(
            lambda: _get(f"{base}/readyz")[0] == 200,
            timeout=60,
            what="a ready worker",
            log_path=log_path,
        )
        worker = _celery_main(process, "worker")
        beat = _celery_main(process, "beat")
        assert worker is not None and beat is not None, log_path.read_text()

        worker.kill()
        beat.kill()
        killed_at = time.monotonic()
        started_again = [
            _wait_for(
                lambda role=role, old=old: (
                    (found := _celery_main(process, role))
                    and found.pid != old.pid
                    and found
                ),
                timeout=30,
                what=f"a new {role}",
                log_path=log_path,
            )
            for role, old in (("worker", worker), ("beat", beat))
        ]
        _wait_for(
            lambda: _get(f"{base}/readyz")[0] == 200,
            timeout=60,
            what="the new worker answering",
            log_path=log_path,
        )
        answering = time.monotonic() - killed_at

        created = _submit_complete_response(base)
        _, profile = _wait_for(
            lambda: (answer := _profile(base, created))[0] == 200 and answer,
            timeout=60,
            what="the profile",
            log_path=log_path,
        )
        assert profile["scoring_version"] == 1
        output = log_path.read_text()
        assert "the Celery worker exited (status 137); starting it again" in output
        assert "Celery beat exited (status 137); starting it again" in output
        assert all(process.is_running() for process in started_again)
        logging.getLogger(__name__).warning(
            "run command: worker killed, a new one answered %.2fs later", answering
        )
    # Stopping still stops everything: the restarted processes, the database.
    assert _group_is_gone(process.pid)
    assert embedded_servers_gone(embedded_data_dir)


def _submit_complete_response(base: str) -> dict:
    """Submit a complete response to the reference survey through the API."""
    status, survey = _get(f"{base}/api/v1/surveys/mlops-practices/")
    assert status == 200
    answers = _complete_answers(json.loads(survey)["definition"])
    status, created = _post_json(
        f"{base}/api/v1/surveys/mlops-practices/responses/",
        {"answers": answers, "submit": True, "language": "en"},
    )
    assert status == 201, created
    return created


def _profile(base: str, created: dict) -> tuple[int, dict]:
    """Read a response's profile as its respondent, with the resume token."""
    status, body = _get(
        f"{base}/api/v1/responses/{created['id']}/profile/",
        headers={"X-Resume-Token": created["resume_token"]},
    )
    return status, json.loads(body or "{}")


def _complete_answers(document: dict) -> dict:
    """Valid, complete answers for the served definition (as any client could)."""
    import random

    from demo.synthetic import synthetic_answers
    from surveys.definition import definition_parse

    return synthetic_answers(
        definition_parse(document), random.Random(7), skip_optional=1.0
    )
