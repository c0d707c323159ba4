"""Settings as a process sees them: each case starts a fresh interpreter with a
clean environment, so nothing leaks from the test settings of this process."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests.conftest import embedded_servers

ROOT = Path(__file__).resolve().parents[2]

# Variables that choose the database, broker, cache or a Django setting.
_SERVICE_VARS = {
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_URL",
    "DATA_DIR",
    "DEMO_PASSWORD",
}

_CURRENT_DATABASE = """
import django
django.setup()
from django.db import connection
print(connection.cursor().execute("SELECT current_database()").fetchone()[0])
"""

_PRINT_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "host": settings.DATABASES["default"]["HOST"],
    "socket": settings.DATABASES["default"].get("OPTIONS", {}).get("host"),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "debug": settings.DEBUG,
}))
"""


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without service URLs or DJANGO_* variables, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _SERVICE_VARS and not key.startswith("DJANGO_")
    }
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run(
        ["manage.py", "check"],
        clean_env(DJANGO_SETTINGS_MODULE="config.settings.production"),
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_debug_on():
    result = run(
        ["manage.py", "check"],
        clean_env(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_DEBUG="true",
            DATABASE_URL=os.environ["DATABASE_URL"],
        ),
    )
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off" in result.stderr


def test_production_passes_the_deploy_checks():
    key = secrets.token_urlsafe(50)
    assert len(key) >= 50
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        clean_env(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY=key,
            DJANGO_ALLOWED_HOSTS="example.org",
            # The test services (test settings default them when unset).
            DATABASE_URL=os.environ["DATABASE_URL"],
            REDIS_URL=os.environ["REDIS_URL"],
        ),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_requires_a_database_url_and_starts_no_embedded_server(tmp_path):
    result = run(
        ["manage.py", "check"],
        clean_env(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="example.org",
            DATA_DIR=str(tmp_path / "data"),
        ),
    )
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert not (tmp_path / "data").exists()


def _run_local(script: str, **extra: str) -> str:
    """Run ``script`` in a fresh process under local settings; its last line."""
    result = run(
        ["-c", script],
        clean_env(DJANGO_SETTINGS_MODULE="config.settings.local", **extra),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_local_settings_default_to_the_embedded_postgresql_and_in_process_tasks(
    embedded_data_dir,
):
    values = json.loads(_run_local(_PRINT_SETTINGS, DATA_DIR=str(embedded_data_dir)))
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "mlops"
    assert values["socket"] == str(embedded_data_dir / "postgres")
    # The server of the folder asked for keeps running after the process (the
    # run command stops it), and the next process reaches the same database.
    assert len(embedded_servers(embedded_data_dir)) == 1
    database = _run_local(_CURRENT_DATABASE, DATA_DIR=str(embedded_data_dir))
    assert database == "mlops"
    assert values["eager"] is True
    assert values["broker"] == "memory://"
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    # The product's own error pages: debug pages only when asked for.
    assert values["debug"] is False


def test_local_settings_with_a_database_url_start_no_embedded_server(tmp_path):
    values = json.loads(
        _run_local(
            _PRINT_SETTINGS,
            DATA_DIR=str(tmp_path / "data"),
            DATABASE_URL=os.environ["DATABASE_URL"],
        )
    )
    assert values["name"] == os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    assert values["host"] == "127.0.0.1"
    assert not (tmp_path / "data" / "postgres").exists()


def test_local_settings_with_redis_use_the_broker_and_a_redis_cache(
    embedded_data_dir,
):
    redis_url = "redis://127.0.0.1:6379/6"
    values = json.loads(
        _run_local(
            _PRINT_SETTINGS, REDIS_URL=redis_url, DATA_DIR=str(embedded_data_dir)
        )
    )
    assert values["eager"] is False
    assert values["broker"] == redis_url
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    # DATABASE_URL is still unset: the embedded PostgreSQL stays.
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["socket"] == str(embedded_data_dir / "postgres")
