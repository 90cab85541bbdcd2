"""A Redis cache that fails open: an outage costs cache hits, never requests.

The API throttle and the portfolio's cached figures read the cache on every request. With
Redis down, Django's own backend raises on each call and every API request answers 500. Here a
read is a miss, a write is skipped, and once Redis has failed the cache is bypassed for a few
seconds (no connection attempt per call), with one warning per outage in the log.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

BYPASS_SECONDS = 5.0


class FailOpenRedisCache(RedisCache):
    _down_until = 0.0

    def _attempt(self, method, fallback, *args):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            result = method(self, *args)
        except RedisError as error:
            if not self._down_until:
                logger.warning("Cache unavailable, serving without it: %s", error)
            self._down_until = time.monotonic() + BYPASS_SECONDS
            return fallback
        if self._down_until:
            logger.warning("Cache available again")
            self._down_until = 0.0
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(RedisCache.add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._attempt(RedisCache.get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(RedisCache.set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(RedisCache.touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._attempt(RedisCache.delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._attempt(RedisCache.get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._attempt(RedisCache.has_key, False, key, version)

    def incr(self, key, delta=1, version=None):
        return self._attempt(RedisCache.incr, delta, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(RedisCache.set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._attempt(RedisCache.delete_many, None, keys, version)

    def clear(self):
        return self._attempt(RedisCache.clear, False)
