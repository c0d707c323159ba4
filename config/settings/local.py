"""Settings for the run command and development: safe defaults, nothing required.

With DATABASE_URL unset, the database is the embedded PostgreSQL in DATA_DIR,
started here (or attached to, if it runs) so that every process under these
settings (manage.py, gunicorn's workers, Celery) reaches the same server. It
keeps running when they exit: the run command stops it when it stops, and
``python -m config.embedded_postgres stop`` stops it by hand.
"""

import os

# The product's own error pages, as users will meet them; DJANGO_DEBUG=true
# turns Django's debug pages on for development.
os.environ.setdefault("DJANGO_DEBUG", "false")
if not os.environ.get("DJANGO_SECRET_KEY"):
    from config.secret_key import local_secret_key

    os.environ["DJANGO_SECRET_KEY"] = local_secret_key()
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],0.0.0.0")
if not os.environ.get("DATABASE_URL"):
    from config.embedded_postgres import database_url

    os.environ["DATABASE_URL"] = database_url()

from .base import *

# The demo accounts may keep their published password here (never in production).
DEMO_PUBLISHED_PASSWORD_ALLOWED = True
