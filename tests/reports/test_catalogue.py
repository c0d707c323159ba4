"""The tool catalogue in the database: seeding, staff edits with history, reads."""

import csv

import pytest
from django.db import DatabaseError, connection, transaction

from reports.catalogue import tool_catalogue, tool_history, tool_list, tools_covering
from reports.catalogue_services import (
    MATRIX_PATH,
    PAPER_TOOL_CODES,
    tool_catalogue_seed,
    tool_create,
    tool_delete,
    tool_update,
)
from reports.models import CRITERIA, Tool
from surveys.definition import OTHER
from tests.reports.profile_helpers import reference_definition

pytestmark = pytest.mark.django_db


def matrix_rows() -> list[dict[str, str]]:
    with MATRIX_PATH.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_migrate_seeds_the_papers_eleven_tools_with_their_ratings():
    catalogue = tool_catalogue()
    rows = matrix_rows()

    assert len(rows) == 11
    for row in rows:
        tool = catalogue[PAPER_TOOL_CODES[row["tool"]]]
        assert tool.name == row["tool"]
        assert tool.source == Tool.Source.PAPER
        assert tool.ratings == {c: row[c] for c in CRITERIA}
        assert tool.open_source is (row["open_source"] == "present")


def test_every_tool_the_questionnaire_lists_is_catalogued():
    definition = reference_definition()
    question = definition.tagged("profile:tools")
    codes = {choice.code for choice in question.choices} - {OTHER}

    assert codes <= set(tool_catalogue())
    platforms = Tool.objects.filter(source=Tool.Source.PLATFORM)
    assert {tool.code for tool in platforms} == codes - set(PAPER_TOOL_CODES.values())
    # The platforms are not rated on the paper's criteria.
    assert all(set(tool.ratings.values()) == {""} for tool in platforms)


def test_seeding_again_changes_nothing(staff_user):
    tool_update(
        tool=Tool.objects.get(code="mlflow"), actor=staff_user, monitoring="present"
    )

    assert tool_catalogue_seed() == 0
    assert Tool.objects.get(code="mlflow").monitoring == "present"


def test_an_emptied_catalogue_is_seeded_again():
    Tool.objects.all().delete()

    added = tool_catalogue_seed()

    assert added == 18
    assert tool_catalogue()["dvc"].data_versioning == "present"


def test_a_staff_correction_is_recorded_with_who_when_what_and_why(staff_user):
    mlflow = Tool.objects.get(code="mlflow")

    tool_update(
        tool=mlflow,
        actor=staff_user,
        note="MLflow 3 ships drift monitoring.",
        monitoring="present",
    )

    entries = tool_history(tool=mlflow)
    assert [e.kind for e in entries] == ["created", "changed"]
    seeded, corrected = entries
    assert seeded.actor_id is None
    assert "paper" in seeded.note
    assert corrected.actor_email == staff_user.email
    assert corrected.note == "MLflow 3 ships drift monitoring."
    assert [(c.field, c.old, c.new) for c in corrected.changes] == [
        ("monitoring", "partial", "present")
    ]
    assert corrected.at >= seeded.at


def test_an_update_that_changes_nothing_records_nothing(staff_user):
    dvc = Tool.objects.get(code="dvc")

    tool_update(tool=dvc, actor=staff_user, data_versioning="present")

    assert dvc.history.count() == 1


def test_a_rating_outside_the_scale_is_refused(staff_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        tool_update(
            tool=Tool.objects.get(code="dvc"), actor=staff_user, monitoring="great"
        )

    assert "monitoring" in excinfo.value.message_dict


def test_a_deleted_entry_keeps_its_history(staff_user):
    tool = tool_create(
        actor=staff_user, note="Asked for by a team.", code="bentoml", name="BentoML"
    )
    tool_id = tool.pk

    tool_delete(tool=tool, actor=staff_user, note="Duplicate entry.")

    records = Tool.history.filter(id=tool_id).order_by("history_date")
    assert [r.history_type for r in records] == ["+", "-"]
    assert records.last().history_change_reason == "Duplicate entry."
    assert records.last().history_user_id == staff_user.pk
    assert "bentoml" not in tool_catalogue()


def test_history_rows_cannot_be_changed_or_deleted(staff_user):
    table = Tool.history.model._meta.db_table

    statements = (f"UPDATE {table} SET name = 'x'", f"DELETE FROM {table}")  # noqa: S608
    for statement in statements:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)

    assert Tool.history.filter(name="x").count() == 0
    assert Tool.history.count() == Tool.objects.count()


def test_a_change_is_seen_at_once_by_this_process(staff_user):
    assert tool_catalogue()["jenkins"].monitoring == "partial"  # now cached

    tool_update(
        tool=Tool.objects.get(code="jenkins"), actor=staff_user, monitoring="absent"
    )

    assert tool_catalogue()["jenkins"].monitoring == "absent"


def test_tools_can_be_filtered_by_criteria_met_in_full_and_by_open_source():
    monitoring = {t.code for t in tool_list(present=["monitoring"])}
    open_orchestrators = {
        t.code for t in tool_list(present=["orchestrator"], open_source=True)
    }

    assert monitoring == {"watson_ml", "sagemaker", "azure_ml"}
    assert open_orchestrators == {"kubeflow", "jenkins", "github_actions"}
    with pytest.raises(ValueError):
        list(tool_list(present=["speed"]))


def test_tools_covering_puts_the_widest_coverage_first():
    names = [t.code for t in tools_covering(("pipeline_automation", "orchestrator"))]

    # Present on both first, then on one, by name within each group.
    assert names[:5] == [
        "sagemaker",
        "azure_ml",
        "github_actions",
        "jenkins",
        "kubeflow",
    ]


def test_a_staff_edit_in_the_admin_is_recorded_with_its_reason(client):
    from django.forms.models import model_to_dict

    from tests.accounts.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    tool = Tool.objects.get(code="comet")
    data = {
        key: ("" if value is None else value)
        for key, value in model_to_dict(tool).items()
        if key not in {"id", "source"}
    }
    data.update(
        {
            "open_source": "unknown",
            "orchestrator": "partial",
            "change_note": "Vendor docs",
        }
    )

    response = client.post(f"/admin/reports/tool/{tool.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    latest = tool_history(tool=tool)[-1]
    assert latest.actor_email == admin.email
    assert latest.note == "Vendor docs"
    assert [(c.field, c.old, c.new) for c in latest.changes] == [
        ("open_source", False, None),
        ("orchestrator", "present", "partial"),
    ]
