"""Recompute every profile, then every cohort aggregate snapshot."""

from __future__ import annotations

import time
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from reports.models import CohortAggregate
from reports.services import aggregates_recompute, profiles_recompute
from surveys.models import Response, Survey, SurveyVersion


class Progress:
    """A plain progress bar: one line per step of 5% (rewritten in place on a TTY)."""

    WIDTH = 30

    def __init__(self, out: TextIO, label: str) -> None:
        self.out = out
        self.label = label
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self.shown = -1
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total == 0 else min(100, done * 100 // total)
        step = percent // 5
        if step == self.shown and done != total:
            return
        self.shown = step
        filled = self.WIDTH * percent // 100
        bar = "#" * filled + "." * (self.WIDTH - filled)
        elapsed = time.monotonic() - self.started
        line = f"{self.label} {done}/{total} [{bar}] {percent:3d}% {elapsed:.1f}s"
        if self.tty:
            end = "\n" if done >= total else ""
            self.out.write("\r" + line + end)
            self.out.flush()
        else:
            self.out.write(line + "\n")


class Command(BaseCommand):
    help = (
        "Recompute the profile of every submitted, non-voided response, then every "
        "cohort aggregate snapshot; all surveys, or one with --survey SLUG. "
        "Idempotent: running it again gives the same results."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--survey", metavar="SLUG", help="Only this survey.")

    def handle(self, *args, survey: str | None = None, **options) -> None:
        target = None
        if survey:
            target = Survey.objects.filter(slug=survey).first()
            if target is None:
                raise CommandError(f'No survey "{survey}".')
        count = profiles_recompute(
            survey=target, progress=Progress(self.stdout, "profiles")
        )
        versions = SurveyVersion.objects.filter(
            Q(pk__in=Response.objects.counted().values("version_id"))
            | Q(pk__in=CohortAggregate.objects.values("version_id"))
        )
        if target is not None:
            versions = versions.filter(survey=target)
        versions = list(
            versions.distinct()
            .select_related("survey")
            .defer("definition")
            .order_by("survey__slug", "number")
        )
        bar = Progress(self.stdout, "aggregates")
        bar(0, len(versions))
        snapshots = 0
        for done, version in enumerate(versions, start=1):
            snapshots += aggregates_recompute(version=version)
            bar(done, len(versions))
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed {count} profiles and {snapshots} aggregate snapshots "
                f"of {len(versions)} survey versions."
            )
        )
