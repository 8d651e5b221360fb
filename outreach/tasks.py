"""Celery tasks of email waves: thin entry points, ids in, one service each,
imported inside the task body (the wave services import these tasks to queue
them). The retry policy is `q_portal.celery.PortalTask`'s; email failures are
the outbox's to handle per email.

The tasks keep the names they had inside `applications` ("applications.…"):
beat's schedule names them, and messages queued before a deploy must still run."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="applications.dispatch_waves")
def dispatch_waves() -> dict[str, int]:
    """Beat, every WAVE_DISPATCH_SECONDS: start due waves and deadline reminders,
    and look after waves being sent."""
    from .services import waves_dispatch

    report = waves_dispatch()
    if any(vars(report).values()):
        logger.info("Wave dispatcher: %s", report)
    return vars(report)


@shared_task(name="applications.start_wave")
def start_wave(*, wave_id: int) -> None:
    """Start one wave straight away ("send now"), rather than at beat's next tick."""
    from .services import wave_start

    if wave_start(wave_id=wave_id) is None:
        logger.info("Wave %s was not started: gone, not due, or started already", wave_id)


@shared_task(name="applications.send_wave")
def send_wave(*, wave_id: int) -> None:
    """Send a wave's due emails for a while; if there are more, queue this again
    (no countdown: beat and the rows in the database do the waiting)."""
    from .services import wave_send_some

    if wave_send_some(wave_id=wave_id):
        send_wave.delay(wave_id=wave_id)
