import resource
import time

from django.core.exceptions import ValidationError
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from demo import seeding
from surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Create synthetic submitted responses to a survey, reproducibly from a seed "
        "(demos and benchmarks), then recompute its profiles."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--survey", required=True, help="The survey's slug.")
        parser.add_argument(
            "--responses",
            type=int,
            default=300,
            help=f"How many responses to create, 1 to {seeding.MAX_RESPONSES:,} (default 300).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="The same seed gives the same responses (default 1).",
        )
        parser.add_argument(
            "--no-profiles",
            action="store_true",
            help="Do not run recompute_profiles afterwards.",
        )

    def handle(
        self,
        *args,
        survey: str,
        responses: int,
        seed: int,
        no_profiles: bool,
        **options,
    ) -> None:
        if not 1 <= responses <= seeding.MAX_RESPONSES:
            raise CommandError(
                f"--responses must be from 1 to {seeding.MAX_RESPONSES:,}."
            )
        target = (
            Survey.objects.select_related("current_version").filter(slug=survey).first()
        )
        if target is None:
            raise CommandError(f'No survey "{survey}".')
        if target.current_version is None:
            raise CommandError(f"{survey} has no published version.")
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if total > seeding.BATCH_SIZE:
                rate = done / (time.perf_counter() - started)
                self.stdout.write(f"  {done:,} / {total:,} ({rate:,.0f}/s)")

        try:
            created = seeding.responses_seed(
                survey=target, count=responses, seed=seed, progress=progress
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        elapsed = time.perf_counter() - started
        # ru_maxrss is in kilobytes on Linux.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {created:,} responses to {survey} "
                f"v{target.current_version.number} (seed {seed}) in {elapsed:.1f} s: "
                f"{created / elapsed:,.0f} responses/s, peak memory {peak:,.0f} MB."
            )
        )
        self._profiles(survey, skip=no_profiles)

    def _profiles(self, survey: str, *, skip: bool) -> None:
        if skip:
            self.stdout.write("Profiles not recomputed (--no-profiles).")
        elif "recompute_profiles" in get_commands():
            self.stdout.write("Recomputing profiles...")
            call_command(
                "recompute_profiles",
                "--survey",
                survey,
                stdout=self.stdout,
                stderr=self.stderr,
            )
        else:
            self.stdout.write(
                "Note: recompute_profiles is not available; profiles and aggregates "
                "of these responses were not computed."
            )
