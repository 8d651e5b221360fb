"""Pacing a batch of emails (a wave) at a set rate across every worker together.

Celery's own `rate_limit` is per worker process, so two workers would send twice
as fast as a provider allows. Instead every email of a batch first reserves its
own moment ("slot") from one shared schedule: the next slot is the later of now
and the previous slot plus the interval (60 s / rate). A worker then sleeps until
its slot and sends. This is the virtual-scheduling form of the generic cell rate
algorithm: no bursts after an idle spell, and over a run the measured rate is the
set rate however many workers share it (as long as they can keep up).

Two stores, chosen by whether Redis is configured:

- Redis (`REDIS_URL`, every real deployment): one Lua script reads Redis's own
  clock (`TIME`), so workers on different machines agree on "now", and reserves
  the slot atomically in one round trip. The key names the database too, so test
  runs (or two portals) sharing one Redis never pace each other.
- The database (no Redis: the `make run` demo on SQLite and a folder broker): a
  `SendThrottle` row per batch, locked for the reservation (`SELECT ... FOR
  UPDATE`; on SQLite the IMMEDIATE transaction's write lock does the same). One
  short transaction per email is plenty at the rates a demo sends. The cache is
  not used because the demo's file cache has no atomic read-and-update across
  processes.

A slot reserved by a worker that then dies is simply unused: the limit is an
upper bound, never exceeded.

At a high rate a round trip per email is a good part of the email's cost, so a
worker's run of sends (`throttle_pacer`) reserves the slots of up to
BLOCK_SECONDS at a time: `count` consecutive slots in one reservation, then it
sleeps until each of them in turn. At a rate below one email per BLOCK_SECONDS
that is one slot at a time, as before; the schedule across workers, and so the
limit, is the same either way.
"""

import time
from collections import deque
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import SendThrottle

__all__ = ["throttle_pacer", "throttle_reserve", "throttle_wait"]

# How far ahead one reservation of a run of sends reaches (see the module's docstring).
BLOCK_SECONDS = 0.1

# KEYS[1]: the batch's key. ARGV[1]: the interval in microseconds. ARGV[2]: how long
# the key outlives an idle batch, in milliseconds. ARGV[3]: how many consecutive slots.
# Stores the last slot reserved; returns microseconds to wait for the first.
_RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = now
if last + interval > now then
  slot = last + interval
end
local last_reserved = slot + (tonumber(ARGV[3]) - 1) * interval
redis.call('SET', KEYS[1], string.format('%.0f', last_reserved), 'PX', tonumber(ARGV[2]))
return slot - now
"""
_IDLE_MS = 10 * 60 * 1000


def throttle_reserve(*, batch: str, per_minute: int, count: int = 1) -> float:
    """Reserve the next moment one email of `batch` may be sent at `per_minute`
    emails a minute across all workers (or the next `count` moments, one interval
    apart); returns the seconds to wait for the first."""
    if per_minute <= 0:
        return 0.0
    interval = 60.0 / per_minute
    if settings.REDIS_URL:
        return _reserve_in_redis(batch, interval, count)
    return _reserve_in_database(batch, interval, count)


def throttle_pacer(*, batch: str, per_minute: int, emails: int):
    """A `pace()` for a run of `emails` sends of `batch`: each call blocks until this
    worker may send one more, reserving up to BLOCK_SECONDS' worth of slots at a
    time (never more than the run has left)."""
    if per_minute <= 0:
        return lambda: None  # no rate: nothing to wait for, nothing to reserve
    interval = 60.0 / per_minute
    per_block = max(1, int(BLOCK_SECONDS / interval))
    slots: deque[float] = deque()
    left = emails

    def pace() -> None:
        nonlocal left
        if not slots:
            count = max(1, min(per_block, left))
            first = time.monotonic() + throttle_reserve(batch=batch, per_minute=per_minute, count=count)
            slots.extend(first + number * interval for number in range(count))
        left -= 1
        wait = slots.popleft() - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    return pace


def throttle_wait(*, batch: str, per_minute: int) -> None:
    """Block until this worker may send one more email of `batch`."""
    wait = throttle_reserve(batch=batch, per_minute=per_minute)
    if wait > 0:
        time.sleep(wait)


def _key(batch: str) -> str:
    database = settings.DATABASES["default"]["NAME"]
    return f"{getattr(settings, 'OUTBOX_THROTTLE_PREFIX', 'q_portal:throttle')}:{database}:{batch}"


@cache
def _script(url: str):
    import redis

    return redis.Redis.from_url(url).register_script(_RESERVE)


def _reserve_in_redis(batch: str, interval: float, count: int) -> float:
    waited_us = _script(settings.REDIS_URL)(keys=[_key(batch)], args=[round(interval * 1_000_000), _IDLE_MS, count])
    return int(waited_us) / 1_000_000


def _reserve_in_database(batch: str, interval: float, count: int) -> float:
    with transaction.atomic():
        throttle, _created = SendThrottle.objects.select_for_update().get_or_create(batch=batch)
        now = timezone.now()
        slot = max(now, throttle.next_slot_at)
        throttle.next_slot_at = slot + timedelta(seconds=interval * count)
        throttle.save(update_fields=["next_slot_at"])
    return (slot - now).total_seconds()
