"""Signals other apps listen to; sent inside the service's transaction.

Receivers that start work elsewhere must wait for the commit
(``transaction.on_commit``) so that a worker finds the committed row.
"""

from django.dispatch import Signal

# Sent with ``response`` when a response is submitted (once per response).
response_submitted = Signal()
# Sent with ``response`` when a submitted response is voided.
response_voided = Signal()
# Sent with ``response`` when a voided response is un-voided: it counts again.
response_unvoided = Signal()
