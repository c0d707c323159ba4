"""Django's Redis cache, with one client object per connection pool.

Django builds a new ``redis.Redis`` object for every cache call; with
redis-py 8 that costs about 0.2 ms of CPU, several times the round trip
itself, and a submission makes a few such calls. A client is a thin,
thread-safe wrapper over its pool, so one per pool is enough.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from core.redis_scripts import LuaScript


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient

    def count_in_window(self, key: str, seconds: int) -> tuple[int, int]:
        """Count one more hit in ``key``'s fixed window of ``seconds``, in one
        round trip; return the count so far and the seconds the window has left.
        """
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        count, ttl = _COUNT_IN_WINDOW(client, [key], [seconds])
        return count, ttl


# ``SET NX EX`` starts a window with its expiry; a counter that lost its
# expiry anyway is given one again. Atomic, as every script is.
_COUNT_IN_WINDOW = LuaScript(
    """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
)
