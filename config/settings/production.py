"""Settings for deployments: DEBUG off, secrets required, HTTPS hardening on.

``DJANGO_SECRET_KEY`` has no default: a missing key stops the process at start.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import env

if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off with production settings.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Health probes come from inside the network over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
