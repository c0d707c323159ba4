from functools import partial

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from surveys.api import schema  # noqa: F401 - registers the OpenAPI extension
        from surveys.models import Survey

        post_save.connect(
            _evict_survey, sender=Survey, dispatch_uid="surveys.evict.save"
        )
        post_delete.connect(
            _evict_survey, sender=Survey, dispatch_uid="surveys.evict.delete"
        )


def _evict_survey(sender, instance, **kwargs) -> None:
    """Any save of a survey (services, admin) evicts its cached row: now, and
    again once committed, since a reader in between caches the old row."""
    from django.db import transaction

    from surveys.selectors import survey_cache_evict

    survey_cache_evict(slug=instance.slug)
    transaction.on_commit(partial(survey_cache_evict, slug=instance.slug))
