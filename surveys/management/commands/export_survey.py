from django.core.management.base import BaseCommand, CommandError

from surveys.definition import definition_dump
from surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Print a survey's definition (current version, or --version N) as YAML or JSON."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        # Django defines --version (its own version); this command's --version N
        # (a survey version) replaces it instead of crashing on the conflict.
        return super().create_parser(
            prog_name, subcommand, conflict_handler="resolve", **kwargs
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--version", dest="number", type=int)
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")

    def handle(
        self, *args, slug: str, number: int | None, format: str, **options
    ) -> None:
        survey = (
            Survey.objects.filter(slug=slug).select_related("current_version").first()
        )
        if survey is None:
            raise CommandError(f'No survey "{slug}".')
        version = (
            survey.versions.filter(number=number).first()
            if number
            else survey.current_version
        )
        if version is None:
            raise CommandError(f'"{slug}" has no version {number or "published"}.')
        self.stdout.write(definition_dump(version.definition, format), ending="")
