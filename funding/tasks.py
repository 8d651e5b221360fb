"""Celery tasks for the vote and the funded projects: thin, calling one service each."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="funding.open_and_close_votes")
def open_and_close_votes() -> tuple[int, int]:
    """Beat, every minute: open votes whose time has come (the eligibility
    snapshot), close those whose time is up (which queues their count)."""
    from .services import votes_open_and_close_due

    return votes_open_and_close_due()


@shared_task(name="funding.count_vote")
def count_vote(*, call_vote_id: int) -> int:
    from .models import CallVote
    from .services import vote_count

    call_vote = CallVote.objects.filter(pk=call_vote_id).first()
    if call_vote is None:
        logger.warning("Vote %s to count is gone", call_vote_id)
        return 0
    return vote_count(call_vote=call_vote)


@shared_task(name="funding.project_reminders")
def project_reminders() -> int:
    """Beat, each morning: reminders before updates are due, and to the programme team when late."""
    from .services import project_reminders_send

    return project_reminders_send()


@shared_task(name="funding.send_digests")
def send_digests() -> int:
    """Beat, each morning: yesterday's comments on project updates to team members
    who chose one email a day. Idempotent for the day (one key per member per day)."""
    from .services import project_comment_digest_send

    return project_comment_digest_send(day=timezone.localdate() - timedelta(days=1))
