from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"

    def ready(self) -> None:
        from surveys.api import schema  # noqa: F401 - registers the OpenAPI extension
