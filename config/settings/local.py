"""Settings for the run command and development: safe defaults, nothing required."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "local-insecure-key-change-me-for-any-real-deployment"
)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],0.0.0.0")

from .base import *
