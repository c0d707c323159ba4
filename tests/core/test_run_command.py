"""Smoke test of the README's command 1 (bin/run) on the embedded default:
SQLite, no Redis, Celery tasks in-process, gunicorn serving."""

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
DEMO_EMAILS = ["admin@example.org", "researcher@example.org", "team@example.org"]
_REMOVED = {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "SQLITE_PATH", "DEMO_PASSWORD"}


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
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


def _stop(process: subprocess.Popen) -> int:
    """SIGTERM the whole process group; SIGKILL it if it lingers."""
    with contextlib.suppress(ProcessLookupError):
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


def test_run_command_serves_the_product_on_the_embedded_default(tmp_path):
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
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        STATIC_ROOT=str(tmp_path / "static"),
        PORT=str(port),
        HOST="127.0.0.1",
    )
    log_path = tmp_path / "run.log"
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["bash", "bin/run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
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

        output = log_path.read_text()
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

        # The database is the SQLite file asked for, not the project's.
        assert (tmp_path / "db.sqlite3").is_file()
        assert (tmp_path / "static" / "staticfiles.json").is_file()
    finally:
        returncode = _stop(process)

    assert returncode is not None
    assert process.poll() is not None
    # Nothing of the group (gunicorn master or workers) outlives the script.
    assert _group_is_gone(process.pid)
