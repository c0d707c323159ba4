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
    redis_scripts._drop(client)


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


def test_a_killed_connection_raises_once_then_reconnects(client):
    INCR(client, ["test:lua"], [1])
    held = redis_scripts._connection(client)
    client.client_kill_filter(_id=_client_id(client, held))

    with pytest.raises(redis.ConnectionError):
        INCR(client, ["test:lua"], [1])
    assert INCR(client, ["test:lua"], [1]) == 2
    assert redis_scripts._connection(client) is not held


def test_each_thread_has_its_own_connection(client):
    INCR(client, ["test:lua"], [1])
    mine = redis_scripts._connection(client)
    seen = []

    def other() -> None:
        INCR(client, ["test:lua"], [1])
        seen.append(redis_scripts._connection(client))
        redis_scripts._drop(client)

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
