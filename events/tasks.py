"""Celery tasks for events: thin, calling one service each, imported inside
the task body. The retry policy is `q_portal.celery.PortalTask`'s."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="events.send_reminders")
def send_reminders() -> int:
    """Beat: queue the week-before and day-before reminders that are due."""
    from .services import reminders_send

    sent = reminders_send()
    logger.info("Event reminders queued: %d", sent)
    return sent


@shared_task(name="events.lapse_offers")
def lapse_offers() -> int:
    """Beat: offers of places not taken up in time pass down the waiting list."""
    from .services import offers_lapse

    return offers_lapse()
