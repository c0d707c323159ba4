"""The Celery application: configured from the ``CELERY_`` settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("mlops_maturity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
