"""Keep bearer tokens out of logs.

Resume and invitation links carry their token in the URL path
(``/surveys/<slug>/resume/<token>/``, ``/surveys/<slug>/invite/<token>/``), so
that a link works when pasted anywhere. Whoever reads a log could use a
token found there; every log line that may hold a URL (the web server's access
log, Django's request warnings) is written with the token replaced.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from gunicorn import glogging

_TOKEN_IN_URL = re.compile(r"(/(?:resume|invite)/)[^/?#\s\"']+")
REDACTED = "[redacted]"


def redact_tokens(text: str) -> str:
    """``text`` with the token of every resume or invitation URL replaced."""
    return _TOKEN_IN_URL.sub(r"\1" + REDACTED, text)


def _redacted(value: Any) -> Any:
    return redact_tokens(value) if isinstance(value, str) else value


class RedactTokensFilter(logging.Filter):
    """A logging filter that redacts tokens in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        return True


class GunicornLogger(glogging.Logger):
    """Gunicorn's logger (its ``logger_class`` setting), with tokens redacted
    from every access-log field: request line, path, query, referrer, headers."""

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: _redacted(value) for key, value in atoms.items()}
