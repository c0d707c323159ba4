"""The site shell in a real browser: navigation, language switch, keyboard
access, signing in and the phone layout."""

import re

import pytest
from knox.models import AuthToken
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# The email and password labels and the log-in button, per interface language.
LOGIN_FORM = {
    "en": ("Email", "Password", "Log in"),
    "pt-br": ("E-mail", "Senha", "Entrar"),
}

# For failure messages: elements whose right edge passes the viewport, ignoring
# what is hidden on purpose (zero-sized, or moved off-screen to the left like
# the skip link). Content scrolled inside its own container is listed too.
OVERFLOWING_ELEMENTS_JS = """
() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 1 && box.right > width + 0.5;
    })
    .map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`
      + `${el.className ? "." + String(el.className).replace(/ +/g, ".") : ""}`
      + ` right=${Math.round(el.getBoundingClientRect().right)}`);
}
"""


def expect_nav_links(page, *, nav_label: str, links: dict[str, str]) -> None:
    nav = page.get_by_role("navigation", name=nav_label)
    for name, href in links.items():
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "href", href
        )


def test_home_shows_title_and_nav_and_switches_language(page):
    page.goto("/")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("MLOps Maturity")
    expect(page.get_by_role("heading", level=1)).to_have_text("MLOps Maturity")
    expect_nav_links(
        page,
        nav_label="Main",
        links={
            "Surveys": "/surveys/",
            "Dashboards": "/dashboards/",
            "API": "/api/docs/",
        },
    )
    # The stylesheets were served and applied: Pico defines its variables and
    # the site CSS hides the language label visually (it stays in the a11y tree).
    assert page.evaluate(
        "getComputedStyle(document.documentElement)"
        ".getPropertyValue('--pico-font-family').trim() !== ''"
    )
    expect(page.get_by_text("Language", exact=True)).to_have_css("width", "1px")

    page.get_by_label("Language").select_option("pt-br")
    page.get_by_role("button", name="Change").click()

    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    expect(page).to_have_title("Maturidade MLOps")
    expect(page.get_by_role("heading", level=1)).to_have_text("Maturidade MLOps")
    expect_nav_links(
        page,
        nav_label="Principal",
        links={
            "Questionários": "/surveys/",
            "Painéis": "/dashboards/",
            "API": "/api/docs/",
        },
    )
    expect(page.get_by_role("link", name="Pular para o conteúdo")).to_be_attached()
    expect(page.get_by_label("Idioma")).to_have_value("pt-br")

    # The choice is remembered on the next page.
    page.get_by_role("navigation", name="Principal").get_by_role(
        "link", name="Questionários"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Questionários")

    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Alterar").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/surveys/$"))  # back where it was
    expect(page.get_by_role("heading", level=1)).to_have_text("Surveys")
    expect_nav_links(
        page,
        nav_label="Main",
        links={
            "Surveys": "/surveys/",
            "Dashboards": "/dashboards/",
            "API": "/api/docs/",
        },
    )
    expect(page.get_by_label("Language")).to_have_value("en")

    assert page.failed_responses == []
    assert page.errors == []


def test_first_tab_focuses_the_skip_link(page):
    page.goto("/")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).not_to_be_in_viewport()  # off-screen until focused

    page.keyboard.press("Tab")

    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/#main$"))


def log_in(page, user, *, language: str = "en") -> None:
    """Sign in through the form, starting from the nav link on the home page."""
    email, password, button = LOGIN_FORM[language]
    page.goto("/")
    page.get_by_role("link", name=button, exact=True).click()
    page.get_by_label(email, exact=True).fill(user.email)
    page.get_by_label(password, exact=True).fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/$"))


def test_user_logs_in_and_creates_an_api_token(page, new_context, live_server):
    user = UserFactory()

    log_in(page, user)

    expect(page).to_have_url(f"{live_server.url}/accounts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_role("main")).to_contain_text(user.email)
    expect(page.get_by_text("You have no live tokens.")).to_be_visible()

    page.get_by_role("button", name="Create a token").click()

    status = page.get_by_role("status")
    expect(status).to_contain_text("Your new token:")
    key_element = page.locator("#new-token")
    expect(key_element).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    key = key_element.inner_text()
    listed = page.get_by_role("table").locator("tbody code")
    expect(listed).to_have_count(1)
    assert key.startswith(listed.inner_text().rstrip("…"))
    assert AuthToken.objects.filter(user=user).count() == 1

    # The key shown works on the API from a client with no session.
    api = new_context().request
    response = api.get("/api/v1/auth/me/", headers={"Authorization": f"Token {key}"})
    assert response.status == 200, response.text()
    assert response.json()["email"] == user.email

    assert page.failed_responses == []
    assert page.errors == []


def phone_page(new_context, *, locale: str):
    context = new_context(
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale=locale,
    )
    return context.new_page()


def assert_no_horizontal_scroll(page) -> None:
    sizes = page.evaluate(
        "({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert sizes["client"] == PHONE["width"]
    assert sizes["scroll"] <= sizes["client"], (
        f"{page.url} scrolls sideways; elements past the right edge: "
        f"{page.evaluate(OVERFLOWING_ELEMENTS_JS)}"
    )


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("pt-BR", "pt-br")])
def test_home_has_no_horizontal_scroll_on_a_phone(new_context, locale, lang):
    page = phone_page(new_context, locale=locale)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", lang)

    assert_no_horizontal_scroll(page)


def test_account_with_a_token_has_no_horizontal_scroll_on_a_phone(new_context):
    user = UserFactory(email="someone.with.a.long.address@example.org")
    page = phone_page(new_context, locale="pt-BR")
    log_in(page, user, language="pt-br")
    page.get_by_role("button", name="Criar um token").click()
    expect(page.locator("#new-token")).to_be_visible()

    assert_no_horizontal_scroll(page)
