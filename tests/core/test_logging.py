"""Resume and invitation tokens never reach a log line."""

import io
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from core.logging import GunicornLogger, redact_tokens

TOKEN = "9f" * 32


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            f"GET /surveys/s/resume/{TOKEN}/ HTTP/1.1",
            "GET /surveys/s/resume/[redacted]/ HTTP/1.1",
        ),
        (
            f"https://x.example/surveys/s/invite/{TOKEN}/?a=1",
            "https://x.example/surveys/s/invite/[redacted]/?a=1",
        ),
        (f"/surveys/s/resume/{TOKEN}", "/surveys/s/resume/[redacted]"),
        ("/surveys/s/p/about/", "/surveys/s/p/about/"),
    ],
)
def test_tokens_in_urls_are_redacted(text, expected):
    assert redact_tokens(text) == expected


def test_the_access_log_redacts_the_request_line_path_and_referrer():
    logger = GunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/surveys/s/invite/{TOKEN}/",
        "PATH_INFO": f"/surveys/s/invite/{TOKEN}/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "QUERY_STRING": "",
        "HTTP_REFERER": f"https://x.example/surveys/s/resume/{TOKEN}/",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="302 Found", headers=[], sent=0)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])

    atoms = logger.atoms(
        response, request, environ, SimpleNamespace(seconds=0, microseconds=5)
    )

    assert TOKEN not in repr(atoms)
    assert atoms["r"] == "GET /surveys/s/invite/[redacted]/ HTTP/1.1"


@pytest.mark.django_db
def test_django_request_warnings_are_written_without_the_token(client):
    handler = logging.getLogger("django").handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        response = client.get(f"/surveys/no-such-survey/resume/{TOKEN}/")
    finally:
        handler.setStream(previous)

    assert response.status_code == 404
    assert "Not Found: /surveys/no-such-survey/resume/[redacted]/" in stream.getvalue()
    assert TOKEN not in stream.getvalue()
