from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from surveys.definition import DefinitionLoadError, definition_errors, definition_load
from surveys.services import survey_publish


class Command(BaseCommand):
    help = "Check a survey definition (YAML or JSON) and publish it as the survey's next version."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="Only check; save nothing."
        )
        parser.add_argument(
            "--as",
            dest="actor",
            default="",
            help="Email of the publishing user (default: first superuser).",
        )
        parser.add_argument(
            "--open", action="store_true", help="Open the survey after publishing."
        )

    def handle(
        self, *args, file: Path, check: bool, actor: str, open: bool, **options
    ) -> None:
        try:
            document = definition_load(file.read_text(encoding="utf-8"))
        except (OSError, DefinitionLoadError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        errors = definition_errors(document)
        if errors:
            for error in errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(f"{len(errors)} problem(s); nothing was saved.")
        if check:
            self.stdout.write(self.style.SUCCESS(f"{file}: valid."))
            return
        user = self._actor(actor)
        try:
            version = survey_publish(document=document, actor=user)
        except ValidationError as exc:
            raise CommandError(str(exc)) from exc
        except PermissionDenied as exc:  # --as a user who may not publish
            raise CommandError(f"{user}: {exc}") from exc
        if open:
            from surveys.services import survey_update

            survey_update(survey=version.survey, actor=user, status="open")
        self.stdout.write(
            self.style.SUCCESS(
                f"{version.survey.slug}: version {version.number} is current."
            )
        )

    def _actor(self, email: str) -> User:
        users = User.objects.filter(is_active=True)
        user = (
            users.filter(email__iexact=email).first()
            if email
            else (users.filter(is_superuser=True).order_by("pk").first())
        )
        if user is None:
            raise CommandError(
                "No publishing user: create a superuser or pass --as EMAIL."
            )
        return user
