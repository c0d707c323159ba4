from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        # Connect the signal receivers, and register the tasks in every
        # process: reports.scheduling sends them by name.
        from reports import receivers, tasks  # noqa: F401
