"""Insight figures too costly to count on every view, kept in the cache: a
round's equality tallies (every application with its monitoring answers and how
far it got: 180-250 ms at 100,000 applications) and its representation (the
pool by region, role and route: 70 ms). Nothing here is a record: losing the
cache costs a fresh count.

The same freshness as a round's progress (`selection.selectors.FIGURES_*`):
figures counted less than FIGURES_FRESH_FOR ago are shown as they are; older,
they are shown while one background count is queued (claimed in the cache);
older than FIGURES_MAX_AGE, or missing, they are counted in the request. The
pages say when they were counted. Each entry's key has the round's creation
time, so a restored database that gives another round the same id never reads
this one's figures."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from applications.models import Round
from q_portal.broker import enqueue_on_commit

from ..selectors import FIGURES_FRESH_FOR, FIGURES_MAX_AGE, FIGURES_QUEUED_FOR
from ..selectors.equality import equality_counts
from ..selectors.insight import representation_counts
from ..tasks import kept_count as kept_count_task

# name -> how to count it for a round (None: across every round), as a picklable value.
COUNTS: dict[str, Callable[[Round | None], Any]] = {
    "equality": lambda round: equality_counts(round=round),
    "representation": lambda round: representation_counts(round=round),
}

__all__ = ["COUNTS", "kept", "kept_count"]


def _key(name: str, round: Round | None) -> str:
    scope = "all" if round is None else f"{round.pk}:{round.created_at.timestamp()}"
    return f"selection:kept:{name}:{scope}"


def kept_count(name: str, *, round: Round | None) -> tuple[Any, datetime]:
    """Count `name` for the round now and keep it; the figures and when they
    were counted (read before counting, so a change made meanwhile is never
    taken as counted)."""
    counted_at = timezone.now()
    figures = COUNTS[name](round)
    key = _key(name, round)
    cache.set(key, (counted_at, figures), FIGURES_MAX_AGE.total_seconds())
    cache.delete(f"{key}:queued")
    return figures, counted_at


def kept(name: str, *, round: Round | None, now: datetime | None = None) -> tuple[Any, datetime]:
    """`name`'s figures for the round to show, and when they were counted."""
    now = now or timezone.now()
    key = _key(name, round)
    entry = cache.get(key)
    if entry is None or entry[0] < now - FIGURES_MAX_AGE:
        return kept_count(name, round=round)
    counted_at, figures = entry
    if counted_at < now - FIGURES_FRESH_FOR and cache.add(f"{key}:queued", True, FIGURES_QUEUED_FOR.total_seconds()):
        enqueue_on_commit(kept_count_task, name=name, round_id=round and round.pk)
    return figures, counted_at
