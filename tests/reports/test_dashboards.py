"""``/dashboards/``: the surveys whose results anyone may read."""

import pytest
from django.utils import translation

from surveys.services import survey_publish, survey_update
from tests.surveys.sample_definition import sample

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def published(researcher, slug: str, **changes):
    version = survey_publish(document=sample(slug=slug), actor=researcher)
    return survey_update(survey=version.survey, actor=researcher, **changes)


def test_dashboards_link_the_results_of_surveys_that_publish_them(client, researcher):
    published(researcher, "open-public", status="open", public_results=True)
    published(researcher, "closed-public", status="open", public_results=True)
    survey_update(
        survey=published(researcher, "closed-public-2", status="open"),
        actor=researcher,
        status="closed",
        public_results=True,
    )
    published(researcher, "draft-public", public_results=True)  # a draft: never
    published(researcher, "open-private", status="open")

    html = client.get("/dashboards/").content.decode()

    assert 'href="/surveys/open-public/results/"' in html
    assert 'href="/surveys/closed-public-2/results/"' in html
    assert "Results of “Sample survey”" in html
    assert "/surveys/draft-public/results/" not in html
    assert "/surveys/open-private/results/" not in html


def test_without_public_results_the_page_says_so(client):
    html = client.get("/dashboards/").content.decode()

    assert "No survey publishes its results yet." in html
    assert "Charts of the results are not built yet" not in html


def test_researchers_are_pointed_to_their_surveys(client, researcher):
    client.force_login(researcher)

    html = client.get("/dashboards/").content.decode()

    assert 'href="/manage/surveys/"' in html
