"""The interface in Brazilian Portuguese, and the health of its catalogue.

The catalogue checks are pure Python (no gettext tools): a tiny PO reader, and
``gettext.GNUTranslations`` for the compiled ``.mo``. Only the check that the
catalogue still matches the sources needs gettext, and it skips without it.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUE = ROOT / "locale" / "pt_BR" / "LC_MESSAGES"
PO = CATALOGUE / "django.po"
MO = CATALOGUE / "django.mo"

# How the translation files are regenerated and compiled.
MAKEMESSAGES = (
    "manage.py makemessages -l pt_BR --ignore=.venv --ignore=staticfiles --ignore=tests"
)
COMPILEMESSAGES = "manage.py compilemessages -l pt_BR --ignore=.venv"

# printf-style placeholders (%(name)s, %s, %d, %%) in "python-format" entries,
# and brace ones ({{ var }}, {name}) anywhere.
PRINTF = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
BRACES = re.compile(r"\{\{.*?\}\}|\{\w*\}")


# --- The pages --------------------------------------------------------------


def assert_portuguese(response) -> None:
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="pt-br">' in html
    assert response["Content-Language"] == "pt-br"
    for text in ("Pular para o conteúdo", "Questionários", "Painéis", "Idioma"):
        assert text in html
    assert "Skip to content" not in html


def assert_english(response) -> None:
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html
    assert "Pular para o conteúdo" not in html


@pytest.mark.django_db
def test_home_is_in_english_by_default(client):
    assert_english(client.get("/"))


@pytest.mark.django_db
def test_home_follows_a_portuguese_accept_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9,en;q=0.5")
    assert_portuguese(response)
    assert "<h1>Maturidade MLOps</h1>" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_changes_to_portuguese_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "pt-br", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt-br"
    # The choice wins over the browser's preference.
    assert_portuguese(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert_english(client.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR"))


# --- The catalogue ----------------------------------------------------------


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid[:60]!r}"


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """Return the header and the live entries of a PO file (obsolete ``#~``
    entries are left out, as msgfmt does)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None
    flags: set[str] = set()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        if keyword in ("msgctxt", "msgid") and (
            entry is None or keyword == "msgctxt" or target[0] != "msgctxt"
        ):
            entry = Entry(line=number, flags=flags)
            entries.append(entry)
            flags = set()
        value = ast.literal_eval(rest)
        if keyword == "":
            pass  # a continuation of the current string
        elif keyword.startswith("msgstr["):
            target = ("msgstr", int(keyword[7:-1]))
            entry.msgstr[target[1]] = ""
        elif keyword == "msgstr":
            target = ("msgstr", 0)
            entry.msgstr[0] = ""
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            target = (keyword, None)
            setattr(entry, keyword, "")
        else:
            raise ValueError(f"{path}:{number}: cannot read {raw!r}")
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] += value
        else:
            setattr(entry, name, getattr(entry, name) + value)

    header, *messages = entries
    assert header.msgid == "" and header.msgctxt is None, "the PO file has no header"
    return header, messages


def plural_count(header: Entry) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr[0])
    assert match, "the header has no Plural-Forms"
    return int(match.group(1))


@pytest.fixture(scope="module")
def catalogue() -> tuple[Entry, list[Entry]]:
    assert PO.exists(), f"{PO} is missing: run {MAKEMESSAGES}"
    return read_po(PO)


def test_the_catalogue_is_for_brazilian_portuguese(catalogue):
    header, messages = catalogue
    assert "Language: pt_BR\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert plural_count(header) == 2
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"
    assert len(messages) > 50


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    header, messages = catalogue
    forms = plural_count(header)
    fuzzy = [entry.label for entry in messages if "fuzzy" in entry.flags]
    untranslated = [
        entry.label
        for entry in messages
        if not all(
            entry.msgstr.get(i) for i in range(forms if entry.msgid_plural else 1)
        )
    ]
    assert fuzzy == [], f"fuzzy entries in {PO}"
    assert untranslated == [], f"untranslated entries in {PO}"


def placeholders(entry: Entry, text: str) -> Counter:
    found = Counter(BRACES.findall(text))
    if "python-format" in entry.flags:
        found += Counter(PRINTF.findall(text))
    return found


def test_translations_keep_every_placeholder(catalogue):
    _header, messages = catalogue
    broken = []
    for entry in messages:
        for index, translation in entry.msgstr.items():
            found = placeholders(entry, translation)
            if entry.msgid_plural is None:
                ok = found == placeholders(entry, entry.msgid)
            elif index == 0:
                # The singular may spell the number out instead of using it.
                ok = found <= placeholders(entry, entry.msgid_plural)
            else:
                ok = found == placeholders(entry, entry.msgid_plural)
            if not ok:
                broken.append(f"{entry.label} -> {translation!r}")
    assert broken == [], "placeholders differ between source and translation"


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    """The .mo that Django loads holds exactly the translations of the .po."""
    _header, messages = catalogue
    assert MO.exists(), f"{MO} is missing: run {COMPILEMESSAGES}"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    expected = {}
    for entry in messages:
        key = (
            entry.msgid
            if entry.msgctxt is None
            else f"{entry.msgctxt}\x04{entry.msgid}"
        )
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr[0]
        else:
            for index, translation in entry.msgstr.items():
                expected[(key, index)] = translation
    # GNUTranslations keeps the messages in ``_catalog``; "" is the header.
    actual = {key: value for key, value in compiled._catalog.items() if key != ""}

    stale = sorted(str(key)[:60] for key in expected.keys() ^ actual.keys())
    assert stale == [], f"{MO} is out of date: run {COMPILEMESSAGES}"
    differing = sorted(
        str(key)[:60] for key in expected if expected[key] != actual[key]
    )
    assert differing == [], f"{MO} is out of date: run {COMPILEMESSAGES}"


def test_django_uses_the_project_catalogue():
    from django.utils import translation

    with translation.override("pt-br"):
        assert translation.gettext("Skip to content") == "Pular para o conteúdo"
        assert translation.gettext("MLOps Maturity") == "Maturidade MLOps"


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("xgettext", "msguniq", "msgmerge")),
    reason="needs GNU gettext (xgettext) to extract the messages",
)
def test_the_catalogue_has_every_message_of_the_sources(catalogue, tmp_path):
    """Extract the messages afresh, from a copy of the project so that nothing
    in the working tree is touched, and compare them with the .po file."""
    _header, messages = catalogue
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "staticfiles",
            "build",
            "tests",
            "locale",
            "*.egg-info",
            "__pycache__",
            ".data",
            ".*cache",
        ),
    )
    (copy / "locale").mkdir()
    # Write the fresh catalogue into the copy whichever ``config`` is imported.
    (copy / "i18n_check_settings.py").write_text(
        "from pathlib import Path\n"
        "from config.settings.test import *  # noqa: F403\n"
        "LOCALE_PATHS = [Path(__file__).resolve().parent / 'locale']\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "i18n_check_settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES.split()[1:]],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    _fresh_header, fresh = read_po(
        copy / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"
    )

    def keys(entries: list[Entry]) -> set[tuple[str | None, str]]:
        return {(entry.msgctxt, entry.msgid) for entry in entries}

    missing = sorted(keys(fresh) - keys(messages))
    obsolete = sorted(keys(messages) - keys(fresh))
    hint = f"the catalogue is out of date: run {MAKEMESSAGES}, translate, then {COMPILEMESSAGES}"
    assert missing == [], hint
    assert obsolete == [], hint
