"""Small Lua scripts run on a connection kept per thread: one round trip, lean.

redis-py's client wraps every command in retries, observability hooks and a
pool check-out: about 100 µs of CPU per call on this project's machine, twice
the round trip itself. The submission path makes two calls (its throttle, and
queueing its profile); each is one script sent here on a connection held by
the calling thread, at about half that cost.

A connection error closes the thread's connection, which connects again on
its next use; a script meeting a closed connection is sent once more. After a
fork a process makes connections of its own.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence

import redis
from redis.exceptions import NoScriptError

_local = threading.local()


class LuaScript:
    """A Lua script, sent by its SHA1 and loaded again if the server lost it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    def __call__(
        self, client: redis.Redis, keys: Sequence[str], args: Sequence[object] = ()
    ):
        try:
            return self._run(_connection(client), keys, args)
        except redis.ConnectionError:
            # Most often a connection the server closed while it sat idle (a
            # restart, its timeout): once more on a new one. Every script here
            # may run twice.
            return self._run(_connection(client), keys, args)

    def _run(self, connection, keys: Sequence[str], args: Sequence[object]):
        try:
            try:
                connection.send_command("EVALSHA", self.sha, len(keys), *keys, *args)
                return connection.read_response()
            except NoScriptError:
                connection.send_command("EVAL", self.source, len(keys), *keys, *args)
                return connection.read_response()
        except redis.ResponseError:
            raise  # the script's own error: the connection is fine
        except BaseException:
            # A reply may be left unread (a timeout, an interrupt between
            # sending and reading): the next call must start on a clean socket.
            connection.disconnect()
            raise


def _connection(client: redis.Redis):
    connections = getattr(_local, "connections", None)
    if connections is None or _local.pid != os.getpid():
        connections = _local.connections = {}
        _local.pid = os.getpid()
    pool = client.connection_pool
    connection = connections.get(id(pool))
    if connection is None:
        # Built with the pool's settings but not counted by it: it is never
        # handed back, and a disconnected one connects again on its next use.
        connection = connections[id(pool)] = pool.connection_class(
            **pool.connection_kwargs
        )
    return connection
