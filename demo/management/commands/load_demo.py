from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.loading import (
    demo_load,
    demo_password,
    demo_responses_load,
    demo_survey_load,
    demo_team_load,
)


class Command(BaseCommand):
    help = "Create or refresh the demo accounts and the reference questionnaire (idempotent)."

    def handle(self, *args, **options) -> None:
        if not settings.DEMO_PUBLISHED_PASSWORD_ALLOWED and not settings.DEMO_PASSWORD:
            # Demo accounts with a published password must never reach a real site.
            raise CommandError(
                "Set DEMO_PASSWORD before loading demo data: the published "
                "default is for the run command's local settings only."
            )
        users = demo_load()
        for user in users:
            self.stdout.write(f"  {user.email}")
        admin, researcher = users[0], users[1]
        version = demo_survey_load(owner=researcher, staff=admin)
        self.stdout.write(
            f"  survey {version.survey.slug} v{version.number} ({version.survey.status}),"
            f" owned by {researcher.email}, results public"
        )
        added = demo_responses_load(
            survey=version.survey, count=settings.DEMO_RESPONSES
        )
        if added:
            self.stdout.write(
                f"  {added} synthetic responses with profiles and aggregates"
            )
        team = demo_team_load(users=users, survey=version.survey)
        if team is not None:
            self.stdout.write(f"  organisation {team.name} (team@example.org owns it)")
        self.stdout.write(
            self.style.SUCCESS(f"Demo accounts ready; password: {demo_password()}")
        )
