"""Start result computations when surveys report a change."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from reports.tasks import profile_enqueue
from surveys.signals import response_submitted, response_voided


@receiver(response_submitted, dispatch_uid="reports.profile_on_submit")
@receiver(response_voided, dispatch_uid="reports.profile_on_void")
def queue_profile(sender, response, **kwargs) -> None:
    transaction.on_commit(partial(profile_enqueue, str(response.pk)))
