"""The home page promises each visitor only what exists for them."""

import re

import pytest
from django.test import Client
from django.utils import translation

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def links_of(html: str) -> set[str]:
    main = html.split('<main id="main"', 1)[1]
    return set(re.findall(r'href="([^"#]+)"', main))


@pytest.mark.parametrize(
    ("who", "expected", "absent"),
    [
        (
            "anonymous",
            {"/surveys/", "/dashboards/", "/api/docs/"},
            {"/admin/", "/manage/surveys/", "/accounts/"},
        ),
        (
            "team",
            {"/surveys/", "/dashboards/", "/api/docs/", "/accounts/"},
            {"/admin/", "/manage/surveys/"},
        ),
        (
            "researcher",
            {"/surveys/", "/dashboards/", "/manage/surveys/", "/accounts/"},
            {"/admin/"},
        ),
        ("staff", {"/admin/", "/manage/surveys/", "/accounts/"}, set()),
    ],
)
def test_the_home_page_links_only_what_each_visitor_can_use(who, expected, absent):
    client = Client()
    users = {
        "team": {"role": "team_member"},
        "researcher": {"role": "researcher"},
        "staff": {"is_staff": True, "is_superuser": True},
    }
    if who in users:
        client.force_login(UserFactory(**users[who]))

    html = client.get("/").content.decode()

    links = links_of(html)
    assert expected <= links
    assert not (absent & links)
    assert "sprint" not in html.lower()  # nothing promised that is not built
    for link in links:
        assert client.get(link).status_code == 200, link
