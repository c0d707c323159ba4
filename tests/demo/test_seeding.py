"""Synthetic responses: the seeding service, the persona model and seed_synthetic."""

import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from demo import seeding
from demo.personas import PersonaModel
from surveys.definition import definition_load, definition_parse
from surveys.models import Response, hash_token
from surveys.selectors import definition_for_version, sheet_for_version
from surveys.services import resume_token_for
from tests.surveys.factories import SurveyFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "surveys/definitions/mlops-practices.yaml"
COMMAND = "demo.management.commands.seed_synthetic"


def reference_document() -> dict:
    return definition_load(REFERENCE.read_text(encoding="utf-8"))


@pytest.fixture
def reference_survey(db):
    return SurveyFactory(slug="mlops-practices", definition=reference_document())


def stored(survey) -> list[tuple]:
    """The seeded responses in the order they were drawn (oldest first)."""
    return list(
        Response.objects.filter(survey=survey)
        .order_by("submitted_at")
        .values_list("id", "language", "channel", "answers")
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command("seed_synthetic", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# --- the service -------------------------------------------------------------------


def test_seeding_creates_valid_submitted_responses(reference_survey):
    before = timezone.now()

    created = seeding.responses_seed(survey=reference_survey, count=120, seed=7)

    responses = list(Response.objects.filter(survey=reference_survey))
    sheet = sheet_for_version(reference_survey.current_version)
    assert created == len(responses) == 120
    for response in responses:
        clean, errors = sheet.clean(response.answers, complete=True)
        assert errors == {}
        assert clean == response.answers
        assert response.status == Response.Status.SUBMITTED
        assert response.version_id == reference_survey.current_version_id
        assert before - dt.timedelta(days=91) < response.submitted_at <= timezone.now()
        assert response.started_at < response.submitted_at
        assert response.resume_token_hash == hash_token(resume_token_for(response.id))
    assert len({r.resume_token_hash for r in responses}) == 120
    assert {r.language for r in responses} == {"en", "pt-br"}
    assert {r.channel for r in responses} == {"web", "api"}


def test_progress_is_reported_after_each_batch(reference_survey, monkeypatch):
    monkeypatch.setattr(seeding, "BATCH_SIZE", 40)
    calls = []

    seeding.responses_seed(
        survey=reference_survey,
        count=100,
        seed=1,
        progress=lambda done, total: calls.append((done, total)),
    )

    assert calls == [(40, 100), (80, 100), (100, 100)]
    assert Response.objects.filter(survey=reference_survey).count() == 100


def test_the_same_seed_gives_the_same_responses_in_the_same_order(reference_survey):
    seeding.responses_seed(survey=reference_survey, count=60, seed=3)
    first = stored(reference_survey)
    Response.objects.filter(survey=reference_survey).delete()

    seeding.responses_seed(survey=reference_survey, count=60, seed=3)

    assert stored(reference_survey) == first


def test_a_shorter_run_is_the_start_of_a_longer_one(reference_survey):
    seeding.responses_seed(survey=reference_survey, count=50, seed=3)
    longer = stored(reference_survey)
    Response.objects.filter(survey=reference_survey).delete()

    seeding.responses_seed(survey=reference_survey, count=20, seed=3)

    assert stored(reference_survey) == longer[:20]


def test_another_seed_gives_other_responses(reference_survey):
    seeding.responses_seed(survey=reference_survey, count=30, seed=3)
    seeding.responses_seed(survey=reference_survey, count=30, seed=4)

    responses = stored(reference_survey)
    assert len({r[0] for r in responses}) == 60
    assert len({json.dumps(r[3], sort_keys=True) for r in responses}) == 60


def test_seeding_a_survey_twice_with_one_seed_is_refused(reference_survey):
    seeding.responses_seed(survey=reference_survey, count=5, seed=3)

    with pytest.raises(ValidationError, match="already seeded with seed 3"):
        seeding.responses_seed(survey=reference_survey, count=5, seed=3)

    assert Response.objects.filter(survey=reference_survey).count() == 5


def test_seeding_needs_a_published_version_and_a_sane_count(reference_survey):
    draft = SurveyFactory(definition=None)

    with pytest.raises(ValidationError, match="no published version"):
        seeding.responses_seed(survey=draft, count=5, seed=1)
    for count in (0, seeding.MAX_RESPONSES + 1):
        with pytest.raises(ValidationError, match="between 1 and"):
            seeding.responses_seed(survey=reference_survey, count=count, seed=1)

    assert not Response.objects.exists()


def test_other_surveys_get_valid_uniform_answers():
    survey = SurveyFactory()
    version = survey.current_version
    assert not PersonaModel(definition_for_version(version)).recognised

    seeding.responses_seed(survey=survey, count=80, seed=2)

    sheet = sheet_for_version(version)
    answers = [a for *_rest, a in stored(survey)]
    assert len(answers) == 80
    assert all(sheet.clean(a, complete=True) == (a, {}) for a in answers)
    assert len({json.dumps(a, sort_keys=True) for a in answers}) > 70


def rows_bulk_create(rows: list) -> int:
    """Write seeded rows with the ORM's ``bulk_create``: the reference for COPY.

    ``updated_at`` is set to the time of writing here (``auto_now``).
    """
    attnames = [Response._meta.get_field(f).attname for f in seeding.FIELDS]
    created = Response.objects.bulk_create(
        Response(**dict(zip(attnames, row, strict=True))) for row in rows
    )
    return len(created)


def test_copy_writes_what_bulk_create_writes(reference_survey):
    version = reference_survey.current_version
    rows = list(
        seeding.seed_rows(
            survey=reference_survey,
            version=version,
            count=25,
            seed=11,
            now=timezone.now(),
        )
    )
    fields = [f for f in seeding.FIELDS if f != "updated_at"]  # auto_now in ORM
    with transaction.atomic():
        assert rows_bulk_create(rows) == 25
    by_orm = list(Response.objects.order_by("submitted_at").values_list(*fields))
    Response.objects.all().delete()

    with transaction.atomic():
        assert seeding.rows_copy(rows) == 25

    by_copy = list(Response.objects.order_by("submitted_at").values_list(*fields))
    assert by_copy == by_orm
    assert [row[0] for row in by_copy] == [row[0] for row in rows]


# --- reproducible in any process -----------------------------------------------------

DIGEST_SCRIPT = """
import hashlib, json, sys
import django
django.setup()
from surveys.definition import definition_load, definition_parse
from demo.seeding import responses_draw
definition = definition_parse(definition_load(open(sys.argv[1], encoding="utf-8").read()))
drawn = [
    [str(d.id), d.language, d.channel, d.at, d.minutes, d.answers]
    for d in responses_draw(definition, key="mlops-practices", seed=5, count=150)
]
print(hashlib.sha256(json.dumps(drawn).encode()).hexdigest())
"""


def test_draws_do_not_depend_on_the_process_or_its_hash_seed():
    definition = definition_parse(reference_document())
    drawn = [
        [str(d.id), d.language, d.channel, d.at, d.minutes, d.answers]
        for d in seeding.responses_draw(
            definition, key="mlops-practices", seed=5, count=150
        )
    ]
    here = hashlib.sha256(json.dumps(drawn).encode()).hexdigest()

    digests = set()
    for hash_seed in ("1", "4242"):
        env = {
            **os.environ,
            "PYTHONHASHSEED": hash_seed,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
        }
        result = subprocess.run(
            [sys.executable, "-c", DIGEST_SCRIPT, str(REFERENCE)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        digests.add(result.stdout.strip())

    assert digests == {here}


# --- plausible ----------------------------------------------------------------------


def _present_share(answers: list[dict], code: str) -> float:
    return sum(a[code] == "present" for a in answers) / len(answers)


def test_seeded_answers_are_plausible(reference_survey):
    seeding.responses_seed(survey=reference_survey, count=500, seed=1)
    answers = [a for *_rest, a in stored(reference_survey)]

    ladders = 0
    for d in range(1, 9):
        shares = [_present_share(answers, f"d{d}_{k}") for k in range(1, 5)]
        assert shares[0] > shares[3] + 0.3
        ladders += shares[0] >= shares[1] >= shares[2] >= shares[3]
    assert ladders >= 6

    tools = Counter(tool for a in answers for tool in a.get("tools_used", []))
    assert tools["mlflow"] > 3 * tools["pachyderm"]
    assert {"mlflow", "aws"} <= {tool for tool, _n in tools.most_common(3)}

    items = [
        (k, v) for a in answers for k, v in a.items() if k[0] == "d" and k[2] == "_"
    ]
    na = Counter(k[:2] for k, v in items if v == "na")
    assert sum(na.values()) < 0.1 * len(items)
    assert na["d5"] + na["d6"] > 2 * sum(
        n for dim, n in na.items() if dim not in {"d5", "d6"}
    )
    assert all(
        a["d5_1"] != "na" or a["models_in_production"] == "none"
        for a in answers
        if a["d5_2"] == "na" and a["d5_3"] == "na"
    )

    def mean_present(group: list[dict]) -> float:
        codes = [f"d{d}_{k}" for d in range(1, 9) for k in range(1, 5)]
        return statistics.mean(
            sum(a[c] == "present" for c in codes) / len(codes) for a in group
        )

    by = lambda key, value: [a for a in answers if a[key] == value]  # noqa: E731
    assert mean_present(by("models_in_production", "gt10")) > mean_present(
        by("models_in_production", "none")
    )
    assert mean_present(by("experience_years", "gt10")) > mean_present(
        by("experience_years", "lt1")
    )


# --- the command ----------------------------------------------------------------------


def test_command_seeds_and_prints_a_summary(reference_survey):
    out = run(
        "--survey",
        "mlops-practices",
        "--responses",
        "25",
        "--seed",
        "4",
        "--no-profiles",
    )

    assert Response.objects.filter(survey=reference_survey).count() == 25
    assert "Created 25 responses to mlops-practices v1 (seed 4)" in out
    assert "responses/s, peak memory" in out
    assert "Profiles not recomputed (--no-profiles)." in out


def test_command_prints_progress_for_each_batch(reference_survey, monkeypatch):
    monkeypatch.setattr(seeding, "BATCH_SIZE", 10)

    out = run("--survey", "mlops-practices", "--responses", "25", "--no-profiles")

    assert [line.split(" (")[0].strip() for line in out.splitlines()[:3]] == [
        "10 / 25",
        "20 / 25",
        "25 / 25",
    ]


def test_command_recomputes_profiles_when_the_command_exists(reference_survey, mocker):
    mocker.patch(
        f"{COMMAND}.get_commands", return_value={"recompute_profiles": "reports"}
    )
    recompute = mocker.patch(f"{COMMAND}.call_command")

    run("--survey", "mlops-practices", "--responses", "5")

    recompute.assert_called_once_with(
        "recompute_profiles",
        "--survey",
        "mlops-practices",
        stdout=mocker.ANY,
        stderr=mocker.ANY,
    )


def test_command_notes_when_profiles_cannot_be_recomputed(reference_survey, mocker):
    mocker.patch(f"{COMMAND}.get_commands", return_value={})

    out = run("--survey", "mlops-practices", "--responses", "5")

    assert "recompute_profiles is not available" in out
    assert Response.objects.count() == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--survey", "nope"], 'No survey "nope".'),
        (["--survey", "draft-survey"], "draft-survey has no published version."),
        (["--survey", "mlops-practices", "--responses", "0"], "--responses must be"),
        (
            ["--survey", "mlops-practices", "--responses", "5000001"],
            "--responses must be",
        ),
    ],
)
def test_command_refuses_bad_arguments(reference_survey, args, message):
    SurveyFactory(slug="draft-survey", definition=None)

    with pytest.raises(CommandError, match=message):
        run(*args, "--no-profiles")

    assert not Response.objects.exists()


def test_command_refuses_a_seed_already_used(reference_survey):
    run("--survey", "mlops-practices", "--responses", "5", "--no-profiles")

    with pytest.raises(CommandError, match="already seeded with seed 1"):
        run("--survey", "mlops-practices", "--responses", "5", "--no-profiles")

    assert Response.objects.count() == 5
