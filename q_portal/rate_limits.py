"""Counting uses against a limit in the shared cache: the one way the portal's
own rate limits are written (allauth counts its sign-in limits itself).

A window starts with the first use of a key and lasts `window_seconds`; `add`
then `incr` are atomic in Redis, so concurrent requests are each counted once.
When Redis is down, `q_portal.cache.ResilientRedisCache` counts in the process's
memory instead: the limit stays in force. Copy from `members/services/contact.py`."""

from django.core.cache import cache

__all__ = ["rate_limit_take", "rate_limit_used"]


def rate_limit_take(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one use of `key`; True while the uses in its window are within `limit`."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        used = 1
    return used <= limit


def rate_limit_used(*, key: str) -> int:
    """How many uses of `key` its current window has counted."""
    return cache.get(key) or 0
