"""The broker transport's one fix (config/broker_transport.py), against a real Redis.

A connection is set up as a worker's is: a channel holding a delivered,
unacknowledged task message and waiting on BRPOP, and a channel consuming a
fanout queue (as remote control does). Redis is killed and the connection is
closed the way Celery's consumer closes it when its broker goes away. kombu's
own channel turns that into an AttributeError, which stops a worker; the
project's channel closes.
"""

from __future__ import annotations

from contextlib import suppress

import pytest
from kombu import Connection, Exchange, Queue
from kombu.common import ignore_errors

from config.celery import app

OURS = "config.broker_transport:Transport"


def lose_the_broker_while_holding_a_message(server, transport: str) -> Connection:
    """Deliver a message and leave it unacknowledged with a BRPOP in flight
    (and a fanout consumer beside it), kill Redis, then close as Celery's
    ``Consumer.on_connection_error_after_connected`` does; return the connection."""
    server.start()
    connection = Connection(server.url(), transport=transport)
    queue = Queue("outage", Exchange("outage"), "outage")
    connection.Producer().publish(
        {"n": 1}, exchange=queue.exchange, routing_key="outage", declare=[queue]
    )
    held = []
    consumer = connection.Consumer(
        [queue], callbacks=[lambda body, message: held.append(message)]
    )
    consumer.consume()
    control = Queue("control", Exchange("control", type="fanout"), auto_delete=True)
    connection.Consumer([control], channel=connection.channel()).consume()
    for _ in range(20):  # until the queue is empty and a BRPOP waits on it
        try:
            connection.drain_events(timeout=0.2)
        except TimeoutError:
            if connection.default_channel._in_poll:
                break
    assert len(held) == 1
    assert connection.default_channel._in_poll

    server.kill()
    with suppress(Exception):  # Celery ignores any error of collect()
        connection.collect(socket_timeout=1)
    # Celery ignores only connection errors here: anything else stops the worker.
    ignore_errors(connection, connection.close)
    return connection


def test_the_project_uses_the_fixed_transport_for_redis(settings):
    assert settings.REDIS_URL.startswith("redis://")
    assert app.conf.broker_transport == OURS


def test_a_channel_closes_when_redis_went_away_holding_a_message(private_redis):
    connection = lose_the_broker_while_holding_a_message(private_redis, OURS)
    assert connection._closed


def test_kombu_s_own_channel_still_fails_there(private_redis):
    """When this fails after an upgrade, kombu closes its channel itself: remove
    config/broker_transport.py and CELERY_BROKER_TRANSPORT."""
    with pytest.raises(AttributeError, match="hostname"):
        lose_the_broker_while_holding_a_message(private_redis, "redis")
