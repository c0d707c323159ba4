from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.demo import demo_load, demo_password


class Command(BaseCommand):
    help = "Create or refresh the demo accounts (idempotent)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not settings.DEMO_PASSWORD:
            # Demo accounts with a published password must never reach a real site.
            raise CommandError(
                "With DEBUG off, set DEMO_PASSWORD before loading demo data."
            )
        users = demo_load()
        for user in users:
            self.stdout.write(f"  {user.email}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo accounts ready; password: {demo_password()}")
        )
