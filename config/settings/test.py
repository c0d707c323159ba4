"""Settings for the test suite: the real PostgreSQL and Redis on this machine."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-insecure-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mlops")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
# The cache lives in its own Redis database so that clearing it between tests
# never touches the broker's queues.
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from .base import *
from .base import env

DATABASES["default"]["CONN_MAX_AGE"] = 0
# Fast hashing: the suite creates many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests exercise the real queue only where they start a worker (or a server
# with CELERY_TASK_ALWAYS_EAGER=false, as deployments run); elsewhere the
# in-process mode keeps them independent of one.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
