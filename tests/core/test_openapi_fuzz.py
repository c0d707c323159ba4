"""Schemathesis against the whole API, in process, on the real test database.

Every operation of ``/api/schema/`` (as served) is called with schema-derived
and schema-violating requests, 25 examples each, as an anonymous client and as
a researcher with a knox token who owns a survey and is an owner of a team. A
case fails on any 5xx, any status, content type, header or body the schema
does not document, and any request the schema forbids that the server accepts.

No operation is left out. Each test runs in its own transaction, rolled back
afterwards, so the deleting ones (an organisation, a sprint, a collaborator)
cannot starve the others; revoking the token in use gets a fresh token per
case. Generation is derandomized (no example database), so a run is the same
on every machine.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.services import token_create
from assessments.models import Membership
from assessments.services.organisations import organisation_create
from reports.models import Tool
from surveys.services import collaborator_add
from tests.accounts.factories import UserFactory
from tests.assessments.factories import (
    MembershipFactory,
    ProjectFactory,
    SprintFactory,
)
from tests.surveys.factories import ResponseFactory, SurveyFactory

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25
# positive_data_acceptance expects a 2xx for every schema-valid request, but
# some rules cannot be said in JSON Schema: answers must name the survey's own
# questions, a definition must be a valid survey, a collaborator an existing
# researcher, a survey must close after it opens. Those are 400s naming the
# field, which the schema documents; every other check runs.
EXCLUDED_CHECKS = [positive_data_acceptance]


def revokes_token(case) -> bool:
    return case.method == "DELETE" and case.path == "/api/v1/auth/token/"


SCHEMA = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", get_wsgi_application()
)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def keep_connection():
    """Keep the test's connection (and its transaction) across requests, as
    Django's test client does: the handler would close it after each one."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, keep_connection) -> dict:
    """One object of each kind the paths name, so cases reach past the 404."""
    owner = UserFactory(role="researcher")
    survey = SurveyFactory(owner=owner, slug="fuzzed")
    other = UserFactory(role="researcher")
    collaborator = collaborator_add(
        survey=survey, actor=owner, email=other.email, role="viewer"
    )
    response = ResponseFactory(survey=survey)
    team = UserFactory(role="team_member")
    organisation = organisation_create(name="Fuzzed", actor=team)
    # Access to teams goes by membership: the researcher owns this one too,
    # so its operations are fuzzed past the 404 as well.
    MembershipFactory(organisation=organisation, user=owner, role=Membership.Role.OWNER)
    project = ProjectFactory(organisation=organisation)
    sprint = SprintFactory(project=project)
    tool = Tool.objects.order_by("code").first()  # the seeded catalogue
    return {
        "owner": owner,
        "ids": {
            "organisations": organisation.pk,
            "projects": project.pk,
            "sprints": sprint.pk,
        },
        "path": {
            "slug": survey.slug,
            "number": survey.current_version.number,
            "collaborator_id": collaborator.pk,
            "response_id": str(response.pk),
            "user_id": team.pk,
            "code": tool.code,
        },
        "headers": {"X-Resume-Token": response.resume_token},
    }


@pytest.mark.parametrize("who", ["anonymous", "researcher"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_the_api_does_what_its_schema_says(operation, who, world):
    path = {**world["path"], "id": world["ids"].get(operation.path.split("/")[3])}
    path = {
        name: value for name, value in path.items() if f"{{{name}}}" in operation.path
    }
    headers = {}
    if any(p.name == "X-Resume-Token" for p in operation.headers):
        headers.update(world["headers"])
    strategy = st.one_of(
        operation.as_strategy(
            generation_mode=mode, path_parameters=path, headers=headers
        )
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )
    token = token_create(user=world["owner"])[1]

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        auth = {}
        if who == "researcher":
            # Revoking the token in use (DELETE /auth/token/) must not sign
            # the next cases out: each of those gets a token of its own.
            key = token_create(user=world["owner"])[1] if revokes_token(case) else token
            auth["Authorization"] = f"Token {key}"
        calls.append(
            case.call_and_validate(headers=auth, excluded_checks=EXCLUDED_CHECKS)
        )

    calls = []
    run()
    statuses = sorted({response.status_code for response in calls})
    print(f"{operation.label} as {who}: {len(calls)} calls, statuses {statuses}")
    assert calls  # nothing skipped silently (an unsatisfiable schema, say)
