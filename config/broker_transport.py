"""kombu's Redis transport, with a channel that still closes when Redis has gone.

Celery uses it through ``CELERY_BROKER_TRANSPORT`` (a documented setting that
takes a transport class path); everything but ``Channel.close`` is kombu's own.

Why: since kombu 5.3 (celery/kombu#1733) a Redis channel that closes while its
BRPOP is in flight first reads that command's reply, so that a message Redis
popped is not lost; only ``Empty`` is caught there. When Redis itself has gone
away, the read raises a connection error instead, and ``close()`` stops before
the channel is marked closed and its unacknowledged messages restored. A
worker's consumer that loses its broker then calls ``collect()``, whose
``close_connection`` stops at the first other channel that fails to close (the
remote-control channel deletes its fanout queue) and which detaches the
transport from its connection (``transport.client = None``), then
``release()``, which closes the task channel again: restoring its
unacknowledged messages needs a new connection pool, built from
``transport.client``: ``AttributeError: 'NoneType' object has no attribute
'hostname'`` in ``_connparams``. Not being a connection error, Celery calls it
unrecoverable and the worker exits (the symptom of celery/kombu#970, reached by
a new path). kombu 5.7.0 and its main branch still read the reply this way.

The fix reads the pending reply first and treats a connection error like
``Empty``: the reply went with the connection (a message Redis popped and never
sent is as lost as it was before), and the channel closes on the first call,
restoring what it can while the transport is still attached. Messages it cannot
restore stay in Redis's unacked set, restored by kombu's visibility sweep, and
work lost with an emptied Redis is redone by the periodic reconciliation.
``tests/core/test_broker_transport.py`` holds kombu's own channel to the crash
(when that test fails after an upgrade, kombu has fixed it: drop this module).
"""

from __future__ import annotations

from queue import Empty

from kombu.transport import redis


class Channel(redis.Channel):
    def close(self) -> None:
        """Close, even when the reply of the BRPOP in flight went with Redis."""
        if self._in_poll:
            try:
                self._brpop_read()
            except (Empty, *self.connection_errors):
                pass  # nothing came, or the reply went with the connection
        super().close()


class Transport(redis.Transport):
    Channel = Channel
