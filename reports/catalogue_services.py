"""The tool catalogue: every write, each recorded in the entry's history.

``tool_catalogue_seed`` fills an empty catalogue from the paper's Figure 2
(``data/tool-matrix.csv``, kept as the paper gives it) and the platforms the
reference questionnaire lists (``data/platforms.csv``). It runs after every
``migrate`` (and after a test database is flushed), doing nothing once the
catalogue has entries, so staff corrections are never overwritten.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.db import transaction

from accounts.models import User
from core.history import delete_recorded, record_change, save_recorded
from reports.models import CRITERIA, Tool

DATA = Path(__file__).with_name("data")
MATRIX_PATH = DATA / "tool-matrix.csv"
PLATFORMS_PATH = DATA / "platforms.csv"
# The questionnaire's choice code of each tool of the paper's matrix.
PAPER_TOOL_CODES = {
    "Data Version Control (DVC)": "dvc",
    "Watson Machine Learning": "watson_ml",
    "Continuous Machine Learning (CML)": "cml",
    "Kubeflow": "kubeflow",
    "MLflow": "mlflow",
    "Amazon SageMaker AI": "sagemaker",
    "Comet": "comet",
    "Azure Machine Learning": "azure_ml",
    "Pachyderm": "pachyderm",
    "Jenkins": "jenkins",
    "GitHub Actions": "github_actions",
}
SEED_NOTE = "Seeded from the paper's tool matrix and the questionnaire's platforms."
EDITABLE = (*CRITERIA, "name", "open_source", "notes")
_OPEN_SOURCE = {"present": True, "absent": False}


def seed_rows() -> list[dict[str, Any]]:
    """The catalogue's seed entries, read from the two data files."""
    rows = []
    with MATRIX_PATH.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "code": PAPER_TOOL_CODES[row["tool"]],
                    "name": row["tool"],
                    "source": Tool.Source.PAPER,
                    **{criterion: row[criterion] for criterion in CRITERIA},
                    "open_source": _OPEN_SOURCE.get(row["open_source"]),
                }
            )
    with PLATFORMS_PATH.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "code": row["code"],
                    "name": row["name"],
                    "source": Tool.Source.PLATFORM,
                    "open_source": _OPEN_SOURCE.get(row["open_source"]),
                }
            )
    return rows


@transaction.atomic
def tool_catalogue_seed() -> int:
    """Fill an empty catalogue from the seed files; return how many entries were added."""
    if Tool.objects.exists():
        return 0
    for fields in seed_rows():
        tool = Tool(**fields)
        record_change(tool, actor=None, note=SEED_NOTE)
        tool.full_clean()
        tool.save()
    return Tool.objects.count()


@transaction.atomic
def tool_create(*, actor: User, note: str = "", **fields: Any) -> Tool:
    """Add an entry to the catalogue."""
    tool = Tool(source=Tool.Source.STAFF, **fields)
    tool.full_clean()
    record_change(tool, actor=actor, note=note)
    tool.save()
    return tool


@transaction.atomic
def tool_update(*, tool: Tool, actor: User, note: str = "", **fields: Any) -> Tool:
    """Correct an entry (its ratings, name, open-source flag or notes)."""
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    return save_recorded(
        tool, actor=actor, note=note, changes=fields, editable=EDITABLE
    )


@transaction.atomic
def tool_delete(*, tool: Tool, actor: User, note: str = "") -> None:
    """Remove an entry; its history stays."""
    delete_recorded([tool], actor=actor, note=note)
