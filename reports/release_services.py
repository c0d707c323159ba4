"""Data releases: freeze a survey's data as a numbered, citable bundle.

A release includes the submitted, non-voided responses of the survey's
current version up to the moment it is created, without free text or
personal fields, in the chosen formats (wide layout), with the codebook, the
definition and scoring rules as published, a README of what is included and
excluded, a ``CITATION.cff`` and ``SHA256SUMS``. Every file is written by the
export writers, which give the same bytes for the same rows, so building a
release again from the database gives the same checksums while nothing
changed (a test does).
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from accounts.models import User
from core.errors import Forbidden
from reports.export_services import export_write, file_digest
from reports.exports import EXTENSIONS
from reports.models import Export, Release
from reports.scheduling import release_enqueue
from surveys.definition import definition_dump
from surveys.models import Survey, SurveyVersion
from surveys.selectors import survey_can_share

logger = logging.getLogger(__name__)

RELEASE_FORMATS = (
    Export.Format.CSV,
    Export.Format.PARQUET,
    Export.Format.SAV,
    Export.Format.XLSX,
    Export.Format.JSONL,
    Export.Format.DATAPACKAGE,
)
DEFAULT_FORMATS = [Export.Format.CSV, Export.Format.PARQUET, Export.Format.SAV]
CHECKSUMS = "SHA256SUMS"


def release_folder(release: Release) -> Path:
    return Path(settings.RELEASES_DIR) / release.survey.slug / str(release.number)


def release_filters(version: SurveyVersion) -> dict[str, Any]:
    """What every release includes: the privacy defaults of exports."""
    return {
        "versions": [version.number],
        "status": "submitted",
        "include_voided": False,
        "include_free_text": False,
        "include_personal": False,
        "submitted_from": None,
        "submitted_to": None,
        "segment": None,
    }


def release_create(
    *, survey: Survey, actor: User, formats: Any = None, notes: str = ""
) -> Release:
    """Number a new release of the survey's current version and queue its build."""
    if not survey_can_share(survey=survey, user=actor):
        raise Forbidden("Only the survey's owner and staff may publish a release.")
    formats = list(formats or DEFAULT_FORMATS)
    unknown = [f for f in formats if f not in RELEASE_FORMATS]
    if not formats or unknown or len(set(formats)) != len(formats):
        raise ValidationError(
            {"formats": ["Choose one or more of: " + ", ".join(RELEASE_FORMATS) + "."]}
        )
    if survey.current_version_id is None:
        raise ValidationError({"survey": ["The survey has no published version."]})
    with transaction.atomic():
        # Lock the survey row: two releases at once would take the same number.
        Survey.objects.select_for_update().filter(pk=survey.pk).first()
        last = survey.releases.aggregate(last=Max("number"))["last"] or 0
        release = Release(
            survey=survey,
            number=last + 1,
            version_id=survey.current_version_id,
            title=f"{survey.display_title}, data release {last + 1}",
            notes=notes,
            formats=[str(f) for f in formats],
            created_by=actor,
        )
        release.full_clean()
        release.save()
        transaction.on_commit(partial(release_enqueue, release.pk))
    return release


def release_files_write(*, release: Release, folder: Path) -> tuple[list[dict], int]:
    """Write every file of a release into ``folder``; return (files, responses)."""
    survey, version = release.survey, release.version
    filters = release_filters(version)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for fmt in release.formats:
        count = export_write(
            survey=survey,
            fmt=fmt,
            layout=Export.Layout.WIDE,
            filters=filters,
            path=folder / f"data.{EXTENSIONS[fmt]}",
            created_at=release.created_at,
        )
    export_write(
        survey=survey,
        fmt=Export.Format.CSV,
        layout=Export.Layout.CODEBOOK,
        filters=filters,
        path=folder / "codebook.csv",
        created_at=release.created_at,
    )
    document = version.definition
    (folder / "definition.yaml").write_text(definition_dump(document), encoding="utf-8")
    if document.get("scoring"):
        (folder / "scoring-rules.yaml").write_text(
            yaml.safe_dump(document["scoring"], allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
    names = sorted(p.name for p in folder.iterdir())
    (folder / "README.md").write_text(_readme(release, count, names), encoding="utf-8")
    (folder / "CITATION.cff").write_text(_citation(release), encoding="utf-8")
    files = []
    for path in sorted(folder.iterdir()):
        checksum, size = file_digest(path)
        files.append({"name": path.name, "size": size, "sha256": checksum})
    (folder / CHECKSUMS).write_text(
        "".join(f"{f['sha256']}  {f['name']}\n" for f in files), encoding="utf-8"
    )
    checksum, size = file_digest(folder / CHECKSUMS)
    files.append({"name": CHECKSUMS, "size": size, "sha256": checksum})
    return files, count


def release_build(*, release_id: int) -> Release | None:
    """Build a release's files (the task's service); a built release is never touched."""
    release = (
        Release.objects.select_related("survey", "version", "created_by")
        .filter(pk=release_id)
        .first()
    )
    if release is None or release.status != Release.Status.BUILDING:
        return release
    final = release_folder(release)
    temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex}.part")
    try:
        files, count = release_files_write(release=release, folder=temporary)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():  # a build cut off after its rename: replace it whole
            shutil.rmtree(final)
        os.replace(temporary, final)
    except Exception as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        logger.exception("release %s failed", release.pk)
        Release.objects.filter(pk=release.pk).update(
            status=Release.Status.FAILED,
            error=f"The build failed ({type(exc).__name__}: {str(exc)[:300]}).",
        )
        return Release.objects.get(pk=release.pk)
    Release.objects.filter(pk=release.pk, status=Release.Status.BUILDING).update(
        status=Release.Status.DONE, files=files, responses=count
    )
    return Release.objects.get(pk=release.pk)


def _readme(release: Release, count: int, names: list[str]) -> str:
    survey, version = release.survey, release.version
    when = release.created_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# {release.title}",
        "",
        f"Survey `{survey.slug}`, version {version.number}; release {release.number}, "
        f"frozen on {when}.",
        "",
        "## Included",
        "",
        f"- {count} responses: every submitted, non-voided response to version "
        f"{version.number} submitted up to {when}.",
        "- One row per response (wide layout): each question's code as a column, "
        "a multiple choice as `code__choice` 0/1 columns, a matrix as `code__row`, "
        "a ranking as `code__rankN`, then the stored maturity profile "
        "(`profile__*`).",
        "- `codebook.csv`: every column, its question text in each language, type, "
        "codes and labels, display condition and scoring use.",
        "- `definition.yaml` and `scoring-rules.yaml`: the instrument and its scoring "
        "rules as published.",
        f"- `{CHECKSUMS}`: the SHA-256 of every file (`sha256sum -c {CHECKSUMS}`).",
        "",
        "## Excluded",
        "",
        "- Drafts (responses never submitted) and voided responses.",
        '- Free-text answers (text questions and the texts of "other"), and '
        "questions tagged personal.",
        "- Anything that identifies a respondent: no account, address or token.",
        "",
        "## Files",
        "",
        *(f"- `{name}`" for name in [*names, "README.md", "CITATION.cff", CHECKSUMS]),
    ]
    if release.notes:
        lines += ["", "## Notes", "", release.notes]
    return "\n".join(lines) + "\n"


def _citation(release: Release) -> str:
    owner = release.survey.owner
    author = owner.full_name or "MLOps Maturity"
    document = {
        "cff-version": "1.2.0",
        "message": "If you use this data, please cite it as below.",
        "type": "dataset",
        "title": release.title,
        "version": str(release.number),
        "date-released": release.created_at.date().isoformat(),
        "authors": [{"name": author}],
        "abstract": f"Responses to the survey {release.survey.slug}, version "
        f"{release.version.number}, frozen as release {release.number}.",
        "keywords": ["MLOps", "maturity", "survey"],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
