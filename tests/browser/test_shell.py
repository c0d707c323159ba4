"""The site shell in a real browser: navigation, language switch, keyboard
access, signing in and the phone layout."""

import re

import pytest
from knox.models import AuthToken
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser import checks

pytestmark = pytest.mark.browser

PHONE = checks.PHONE

# The email and password labels and the log-in button, per interface language.
LOGIN_FORM = {
    "en": ("Email", "Password", "Log in"),
    "pt-br": ("E-mail", "Senha", "Entrar"),
}


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
    assert page.evaluate("document.documentElement.clientWidth") == PHONE["width"]
    checks.assert_no_horizontal_scroll(page)


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


def test_the_header_is_compact_on_a_phone_and_the_language_clears_its_arrow(
    new_context,
):
    page = phone_page(new_context, locale="pt-BR")
    page.goto("/")

    header = page.locator("header.site").bounding_box()
    assert header["height"] <= PHONE["height"] * 0.15, header
    select = page.get_by_label("Idioma")
    # Pico draws the arrow 0.5rem from the right edge, 1rem wide.
    padding = page.evaluate(
        "(el) => parseFloat(getComputedStyle(el).paddingRight)",
        select.element_handle(),
    )
    assert padding >= 32
    box = select.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    checks.assert_no_word_broken(page)
    checks.screenshot(page, "home-phone-pt", full_page=False)


def test_every_page_has_an_icon_and_favicon_ico_answers(page):
    page.goto("/")
    icon = page.locator('link[rel="icon"]').first.get_attribute("href")

    assert page.request.get(icon).status == 200
    answer = page.request.get("/favicon.ico")
    assert answer.status == 200
    assert answer.headers["content-type"] in {
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
    assert answer.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_a_missing_page_is_the_products_own_in_the_readers_language(new_context):
    page = new_context(locale="pt-BR").new_page()

    answer = page.goto("/surveys/nothing-here/results/")

    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Página não encontrada")
    expect(page.get_by_role("link", name="Página inicial")).to_have_attribute(
        "href", "/"
    )
    checks.assert_accessible(page)
    checks.screenshot(page, "404-pt")


def test_signed_in_pages_pass_axe_and_the_account_link_says_what_it_shows(page):
    user = UserFactory(role="researcher", email="ana.researcher@example.org")
    log_in(page, user)

    account = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^ana\.researcher@example\.org")
    )
    expect(account).to_have_text(re.compile(r"^ana\.researcher@example\.org"))
    for path in ("/accounts/", "/", "/manage/surveys/", "/dashboards/", "/surveys/"):
        page.goto(path)
        checks.assert_accessible(page)
    assert page.failed_responses == []
    assert page.errors == []
