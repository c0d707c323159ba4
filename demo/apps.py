from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo accounts, plausible synthetic respondents and seeding.

    Kept apart from the product's apps: it may import every one of them, and
    none of them imports it.
    """

    name = "demo"
