from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        # Connect the signal receivers, and register the tasks in every
        # process: reports.scheduling sends them by name.
        from reports import receivers, tasks  # noqa: F401
        from reports.models import Tool

        post_migrate.connect(
            _seed_catalogue, sender=self, dispatch_uid="reports.seed_catalogue"
        )
        post_save.connect(
            _evict_catalogue, sender=Tool, dispatch_uid="reports.tool.save"
        )
        post_delete.connect(
            _evict_catalogue, sender=Tool, dispatch_uid="reports.tool.delete"
        )


def _seed_catalogue(sender, apps=global_apps, **kwargs) -> None:
    """Seed an empty tool catalogue once the tables exist (after migrate or a flush)."""
    try:
        apps.get_model("reports", "Tool")
    except LookupError:
        return  # migrated to a state before the catalogue
    from reports.catalogue_services import tool_catalogue_seed

    tool_catalogue_seed()


def _evict_catalogue(sender, instance, **kwargs) -> None:
    """Any change of an entry evicts the cached catalogue: now, and again once
    committed, since a reader in between caches the old entries."""
    from reports.catalogue import catalogue_cache_evict

    catalogue_cache_evict()
    transaction.on_commit(catalogue_cache_evict)
