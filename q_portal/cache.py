"""The shared cache: Redis, and when Redis does not answer, this process's memory.

What the portal keeps in the cache is counters for rate limits (allauth's sign-in,
sign-up, password reset and admin sign-in limits; registering for updates;
contacting a member) and allauth's short locks around them. None of it is a record
of anything: losing it costs nothing but a fresh count.

When Redis is down, a person must still be able to sign in, sign up, reset a
password and register for updates. Three ways were weighed:

- **Fail open** (skip every limit): simplest, but `/healthz` is public and says
  when the broker is down, so an outage would be an advertised window for guessing
  passwords or flooding inboxes from the registration form.
- **The database** (a cache table): exact counts shared by every process, but a new
  table and deploy step, and a database write on every counted request exactly
  when the service is already degraded.
- **Each process's memory** (chosen): limits stay in force, each web process
  counting alone, so at worst the configured rates are multiplied by the number of
  processes (a handful under gunicorn) — never unlimited, with no new table and no
  extra database load. The counts start again from zero, which only ever favours
  the person being limited.

So `ResilientRedisCache` is Django's `RedisCache` with short socket timeouts and a
circuit breaker: the first call that cannot reach Redis logs one warning, and for
`RETRY_AFTER` seconds (default 30) every call goes straight to an in-memory
`LocMemCache` of the same name, without waiting on Redis again; after that it
tries Redis once more. Only connection failures and timeouts switch over; any
other Redis error is a bug and is raised.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

__all__ = ["ResilientRedisCache"]

# A page waits at most this long for Redis before using the memory store.
SOCKET_TIMEOUT_SECONDS = 0.5
RETRY_AFTER_SECONDS = 30.0

# Django gives each thread its own cache object; the breaker is per process, so
# one thread's discovery that Redis is down spares the others the wait.
_down_until: dict[str, float] = {}
_down_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self._retry_after = float(options.pop("RETRY_AFTER", RETRY_AFTER_SECONDS))
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._name = ",".join(self._servers)
        # Same prefix, version and key function: a key means the same in both stores.
        fallback_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        self._fallback = LocMemCache(f"redis-fallback:{self._name}", fallback_params)

    def _redacted(self) -> str:
        """The servers without any password, for the log."""
        return ",".join(f"{urlsplit(url).hostname}:{urlsplit(url).port or 6379}" for url in self._servers)

    def _call(self, method: str, *args, **kwargs):
        if time.monotonic() < _down_until.get(self._name, 0.0):
            return getattr(self._fallback, method)(*args, **kwargs)
        try:
            return getattr(super(), method)(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError) as error:
            with _down_lock:
                already_down = time.monotonic() < _down_until.get(self._name, 0.0)
                _down_until[self._name] = time.monotonic() + self._retry_after
            if not already_down:
                logger.warning(
                    "Redis cache at %s does not answer (%s): rate limits count in this process's memory "
                    "for the next %.0f s",
                    self._redacted(),
                    error,
                    self._retry_after,
                )
            return getattr(self._fallback, method)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self, *args, **kwargs):
        return self._call("clear", *args, **kwargs)
