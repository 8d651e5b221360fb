"""Celery tasks for the vote and the funded projects: thin, calling one service each."""

import logging

from celery import shared_task

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
