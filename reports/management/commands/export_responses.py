"""Export a survey's responses to a file, as an export job does (same code path)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from core.errors import DomainError
from reports.export_services import export_filters_clean, export_write, file_digest
from reports.models import Export
from surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Export a survey's responses (wide or long), codebook or aggregates to a "
        "file, with a progress bar. Run by an operator: free text and personal "
        "fields are included only with --include-free-text / --include-personal."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", choices=Export.Format.values, default="csv")
        parser.add_argument("--layout", choices=Export.Layout.values, default="wide")
        parser.add_argument("-o", "--output", required=True, help="The file to write.")
        parser.add_argument("--filters", default="{}", help="JSON, as the API takes.")
        parser.add_argument("--bom", action="store_true", help="CSV: start with a BOM.")
        parser.add_argument("--include-free-text", action="store_true")
        parser.add_argument("--include-personal", action="store_true")
        parser.add_argument("--include-voided", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        survey = (
            Survey.objects.select_related("current_version", "owner")
            .filter(slug=options["slug"])
            .first()
        )
        if survey is None:
            raise CommandError(f"No survey {options['slug']!r}.")
        try:
            filters = json.loads(options["filters"])
        except json.JSONDecodeError as exc:
            raise CommandError(f"--filters: not JSON ({exc}).") from exc
        if not isinstance(filters, dict):
            raise CommandError("--filters: send a JSON object.")
        for key in ("include_free_text", "include_personal", "include_voided"):
            if options[key]:
                filters[key] = True
        # The operator acts as staff would: the full aggregates, personal data if asked.
        operator = User(is_staff=True, is_active=True)
        try:
            clean = export_filters_clean(
                survey=survey, user=operator, layout=options["layout"], filters=filters
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        output = Path(options["output"])
        temporary = output.with_name(f".{output.name}.{uuid.uuid4().hex}.part")
        bar = tqdm(total=None, unit="responses", file=self.stderr._out)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            rows = export_write(
                survey=survey,
                fmt=options["format"],
                layout=options["layout"],
                filters=clean,
                path=temporary,
                created_at=timezone.now(),
                bom=options["bom"],
                progress=progress,
            )
            os.replace(temporary, output)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        finally:
            bar.close()
        checksum, size = file_digest(output)
        self.stdout.write(f"{rows} rows, {size} bytes, sha256 {checksum}: {output}")
