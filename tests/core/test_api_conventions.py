"""Conventions every API endpoint shares: errors, limits, paging, the schema."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from openapi_spec_validator import validate
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from core.api.errors import error_body, exception_handler
from core.api.pagination import PageNumberPagination

SCHEMA_URL = "/api/schema/"


def assert_error_shape(body: dict, *, code: str) -> None:
    assert set(body) == {"detail", "code", "errors"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["code"] == code
    assert isinstance(body["errors"], dict)


# --- Not found --------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/", "/api/v1/", "/api/v1/no-such-thing/", "/api/v2/auth/me/"]
)
def test_unknown_api_urls_are_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert_error_shape(body, code="not_found")
    assert body["errors"] == {}


def test_unknown_api_url_is_json_for_any_method(client):
    response = client.post("/api/v1/nope/", {}, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_unknown_page_outside_the_api_is_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- Request size -----------------------------------------------------------


def test_oversized_api_body_is_413_on_any_api_url(client, settings):
    settings.API_MAX_BODY_BYTES = 10

    response = client.post(
        "/api/v1/no-such-thing/", "x" * 11, content_type="application/json"
    )

    assert response.status_code == 413
    assert_error_shape(response.json(), code="request_too_large")


def test_body_size_limit_applies_only_under_api(client, settings, db):
    settings.API_MAX_BODY_BYTES = 10

    response = client.post("/no-such-page/", {"text": "x" * 100})

    assert response.status_code == 404


def test_body_size_limit_tolerates_a_garbled_content_length(client, settings):
    settings.API_MAX_BODY_BYTES = 10

    response = client.get("/api/v1/nope/", CONTENT_LENGTH="lots")

    assert response.status_code == 404


# --- Error shape ------------------------------------------------------------


def api_context() -> dict:
    request = Request(APIRequestFactory().get("/api/v1/x/"))
    return {"request": request, "view": None}


def test_exception_handler_keys_validation_errors_by_field():
    exc = exceptions.ValidationError({"name": ["Too long."], "size": ["Too big."]})

    response = exception_handler(exc, api_context())

    assert response.status_code == 400
    assert response.data == {
        "detail": "Invalid input.",
        "code": "invalid",
        "errors": {"name": ["Too long."], "size": ["Too big."]},
    }


def test_exception_handler_summarises_a_single_field_error():
    exc = exceptions.ValidationError({"name": ["Too long."]})
    response = exception_handler(exc, api_context())
    assert response.data["detail"] == "name: Too long."


def test_exception_handler_turns_a_django_validation_error_into_a_400():
    exc = ValidationError({"ends_on": ["Must follow the start."]})

    response = exception_handler(exc, api_context())

    assert response.status_code == 400
    assert_error_shape(response.data, code="invalid")
    assert response.data["errors"] == {"ends_on": ["Must follow the start."]}


def test_exception_handler_turns_a_non_field_error_list_into_a_detail():
    exc = exceptions.ValidationError(["Sprint is closed."], code="closed")
    response = exception_handler(exc, api_context())
    assert response.status_code == 400
    assert response.data == {
        "detail": "Sprint is closed.",
        "code": "closed",
        "errors": {},
    }


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Http404(), 404, "not_found"),
        (
            PermissionDenied(),
            403,
            "permission_denied",
        ),
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.Throttled(wait=3), 429, "throttled"),
    ],
)
def test_exception_handler_maps_common_errors(exc, status, code):
    response = exception_handler(exc, api_context())
    assert response.status_code == status
    assert_error_shape(response.data, code=code)


def test_exception_handler_leaves_unexpected_errors_to_django():
    assert exception_handler(RuntimeError("boom"), api_context()) is None


def test_error_body_defaults_errors_to_an_empty_dict():
    assert error_body(detail="Nope.", code="nope") == {
        "detail": "Nope.",
        "code": "nope",
        "errors": {},
    }


# --- Throttling -------------------------------------------------------------


def test_one_throttle_serves_anonymous_and_signed_in_clients():
    classes = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    assert classes == ["core.api.throttling.ClientRateThrottle"]


@pytest.mark.django_db
def test_anonymous_clients_are_throttled_with_a_json_429(api_client, mocker):
    mocker.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "2/hour"})
    assert api_client.get(SCHEMA_URL, {"format": "json"}).status_code == 200
    assert api_client.get(SCHEMA_URL, {"format": "json"}).status_code == 200

    response = api_client.get(SCHEMA_URL, {"format": "json"})

    assert response.status_code == 429
    assert_error_shape(response.json(), code="throttled")
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_the_window_counter_ignores_drf_history_left_by_an_earlier_release(
    api_client, mocker
):
    """Before the one-round-trip counter, DRF kept a pickled list per client; a
    counter meeting one would fail every request of that client."""
    from django.core.cache import cache

    mocker.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "2/hour"})
    cache.set("throttle_anon_127.0.0.1", [1.0, 2.0], 60)

    assert api_client.get(SCHEMA_URL, {"format": "json"}).status_code == 200
    assert api_client.get(SCHEMA_URL, {"format": "json"}).status_code == 200
    assert api_client.get(SCHEMA_URL, {"format": "json"}).status_code == 429


@pytest.mark.django_db
def test_a_window_counter_expires_with_its_window(api_client, mocker):
    import redis

    mocker.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "5/hour"})

    response = api_client.get(SCHEMA_URL, {"format": "json"})

    client = redis.Redis.from_url(settings.CACHE_URL)
    keys = list(client.scan_iter("throttle:anon:*"))
    assert response.status_code == 200
    assert len(keys) == 1
    assert client.get(keys[0]) == b"1"
    assert 0 < client.ttl(keys[0]) <= 3600


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_does_not_dodge_the_anonymous_throttle(
    api_client, mocker
):
    mocker.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "2/hour"})

    statuses = [
        api_client.get(
            SCHEMA_URL, {"format": "json"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        ).status_code
        for i in range(3)
    ]

    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_behind_one_trusted_proxy_clients_are_told_apart_by_its_header(
    api_client, mocker, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    mocker.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "1/hour"})

    def get(forwarded: str) -> int:
        return api_client.get(
            SCHEMA_URL, {"format": "json"}, HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    first = get("203.0.113.1")
    other = get("203.0.113.2")
    # The proxy appends the address it saw; what the client wrote before it
    # is not trusted.
    same_client = get("198.51.100.9, 203.0.113.1")

    assert (first, other, same_client) == (200, 200, 429)


@pytest.mark.django_db
def test_while_redis_is_unreachable_each_process_counts_on_its_own(
    api_client, mocker, settings, caplog
):
    from core.redis import redis_guard_reset

    redis_guard_reset()
    settings.CACHE_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    mocker.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "2/hour"})

    statuses = [
        api_client.get(SCHEMA_URL, {"format": "json"}).status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 429]
    assert "counting per process" in caplog.text


@pytest.mark.django_db
def test_signed_in_clients_are_throttled_per_user(api_client, user, mocker):
    mocker.patch.dict(UserRateThrottle.THROTTLE_RATES, {"user": "1/hour"})
    api_client.force_authenticate(user)
    assert api_client.get("/api/v1/auth/me/").status_code == 200

    response = api_client.get("/api/v1/auth/me/")

    assert response.status_code == 429
    assert_error_shape(response.json(), code="throttled")


# --- Pagination -------------------------------------------------------------


def paginate(query: str, items=None):
    items = list(range(1000)) if items is None else items
    request = Request(APIRequestFactory().get(f"/api/v1/things/{query}"))
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(items, request)
    return paginator, page


def test_pagination_is_the_default_class():
    assert (
        settings.REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]
        == "core.api.pagination.PageNumberPagination"
    )


def test_pagination_defaults_to_fifty_a_page():
    _paginator, page = paginate("")
    assert page == list(range(50))


def test_pagination_honours_a_smaller_page_size():
    _paginator, page = paginate("?page=3&page_size=10")
    assert page == list(range(20, 30))


def test_pagination_caps_the_page_size():
    assert settings.API_MAX_PAGE_SIZE == 200
    _paginator, page = paginate("?page_size=100000")
    assert len(page) == settings.API_MAX_PAGE_SIZE
    assert page == list(range(200))


@pytest.mark.parametrize(
    "query", ["-5", "0", "", "ten", "1e3", "2.5", "٣", "5&page_size=6"]
)
def test_pagination_refuses_a_page_size_the_schema_does_not_allow(query):
    # The schema documents a whole number of 1 or more, sent once: anything
    # else is a 400 naming it, not a silent default.
    with pytest.raises(exceptions.ValidationError) as caught:
        paginate(f"?page_size={query}")

    assert list(caught.value.detail) == ["page_size"]


@pytest.mark.parametrize("query", ["page=", "page=1&page=2"])
def test_pagination_refuses_an_empty_or_repeated_page(query):
    with pytest.raises(exceptions.ValidationError) as caught:
        paginate(f"?{query}")

    assert list(caught.value.detail) == ["page"]


def test_paginated_response_carries_count_and_links():
    paginator, page = paginate("?page=2&page_size=200")

    body = paginator.get_paginated_response(page).data

    assert body["count"] == 1000
    assert body["results"] == list(range(200, 400))
    assert "page=3" in body["next"]
    assert "page_size=200" in body["next"]
    assert body["previous"] is not None


def test_page_past_the_end_is_not_found():
    with pytest.raises(exceptions.NotFound):
        paginate("?page=999")


# --- Schema and docs --------------------------------------------------------


@pytest.mark.django_db
def test_openapi_schema_is_valid(api_client):
    response = api_client.get(SCHEMA_URL, {"format": "json"})

    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert spec["info"]["title"] == "MLOps Maturity API"
    assert "/api/v1/auth/token/" in spec["paths"]
    assert "/api/v1/auth/me/" in spec["paths"]


@pytest.mark.django_db
def test_schema_is_served_as_json_on_request(api_client):
    response = api_client.get(
        SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


@pytest.mark.django_db
def test_schema_documents_token_auth_and_the_token_endpoint(api_client):
    spec = api_client.get(SCHEMA_URL, {"format": "json"}).json()

    token_post = spec["paths"]["/api/v1/auth/token/"]["post"]
    assert {"201", "401", "429"} <= set(token_post["responses"])
    # Getting a token needs no token: nothing required here or at the top level.
    assert token_post.get("security") in (None, [], [{}])
    assert not spec.get("security")
    me_get = spec["paths"]["/api/v1/auth/me/"]["get"]
    assert me_get["security"]
    schemes = spec["components"]["securitySchemes"]
    assert any(
        scheme.get("type") == "apiKey" and scheme.get("name") == "Authorization"
        for scheme in schemes.values()
    )


@pytest.mark.django_db
def test_swagger_ui_uses_only_local_static_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
    assets = [ref for ref in refs if not ref.startswith("#")]
    assert assets, html
    assert not re.search(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", html)
    assert not re.search(r"https?://", html)
    assert 'url: "/api/schema/"' in html
    for asset in assets:
        assert asset.startswith(("/static/", "/api/")), asset
    scripts = re.findall(r'<script[^>]*\bsrc\s*=\s*["\']([^"\']+)', html)
    assert len(scripts) >= 2
    for src in scripts:
        assert src.startswith("/static/"), src
        assert finders.find(src.removeprefix("/static/").split("?")[0]), src


def test_exception_handler_keys_list_item_errors_by_text():
    exc = exceptions.ValidationError({"stages": {0: ["Not a valid choice."]}})

    response = exception_handler(exc, api_context())

    assert response.data["errors"] == {"stages": {"0": ["Not a valid choice."]}}
    assert response.data["detail"] == "stages: Not a valid choice."
