"""Start result computations when surveys report a change."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from reports.scheduling import results_queue
from surveys.signals import response_submitted, response_unvoided, response_voided


@receiver(response_submitted, dispatch_uid="reports.profile_on_submit")
def queue_results(sender, response, **kwargs) -> None:
    transaction.on_commit(partial(results_queue, str(response.pk), response.version_id))


@receiver(response_voided, dispatch_uid="reports.profile_on_void")
def queue_void(sender, response, **kwargs) -> None:
    transaction.on_commit(
        partial(results_queue, str(response.pk), response.version_id, voided=True)
    )


@receiver(response_unvoided, dispatch_uid="reports.profile_on_unvoid")
def queue_unvoid(sender, response, **kwargs) -> None:
    # Like a void, a task of its own: the profile is computed again (it counts
    # now) and the aggregates scheduled.
    transaction.on_commit(
        partial(results_queue, str(response.pk), response.version_id, voided=True)
    )
