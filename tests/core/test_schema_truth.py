"""The OpenAPI schema says what the server does (issue 10, "Schema truth").

Each test sends what schemathesis found to the real stack and checks the
server's answer and the schema's word on it together.
"""

import json
import re
from datetime import timedelta

import pytest
import yaml
from django.utils import timezone

from accounts.services import token_create
from surveys.models import Invitation, Response
from tests.assessments.factories import ProjectFactory
from tests.surveys.factories import SurveyFactory

pytestmark = pytest.mark.django_db

KEY = "5f0c8a4e-2b7d-4c1e-9a3f-8d6b2e1c7a90"


@pytest.fixture(scope="module")
def spec(django_db_blocker) -> dict:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", {"format": "json"}).json()


def operation(spec: dict, path: str, method: str) -> dict:
    return spec["paths"][f"/api/v1{path}"][method]


def parameter(op: dict, name: str) -> dict:
    return next(p for p in op["parameters"] if p["name"] == name)


def component(spec: dict, ref_holder: dict) -> dict:
    ref = ref_holder["$ref"].rsplit("/", 1)[-1]
    return spec["components"]["schemas"][ref]


def assert_json_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"detail", "code", "errors"}
    if field is not None:
        assert list(body["errors"]) == [field], body
    return body


# --- Representations: YAML and CSV, and errors always JSON ---------------------------


def test_a_version_as_yaml_is_the_documented_definition_document(api_client, spec):
    survey = SurveyFactory()

    response = api_client.get(
        f"/api/v1/surveys/{survey.slug}/versions/1/", {"format": "yaml"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    document = yaml.safe_load(response.content)
    assert document["slug"] == survey.slug
    assert "pages" in document
    op = operation(spec, "/surveys/{slug}/versions/{number}/", "get")
    assert set(parameter(op, "format")["schema"]["enum"]) == {"json", "yaml"}
    content = op["responses"]["200"]["content"]
    assert content["application/yaml"]["schema"]["type"] == "object"
    assert content["application/json"]["schema"]["$ref"].endswith("/VersionOutput")


@pytest.mark.parametrize(
    "how", [{"format": "yaml"}, {"HTTP_ACCEPT": "application/yaml"}]
)
def test_an_error_asked_for_as_yaml_is_json(api_client, how):
    survey = SurveyFactory()
    query = {"format": how["format"]} if "format" in how else {}
    headers = {k: v for k, v in how.items() if k != "format"}

    response = api_client.get(
        f"/api/v1/surveys/{survey.slug}/versions/9/", query, **headers
    )

    assert_json_error(response, 404)


@pytest.mark.parametrize("how", ["?format=csv", "accept"])
def test_an_error_asked_for_as_csv_is_json(api_client, researcher, how):
    survey = SurveyFactory(owner=researcher, access="invitation")
    url = f"/api/v1/surveys/{survey.slug}/invitations/"
    headers = {"HTTP_ACCEPT": "text/csv"} if how == "accept" else {}
    url += how if how.startswith("?") else ""

    anonymous = api_client.post(url, {"count": 1}, format="json", **headers)
    api_client.force_authenticate(researcher)
    invalid = api_client.post(url, {"count": 0}, format="json", **headers)

    assert_json_error(anonymous, 401)
    assert_json_error(invalid, 400, "count")
    assert not Invitation.objects.exists()


def test_invitations_as_csv_are_documented_as_text(api_client, researcher, spec):
    survey = SurveyFactory(owner=researcher, access="invitation")
    api_client.force_authenticate(researcher)

    response = api_client.post(
        f"/api/v1/surveys/{survey.slug}/invitations/?format=csv",
        {"count": 2},
        format="json",
    )

    assert response.status_code == 201
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().splitlines()[0] == "id,url,token,expires_at"
    op = operation(spec, "/surveys/{slug}/invitations/", "post")
    assert op["responses"]["201"]["content"]["text/csv"]["schema"] == {"type": "string"}
    assert set(parameter(op, "format")["schema"]["enum"]) == {"json", "csv"}


@pytest.mark.parametrize("query", ["format=", "format=json&format=yaml"])
def test_an_empty_or_repeated_format_is_a_400(api_client, query):
    survey = SurveyFactory()

    response = api_client.get(f"/api/v1/surveys/{survey.slug}/versions/1/?{query}")

    assert_json_error(response, 400, "format")


# --- Statuses the server answers are in the schema -----------------------------------


def test_every_error_status_is_documented_with_the_error_shape(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            responses = op["responses"]
            assert {"404", "406", "414", "429", "503"} <= set(responses), (path, method)
            if method in {"post", "put", "patch"} or any(
                p["in"] == "query" for p in op.get("parameters", [])
            ):
                assert "400" in responses, (path, method)
            for code, entry in responses.items():
                if code >= "400" and code != "414":
                    schema = entry["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (
                        path,
                        method,
                        code,
                    )
    assert set(spec["paths"]["/api/v1/surveys/"]["get"]["responses"]) >= {"400"}
    assert (
        "Retry-After"
        in operation(spec, "/surveys/", "get")["responses"]["503"]["headers"]
    )


def test_a_reused_idempotency_key_is_a_documented_422(api_client, spec):
    survey = SurveyFactory()
    url = f"/api/v1/surveys/{survey.slug}/responses/"

    first = api_client.post(
        url, {"answers": {}}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    second = api_client.post(
        url, {"answers": {}, "submit": True}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )

    assert first.status_code == 201
    assert assert_json_error(second, 422)["code"] == "idempotency_key_reused"
    assert "422" in operation(spec, "/surveys/{slug}/responses/", "post")["responses"]
    assert Response.objects.count() == 1


def test_a_too_long_request_line_is_documented(spec):
    entry = operation(spec, "/surveys/", "get")["responses"]["414"]
    assert entry["content"] == {"text/html": {"schema": {"type": "string"}}}


@pytest.mark.parametrize("key", ["", "short", f" {KEY}"])
def test_an_idempotency_key_off_its_documented_pattern_is_a_400(api_client, key, spec):
    survey = SurveyFactory()

    response = api_client.post(
        f"/api/v1/surveys/{survey.slug}/responses/",
        {"answers": {}},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert_json_error(response, 400, "Idempotency-Key")
    assert not Response.objects.exists()
    pattern = parameter(
        operation(spec, "/surveys/{slug}/responses/", "post"), "Idempotency-Key"
    )["schema"]["pattern"]
    assert not re.fullmatch(pattern, key)


# --- What the schema forbids, the server refuses -------------------------------------


@pytest.mark.parametrize("value", [0, 1.5, ["token"], {"a": 1}])
def test_a_number_for_the_invitation_token_is_a_400(api_client, value):
    survey = SurveyFactory()

    response = api_client.post(
        f"/api/v1/surveys/{survey.slug}/responses/",
        {"answers": {}, "invitation": value},
        format="json",
    )

    assert_json_error(response, 400, "invitation")
    assert not Response.objects.exists()


def test_a_number_for_any_text_field_is_a_400(api_client, researcher):
    api_client.force_authenticate(researcher)
    survey = SurveyFactory(owner=researcher, access="invitation")

    label = api_client.post(
        f"/api/v1/surveys/{survey.slug}/invitations/",
        {"count": 1, "label": 7},
        format="json",
    )
    password = api_client.post(
        "/api/v1/auth/token/", {"email": researcher.email, "password": 12345678}
    )

    assert_json_error(label, 400, "label")
    assert_json_error(password, 400, "password")
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/surveys/?status=", "status"),
        ("/api/v1/surveys/?access=", "access"),
        ("/api/v1/surveys/?status=open&status=closed", "status"),
        ("/api/v1/tools/?open_source=", "open_source"),
        ("/api/v1/surveys/?page_size=", "page_size"),
    ],
)
def test_an_empty_or_repeated_filter_is_a_400(api_client, url, field):
    SurveyFactory()

    assert_json_error(api_client.get(url), 400, field)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("organisation=", "organisation"),
        ("organisation=0", "organisation"),
        ("organisation=\u0663", "organisation"),
        ("organisation=1&organisation=2", "organisation"),
    ],
)
def test_a_project_filter_off_its_schema_is_a_400(api_client, query, field, spec):
    project = ProjectFactory()
    user = project.organisation.created_by or project.organisation.memberships.first()
    from tests.accounts.factories import UserFactory

    api_client.force_authenticate(user or UserFactory(role="team_member"))

    response = api_client.get(f"/api/v1/projects/?{query}")

    assert_json_error(response, 400, field)
    schema = parameter(operation(spec, "/projects/", "get"), "organisation")["schema"]
    assert schema == {"type": "integer", "minimum": 1}


def test_a_valid_filter_still_filters(api_client):
    open_survey = SurveyFactory()
    SurveyFactory(status="closed")

    response = api_client.get("/api/v1/surveys/", {"status": "open", "page_size": 1})

    assert response.status_code == 200
    assert [s["slug"] for s in response.json()["results"]] == [open_survey.slug]


# --- Where the server is stricter, the schema says so --------------------------------


def test_the_aggregates_version_is_at_least_1(api_client, researcher, spec):
    survey = SurveyFactory(owner=researcher)
    api_client.force_authenticate(researcher)

    response = api_client.get(
        f"/api/v1/surveys/{survey.slug}/aggregates/", {"version": 0}
    )

    assert_json_error(response, 400, "version")
    op = operation(spec, "/surveys/{slug}/aggregates/", "get")
    assert parameter(op, "version")["schema"]["minimum"] == 1


def test_an_invitation_expiry_in_the_past_is_refused_and_documented(
    api_client, researcher, spec
):
    survey = SurveyFactory(owner=researcher, access="invitation")
    api_client.force_authenticate(researcher)
    past = (timezone.now() - timedelta(minutes=1)).isoformat()

    response = api_client.post(
        f"/api/v1/surveys/{survey.slug}/invitations/",
        {"count": 1, "expires_at": past},
        format="json",
    )

    assert_json_error(response, 400, "expires_at")
    assert not Invitation.objects.exists()
    field = spec["components"]["schemas"]["InvitationsInputRequest"]["properties"][
        "expires_at"
    ]
    assert "future" in field["description"]


def test_a_nul_in_a_password_is_refused_and_documented(api_client, user, spec):
    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": "correct-horse\x00battery-staple"},
        format="json",
    )

    assert_json_error(response, 400, "password")
    pattern = spec["components"]["schemas"]["TokenCreateInputRequest"]["properties"][
        "password"
    ]["pattern"]
    assert pattern == "^[^\\u0000]*$"
    assert re.fullmatch(pattern.replace("\\u0000", "\x00"), "a\x00b") is None
    assert re.fullmatch(pattern.replace("\\u0000", "\x00"), "any other text")


def test_every_plain_request_string_forbids_nul(spec):
    for name, schema in spec["components"]["schemas"].items():
        if not name.endswith("Request"):
            continue
        for prop in schema.get("properties", {}).values():
            if prop.get("type") == "string":
                assert {"format", "enum", "pattern"} & prop.keys(), (name, prop)


def test_unknown_answer_codes_are_refused_and_documented(api_client, spec):
    survey = SurveyFactory()

    response = api_client.post(
        f"/api/v1/surveys/{survey.slug}/responses/",
        {"answers": {"no_such_question": "x"}},
        format="json",
    )

    assert_json_error(response, 400, "no_such_question")
    assert not Response.objects.exists()
    answers = component(
        spec,
        operation(spec, "/surveys/{slug}/responses/", "post")["requestBody"]["content"][
            "application/json"
        ]["schema"],
    )["properties"]["answers"]
    assert "question codes of the response's survey version" in answers["description"]
    assert "400" in answers["description"]


def test_a_token_still_reaches_its_own_endpoints(api_client, researcher):
    # Errors switched to JSON must not change a success's representation.
    key = token_create(user=researcher)[1]

    response = api_client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


# --- Bodies the server sends match their schemas (found by the fuzz test) ------------


def assert_matches(spec: dict, component_name: str, body) -> None:
    from openapi_schema_validator import (
        OAS30Validator,
        oas30_strict_format_checker,
        validate,
    )

    schema = {
        "$ref": f"#/components/schemas/{component_name}",
        "components": spec["components"],
    }
    validate(
        body, schema, cls=OAS30Validator, format_checker=oas30_strict_format_checker
    )


@pytest.fixture
def team_owner(db):
    from assessments.services.organisations import organisation_create
    from tests.accounts.factories import UserFactory

    owner = UserFactory(role="team_member")
    return owner, organisation_create(name="Team", actor=owner)


def test_a_new_sprint_matches_its_schema_with_its_empty_choices(
    api_client, team_owner, spec
):
    from tests.assessments.factories import SprintFactory

    owner, organisation = team_owner
    sprint = SprintFactory(project=ProjectFactory(organisation=organisation))
    api_client.force_authenticate(owner)

    body = api_client.get(f"/api/v1/sprints/{sprint.pk}/").json()

    assert (body["opened_for"], body["result"], body["maintenance_reason"]) == (
        "",
        "",
        "",
    )
    assert_matches(spec, "SprintOutput", body)


def test_a_case_study_never_saved_matches_its_schema(api_client, team_owner, spec):
    owner, organisation = team_owner
    project = ProjectFactory(organisation=organisation)
    api_client.force_authenticate(owner)

    body = api_client.get(f"/api/v1/projects/{project.pk}/case-study/").json()

    assert body["updated_at"] is None
    assert_matches(spec, "CaseStudyOutput", body)


def test_a_member_invitation_link_to_share_matches_its_schema(
    api_client, team_owner, spec
):
    owner, organisation = team_owner
    api_client.force_authenticate(owner)

    response = api_client.post(
        f"/api/v1/organisations/{organisation.pk}/members/", {}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["email"] == ""
    assert_matches(spec, "MemberInvitationOutput", response.json())


def test_the_new_messages_speak_portuguese(api_client):
    response = api_client.get(
        "/api/v1/surveys/?status=&page_size=2", HTTP_ACCEPT_LANGUAGE="pt-br"
    )

    body = assert_json_error(response, 400, "status")
    assert body["errors"]["status"] == ["Envie um valor, ou deixe o parâmetro de fora."]


@pytest.mark.parametrize("value", ["yaml", "csv", "xml", ""])
def test_format_is_ignored_where_there_is_one_representation(api_client, value, spec):
    survey = SurveyFactory()

    response = api_client.get("/api/v1/surveys/", {"format": value})
    anonymous = api_client.get("/api/v1/auth/me/", {"format": value})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert [s["slug"] for s in response.json()["results"]] == [survey.slug]
    assert_json_error(anonymous, 401)
    listed = operation(spec, "/surveys/", "get").get("parameters", [])
    assert "format" not in {p["name"] for p in listed}


def test_accept_still_applies_where_there_is_one_representation(api_client):
    response = api_client.get("/api/v1/surveys/", HTTP_ACCEPT="text/csv")

    assert_json_error(response, 406)


def test_every_input_serializer_takes_text_only_as_text():
    import importlib

    from core.api.serializers import InputSerializer

    modules = [
        "accounts.api.serializers",
        "assessments.api.serializers",
        "reports.api.exports",
        "reports.api.releases",
        "reports.api.serializers",
        "reports.api.tools",
        "surveys.api.serializers",
    ]
    inputs = [
        value
        for name in modules
        for key, value in vars(importlib.import_module(name)).items()
        if key.endswith("Input") and isinstance(value, type)
    ]

    assert len(inputs) > 25
    assert [c.__name__ for c in inputs if not issubclass(c, InputSerializer)] == []
