"""Start result computations when surveys report a change."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from reports.tasks import aggregates_schedule, profile_enqueue
from surveys.signals import response_submitted, response_voided


def _after_commit(response_id: str, version_id: int) -> None:
    """Queue the response's profile, then schedule its version's aggregates.

    One callback for both, in this order: without a broker (in-process
    Celery) the profile is stored before the aggregates are refreshed; with
    one, the profile task schedules a refresh of its own once the profile is
    stored, and the debounce folds the two. Neither call ever raises.
    """
    profile_enqueue(response_id)
    aggregates_schedule(version_id)


@receiver(response_submitted, dispatch_uid="reports.profile_on_submit")
@receiver(response_voided, dispatch_uid="reports.profile_on_void")
def queue_results(sender, response, **kwargs) -> None:
    transaction.on_commit(partial(_after_commit, str(response.pk), response.version_id))
