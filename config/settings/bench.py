"""Settings for `make bench`: production-like (DEBUG off) on a real PostgreSQL,
with the baseline view mounted and throttles out of the way."""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "bench-insecure-key-not-for-deployment-0123456789abcdef"
)
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mlops_bench")
os.environ.setdefault("API_ANON_RATE", "100000000/second")
os.environ.setdefault("API_USER_RATE", "100000000/second")
os.environ.setdefault("DEMO_PASSWORD", "bench-demo-password")
# Connections live through the whole run, so that each PostgreSQL backend's CPU
# is read before it ends (bench/submit.py splits CPU per process).
os.environ.setdefault("DB_CONN_MAX_AGE", "3600")
# As deployed: tasks go to a Redis broker (nothing consumes them during the
# run; the database is flushed before and after), the cache is Redis too.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")

from .base import *

ROOT_URLCONF = "bench.urls"
LOGGING["root"]["level"] = "WARNING"
STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
