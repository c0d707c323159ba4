"""The import_survey and export_survey management commands."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from surveys.definition import definition_dump, definition_load
from surveys.models import Page, Question, Survey, SurveyVersion
from surveys.services import survey_publish
from tests.accounts.factories import UserFactory
from tests.surveys.sample_definition import SAMPLE, sample, t

pytestmark = pytest.mark.django_db

REFERENCE = (
    Path(__file__).resolve().parents[2] / "surveys/definitions/mlops-practices.yaml"
)


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def write(
    tmp_path: Path, document, name: str = "survey.yaml", fmt: str = "yaml"
) -> Path:
    path = tmp_path / name
    text = document if isinstance(document, str) else definition_dump(document, fmt)
    path.write_text(text, encoding="utf-8")
    return path


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Survey, SurveyVersion, Page, Question)
    }


# --- import_survey ---------------------------------------------------------------------


def test_import_publishes_a_yaml_file(tmp_path, superuser):
    path = write(tmp_path, SAMPLE)

    out, _err = run("import_survey", str(path))

    survey = Survey.objects.get(slug="sample")
    assert "sample: version 1 is current." in out
    assert survey.current_version.definition == SAMPLE
    assert survey.current_version.published_by == superuser
    assert survey.owner == superuser
    assert survey.status == Survey.Status.DRAFT
    assert survey.current_version.questions.count() == 11


def test_import_reads_json_too(tmp_path, superuser):
    path = write(tmp_path, SAMPLE, name="survey.json", fmt="json")

    run("import_survey", str(path))

    assert SurveyVersion.objects.get(survey__slug="sample").definition == SAMPLE


def test_import_the_reference_questionnaire(tmp_path, superuser):
    run("import_survey", str(REFERENCE))

    survey = Survey.objects.get(slug="mlops-practices")
    assert survey.current_version.definition == definition_load(
        REFERENCE.read_text(encoding="utf-8")
    )


def test_import_as_a_named_user_and_open(tmp_path, researcher):
    path = write(tmp_path, SAMPLE)

    run("import_survey", str(path), "--as", researcher.email.upper(), "--open")

    survey = Survey.objects.get(slug="sample")
    assert survey.owner == researcher
    assert survey.status == Survey.Status.OPEN


def test_importing_the_same_file_twice_keeps_one_version(tmp_path, superuser):
    path = write(tmp_path, SAMPLE)
    run("import_survey", str(path))

    out, _err = run("import_survey", str(path))

    assert "version 1 is current" in out
    assert SurveyVersion.objects.count() == 1


def test_importing_a_changed_file_publishes_the_next_version(tmp_path, superuser):
    run("import_survey", str(write(tmp_path, SAMPLE)))

    out, _err = run("import_survey", str(write(tmp_path, sample(title=t("Renamed")))))

    assert "version 2 is current" in out
    assert Survey.objects.get(slug="sample").current_version.number == 2


def test_check_only_validates_and_saves_nothing(tmp_path, superuser):
    path = write(tmp_path, SAMPLE)

    out, _err = run("import_survey", str(path), "--check")

    assert f"{path}: valid." in out
    assert row_counts() == {"Survey": 0, "SurveyVersion": 0, "Page": 0, "Question": 0}


def test_check_needs_no_publishing_user(tmp_path):
    out, _err = run("import_survey", str(write(tmp_path, SAMPLE)), "--check")

    assert "valid." in out


def test_an_invalid_file_prints_every_error_and_saves_nothing(tmp_path, superuser):
    document = sample()
    document["pages"][1]["questions"][0]["choices"].append(
        {"code": "dvc", "label": t("Again")}
    )
    document["pages"][0]["questions"][1]["text"].pop("pt-br")
    document["pages"][1]["questions"][3]["top_n"] = 7
    path = write(tmp_path, document)
    err = StringIO()

    with pytest.raises(CommandError, match=r"3 problem\(s\); nothing was saved"):
        call_command("import_survey", str(path), stdout=StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        f'{path}: pages[0].questions[1].text: missing text for "pt-br"',
        f'{path}: pages[1].questions[0].choices: duplicate code "dvc"',
        f"{path}: pages[1].questions[3].top_n: 7 is more than the 4 choices",
    ]
    assert row_counts() == {"Survey": 0, "SurveyVersion": 0, "Page": 0, "Question": 0}


def test_an_invalid_file_fails_the_check_too(tmp_path):
    path = write(tmp_path, sample(pages=[]))
    err = StringIO()

    with pytest.raises(CommandError, match="1 problem"):
        call_command(
            "import_survey", str(path), "--check", stdout=StringIO(), stderr=err
        )

    assert err.getvalue().strip() == f"{path}: pages: [] should be non-empty"


def test_an_invalid_new_version_leaves_the_survey_unchanged(tmp_path, superuser):
    run("import_survey", str(write(tmp_path, SAMPLE)))
    before = row_counts()

    with pytest.raises(CommandError):
        call_command(
            "import_survey",
            str(write(tmp_path, sample(format=2))),
            stdout=StringIO(),
            stderr=StringIO(),
        )

    assert row_counts() == before


def test_a_file_that_is_not_yaml_is_an_error(tmp_path, superuser):
    path = write(tmp_path, "pages: [oops")

    with pytest.raises(CommandError, match="not valid YAML or JSON"):
        run("import_survey", str(path))

    assert Survey.objects.count() == 0


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.yaml"):
        run("import_survey", str(tmp_path / "missing.yaml"))


def test_import_without_a_publishing_user_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="No publishing user"):
        run("import_survey", str(write(tmp_path, SAMPLE)))

    assert Survey.objects.count() == 0


def test_import_as_an_unknown_email_is_an_error(tmp_path, superuser):
    with pytest.raises(CommandError, match="No publishing user"):
        run("import_survey", str(write(tmp_path, SAMPLE)), "--as", "nobody@example.org")


def test_import_as_a_user_who_may_not_publish_saves_nothing(tmp_path, user):
    with pytest.raises(CommandError, match="Only researchers may create surveys"):
        run("import_survey", str(write(tmp_path, SAMPLE)), "--as", user.email)

    assert Survey.objects.count() == 0


# --- export_survey -----------------------------------------------------------------------


def test_export_prints_the_canonical_yaml(researcher):
    survey_publish(document=sample(), actor=researcher)

    out, _err = run("export_survey", "sample")

    assert out == definition_dump(SAMPLE)


def test_export_as_json(researcher):
    survey_publish(document=sample(), actor=researcher)

    out, _err = run("export_survey", "sample", "--format", "json")

    assert json.loads(out) == SAMPLE
    assert out == definition_dump(SAMPLE, "json")


def test_export_a_given_version(researcher):
    survey_publish(document=sample(), actor=researcher)
    survey_publish(document=sample(title=t("Second")), actor=researcher)

    first, _err = run("export_survey", "sample", "--version", "1")
    current, _err = run("export_survey", "sample")

    assert definition_load(first) == SAMPLE
    assert definition_load(current)["title"] == t("Second")


def test_export_of_an_unknown_survey_or_version_is_an_error(researcher):
    survey_publish(document=sample(), actor=researcher)

    with pytest.raises(CommandError, match='No survey "nope"'):
        run("export_survey", "nope")
    with pytest.raises(CommandError, match="has no version 5"):
        run("export_survey", "sample", "--version", "5")


def test_export_of_an_unpublished_survey_is_an_error(researcher):
    Survey.objects.create(slug="empty", owner=researcher)

    with pytest.raises(CommandError, match="has no version published"):
        run("export_survey", "empty")


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_import_round_trips_exactly(tmp_path, superuser, fmt):
    source = write(tmp_path, SAMPLE, name=f"source.{fmt}", fmt=fmt)
    run("import_survey", str(source))

    exported, _err = run("export_survey", "sample", "--format", fmt)
    assert exported == source.read_text(encoding="utf-8")  # byte for byte
    assert definition_load(exported) == SAMPLE

    again = write(tmp_path, exported, name=f"again.{fmt}")
    out, _err = run("import_survey", str(again))

    assert "version 1 is current" in out  # the identical definition: no new version
    assert SurveyVersion.objects.get().definition == SAMPLE


def test_the_reference_questionnaire_round_trips(tmp_path, superuser):
    run("import_survey", str(REFERENCE))
    exported, _err = run("export_survey", "mlops-practices")

    path = write(tmp_path, exported)
    run("import_survey", str(path))
    exported_again, _err = run("export_survey", "mlops-practices")

    assert definition_load(exported) == definition_load(
        REFERENCE.read_text(encoding="utf-8")
    )
    assert exported_again == exported
    assert SurveyVersion.objects.filter(survey__slug="mlops-practices").count() == 1


def test_export_into_a_fresh_database_gives_the_same_definition(tmp_path, superuser):
    """Export, delete everything, import the export: the same document comes back."""
    run("import_survey", str(write(tmp_path, SAMPLE)))
    exported, _err = run("export_survey", "sample")
    Survey.objects.update(current_version=None)
    SurveyVersion.objects.all().delete()
    Survey.objects.all().delete()

    run("import_survey", str(write(tmp_path, exported, name="exported.yaml")))
    exported_again, _err = run("export_survey", "sample")

    assert exported_again == exported
    assert SurveyVersion.objects.get().definition == SAMPLE
