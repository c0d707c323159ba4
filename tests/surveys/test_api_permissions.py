"""Who may reach a response: staff, or the holder of its resume token, on every endpoint.

One permission (``surveys.api.permissions.IsResponseHolder``) guards reading,
saving and submitting a response and reading its profile; each case below runs
against each of those endpoints.
"""

import uuid

import pytest

from surveys.models import Response
from tests.accounts.factories import UserFactory
from tests.surveys.factories import ResponseFactory, SurveyFactory
from tests.surveys.sample_definition import COMPLETE_ANSWERS

pytestmark = pytest.mark.django_db

NO_TOKEN = "Send the response's X-Resume-Token header."

# (name, method, path suffix, body, status when access is granted): the
# response is a complete draft, so each granted call succeeds in its own way.
ENDPOINTS = [
    ("read", "get", "", None, 200),
    ("save", "patch", "", {"answers": {"years": 7}}, 200),
    ("submit", "post", "submit/", {}, 200),
    ("profile", "get", "profile/", None, 409),  # a draft has no profile yet
]

# (case, who signs in, whose token is sent, expected status, expected error code).
CASES = [
    ("staff without a token", "staff", None, "granted", None),
    ("staff with a wrong token", "staff", "wrong", "granted", None),
    ("the token's holder", None, "own", "granted", None),
    ("the token's holder, signed in", "user", "own", "granted", None),
    ("no token", None, None, 401, "not_authenticated"),
    ("signed in without a token", "user", None, 401, "not_authenticated"),
    ("the survey's owner without a token", "owner", None, 401, "not_authenticated"),
    ("a wrong token", None, "wrong", 404, "not_found"),
    ("another response's token", None, "other", 404, "not_found"),
    ("another response's token, signed in", "user", "other", 404, "not_found"),
]


@pytest.fixture
def survey(researcher):
    return SurveyFactory(owner=researcher)


@pytest.fixture
def draft(survey):
    return ResponseFactory(survey=survey, answers=dict(COMPLETE_ANSWERS))


def call(api_client, endpoint, response_id, token=None):
    _name, method, suffix, body, _granted = endpoint
    headers = {} if token is None else {"X-Resume-Token": token}
    return getattr(api_client, method)(
        f"/api/v1/responses/{response_id}/{suffix}",
        body,
        format="json",
        headers=headers,
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
@pytest.mark.parametrize(
    ("who", "token", "status", "code"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_who_may_reach_a_response(
    api_client,
    survey,
    draft,
    staff_user,
    researcher,
    endpoint,
    who,
    token,
    status,
    code,
):
    signed_in = {"staff": staff_user, "user": UserFactory(), "owner": researcher}
    if who is not None:
        api_client.force_authenticate(signed_in[who])
    tokens = {
        "own": draft.resume_token,
        "other": ResponseFactory(survey=survey).resume_token,
        "wrong": "not-a-token",
    }

    answer = call(api_client, endpoint, draft.pk, tokens.get(token))

    row = Response.objects.get(pk=draft.pk)
    if status == "granted":
        assert answer.status_code == endpoint[4], answer.content
        if endpoint[4] == 200:
            assert answer.json()["id"] == str(draft.pk)
        return
    assert answer.status_code == status, answer.content
    body = answer.json()
    assert body["code"] == code
    assert set(body) == {"detail", "code", "errors"}
    if status == 401:
        assert body["detail"] == NO_TOKEN
        assert answer.headers["WWW-Authenticate"] == "Token"
    # A refused call changes nothing.
    assert (row.status, row.answers) == (Response.Status.DRAFT, COMPLETE_ANSWERS)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_an_unknown_response_is_404_for_staff_and_token_holders(
    api_client, draft, staff_user, endpoint
):
    unknown = uuid.uuid4()

    as_holder = call(api_client, endpoint, unknown, draft.resume_token)
    api_client.force_authenticate(staff_user)
    as_staff = call(api_client, endpoint, unknown)

    assert (as_holder.status_code, as_staff.status_code) == (404, 404)
    assert as_holder.json()["code"] == as_staff.json()["code"] == "not_found"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_a_missing_token_is_refused_before_any_query(
    api_client, draft, endpoint, django_assert_num_queries
):
    with django_assert_num_queries(0):
        answer = call(api_client, endpoint, draft.pk)

    assert answer.status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_a_wrong_token_costs_one_query(
    api_client, draft, endpoint, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the response, by its id
        answer = call(api_client, endpoint, draft.pk, "not-a-token")

    assert answer.status_code == 404


def test_the_schema_documents_the_token_and_anonymous_access(api_client):
    spec = api_client.get("/api/schema/", {"format": "json"}).json()
    operations = [
        spec["paths"]["/api/v1/responses/{response_id}/"]["get"],
        spec["paths"]["/api/v1/responses/{response_id}/"]["patch"],
        spec["paths"]["/api/v1/responses/{response_id}/submit/"]["post"],
        spec["paths"]["/api/v1/responses/{response_id}/profile/"]["get"],
    ]

    for operation in operations:
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert headers == ["X-Resume-Token"], operation["operationId"]
        # Anonymous clients holding the token are welcome, staff sign in.
        assert {} in operation["security"]
        assert len(operation["security"]) > 1
        assert {"401", "404"} <= set(operation["responses"])
