"""Lua scripts on a per-thread connection, against the real Redis."""

import os
import threading

import pytest
import redis
from django.conf import settings

from core import redis_scripts
from core.redis_scripts import LuaScript

INCR = LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")


@pytest.fixture
def client():
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("test:lua")
    yield client
    client.delete("test:lua")
    _drop(client)


def test_a_script_runs_and_keeps_its_connection(client):
    assert INCR(client, ["test:lua"], [2]) == 2
    first = redis_scripts._connection(client)

    assert INCR(client, ["test:lua"], [3]) == 5
    assert redis_scripts._connection(client) is first


def test_a_script_the_server_forgot_is_sent_again(client):
    INCR(client, ["test:lua"], [1])
    client.script_flush()

    assert INCR(client, ["test:lua"], [1]) == 2
    assert client.script_exists(INCR.sha) == [True]


def test_a_connection_the_server_closed_is_opened_again(client):
    INCR(client, ["test:lua"], [1])
    held = redis_scripts._connection(client)
    client.client_kill_filter(_id=_client_id(client, held))

    assert INCR(client, ["test:lua"], [1]) == 2
    assert redis_scripts._connection(client) is held  # connected again


def test_a_connection_left_mid_reply_is_closed(client, mocker):
    INCR(client, ["test:lua"], [1])
    held = redis_scripts._connection(client)
    mocker.patch.object(held, "read_response", side_effect=KeyboardInterrupt)

    with pytest.raises(KeyboardInterrupt):
        INCR(client, ["test:lua"], [1])
    mocker.stopall()

    assert held._sock is None  # its unread reply went with the socket
    assert INCR(client, ["test:lua"], [1]) == 3


def test_a_redis_that_is_down_raises_and_does_not_use_up_the_pool():
    client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)

    for _ in range(3):
        with pytest.raises(redis.ConnectionError):
            INCR(client, ["test:lua"], [1])

    assert client.connection_pool._created_connections == 0


def test_each_thread_has_its_own_connection(client):
    INCR(client, ["test:lua"], [1])
    mine = redis_scripts._connection(client)
    seen = []

    def other() -> None:
        INCR(client, ["test:lua"], [1])
        seen.append(redis_scripts._connection(client))
        _drop(client)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()

    assert seen and seen[0] is not mine
    assert int(client.get("test:lua")) == 2


def test_a_forked_process_makes_its_own_connection(client):
    INCR(client, ["test:lua"], [1])
    parent = redis_scripts._connection(client)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report whether it reused the parent's connection
        try:
            INCR(client, ["test:lua"], [1])
            os.write(
                write,
                b"same" if redis_scripts._connection(client) is parent else b"own",
            )
        finally:
            os._exit(0)
    os.waitpid(pid, 0)

    assert os.read(read, 10) == b"own"
    assert int(client.get("test:lua")) == 2
    assert INCR(client, ["test:lua"], [1]) == 3  # the parent's still works


def _client_id(client, connection) -> int:
    connection.send_command("CLIENT", "ID")
    return connection.read_response()


def _drop(client) -> None:
    """Close and forget this thread's connection to ``client``'s pool."""
    connections = getattr(redis_scripts._local, "connections", {})
    connection = connections.pop(id(client.connection_pool), None)
    if connection is not None:
        connection.disconnect()
