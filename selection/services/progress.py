"""A round's review progress, kept (`RoundProgress`) so that the round page and
the rounds list read one row instead of counting a round's assignments and
reviews on every view (at 100,000 applications each count took 200-500 ms).

- The programme team's changes (assignments made or removed, a moderator
  added; reviewers per application, the review date or the moderation
  threshold changed) call `progress_changed` in their own transaction: the
  next view counts again before showing anything, so the team always sees the
  effect of what it just did.
- What others change (a review submitted or reopened, an application
  withdrawn) is caught by age (`selection.selectors.FIGURES_FRESH_FOR` and
  the rest): older figures are shown while a background count is queued (once,
  claimed with an atomic UPDATE); figures older than FIGURES_MAX_AGE are
  counted in the request, so with no worker or no broker they are never more
  than that late. The page says when they were counted."""

from datetime import datetime

from django.db.models import F, Q
from django.utils import timezone

from applications.choices import RoundStatus
from applications.models import Round
from q_portal.broker import enqueue_on_commit

from ..models import RoundProgress
from ..selectors import FIGURES_FRESH_FOR, FIGURES_MAX_AGE, FIGURES_QUEUED_FOR
from ..selectors.programme import progress_current, round_review_counts
from ..tasks import round_progress_count as round_progress_count_task
from .round_settings import selection_settings_for

__all__ = ["progress_changed", "progress_count", "progress_count_due", "round_progress"]


def _ensure_row(round_id: int) -> None:
    RoundProgress.objects.bulk_create([RoundProgress(round_id=round_id)], ignore_conflicts=True)


def progress_changed(*, round_id: int) -> None:
    """The programme team changed the round's assignments or its settings
    (`selection.services.settings.PROGRESS_CHANGED_BY`): its kept figures are
    out of date once this transaction commits. (The row is made first if missing, so a first count
    running meanwhile waits for this transaction and counts after it.)"""
    _ensure_row(round_id)
    RoundProgress.objects.filter(round_id=round_id).update(changes=F("changes") + 1)


def progress_count(*, round: Round) -> RoundProgress:
    """Count the round's progress now and keep it. The figures are marked as
    counted at the `changes` read before counting: a change committed while
    counting leaves them out of date, to be counted again."""
    _ensure_row(round.pk)
    progress = RoundProgress.objects.get(round_id=round.pk)
    settings = selection_settings_for(round=round)
    now = timezone.now()
    counts = round_review_counts(round=round, settings=settings, today=timezone.localdate(now))
    kept = {**counts, "counted_changes": progress.changes, "counted_at": now, "queued_at": None}
    RoundProgress.objects.filter(round_id=round.pk).update(**kept)
    for field, value in kept.items():
        setattr(progress, field, value)
    return progress


def _count_soon(*, round_id: int, now: datetime) -> None:
    claimed = (
        RoundProgress.objects.filter(round_id=round_id)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - FIGURES_QUEUED_FOR))
        .update(queued_at=now)
    )
    if claimed:
        enqueue_on_commit(round_progress_count_task, round_id=round_id)


def round_progress(*, round: Round, now: datetime | None = None) -> RoundProgress:
    """The round's progress to show: the kept figures where current (one
    query), queueing a background count when they are older than
    FIGURES_FRESH_FOR; counted now where missing or out of date."""
    now = now or timezone.now()
    progress = RoundProgress.objects.filter(round=round).annotate(current=progress_current(now=now, prefix="")).first()
    if progress is None or not progress.current:
        return progress_count(round=round)
    if progress.counted_at < now - FIGURES_FRESH_FOR:
        _count_soon(round_id=round.pk, now=now)
    return progress


def progress_count_due(*, now: datetime | None = None) -> int:
    """Beat, every minute: count the progress of the rounds being reviewed whose
    figures are more than FIGURES_FRESH_FOR old (so the morning view and the
    rounds list, which queue nothing, read current figures), and of decided
    rounds before their figures expire. Returns the rounds counted."""
    now = now or timezone.now()
    due = Round.objects.filter(
        Q(status__in=(RoundStatus.CLOSED, RoundStatus.IN_REVIEW)) & ~progress_current(now=now, age=FIGURES_FRESH_FOR)
        | Q(status=RoundStatus.DECIDED) & ~progress_current(now=now, age=FIGURES_MAX_AGE / 2)
    )
    rounds = list(due)
    for round in rounds:
        progress_count(round=round)
    return len(rounds)
