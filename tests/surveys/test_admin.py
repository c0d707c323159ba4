"""The admin site: survey texts in the admin's language, a response's answers
as a table, and the product's name in the header."""

import pytest
from django.utils import translation

from surveys.services import response_create, survey_publish, survey_update
from tests.accounts.factories import UserFactory
from tests.surveys.factories import ResponseFactory
from tests.surveys.sample_definition import COMPLETE_ANSWERS, sample

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def survey(researcher):
    version = survey_publish(document=sample(), actor=researcher)
    return survey_update(survey=version.survey, actor=researcher, status="open")


def test_the_admin_header_carries_the_products_name(client, superuser):
    client.force_login(superuser)

    html = client.get("/admin/").content.decode()

    assert "MLOps Maturity · Administration" in html
    assert "<title>Site administration | MLOps Maturity</title>" in html
    assert "Django administration" not in html
    assert "img/favicon.svg" in html


@pytest.mark.parametrize(
    ("language", "title", "consent"),
    [
        ("en", "Sample survey", "I agree to take part."),
        ("pt-br", "Sample survey (pt)", "I agree to take part. (pt)"),
    ],
)
def test_survey_texts_show_in_the_admins_language(
    client, superuser, survey, language, title, consent
):
    client.force_login(superuser)
    headers = {"Accept-Language": language}

    listing = client.get("/admin/surveys/survey/", headers=headers).content.decode()
    detail = client.get(
        f"/admin/surveys/survey/{survey.pk}/change/", headers=headers
    ).content.decode()

    assert f">{title}</td>" in listing
    assert title in detail and consent in detail
    assert "{&quot;en&quot;" not in detail  # no raw JSON


def test_a_responses_answers_are_a_table_of_questions_and_labels(
    client, superuser, survey
):
    response, _created = response_create(
        survey=survey, answers=COMPLETE_ANSWERS, submit=True
    )
    client.force_login(superuser)

    html = client.get(
        f"/admin/surveys/response/{response.pk}/change/",
        headers={"Accept-Language": "pt-br"},
    ).content.decode()

    assert "<td>Role (pt)</td><td>Engineer (pt)</td><td><code>role</code></td>" in html
    assert (
        "<td>Rate each tool (pt)</td>"
        "<td>Mlflow (pt): Present (pt); Dvc (pt): Partial (pt)</td>" in html
    )
    assert "&quot;tool_matrix&quot;" not in html  # no JSON blob


def test_a_draft_without_answers_shows_an_empty_value(client, superuser, survey):
    response = ResponseFactory(survey=survey)
    client.force_login(superuser)

    html = client.get(f"/admin/surveys/response/{response.pk}/change/").content
    assert b"Answers:" in html
    assert b"<table><thead>" not in html
