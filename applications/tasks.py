"""Celery tasks of recruitment: thin, ids in, one service call each. Retries are
only for the database or broker failing under the task; email failures are the
outbox's to handle per email."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import waves as wave_services

logger = logging.getLogger(__name__)

_RETRY_POLICY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "ignore_result": True,
}


@shared_task(name="applications.dispatch_waves", **_RETRY_POLICY)
def dispatch_waves() -> dict[str, int]:
    """Beat, every WAVE_DISPATCH_SECONDS: start due waves and deadline reminders,
    and look after waves being sent."""
    report = wave_services.waves_dispatch()
    if any(vars(report).values()):
        logger.info("Wave dispatcher: %s", report)
    return vars(report)


@shared_task(name="applications.start_wave", **_RETRY_POLICY)
def start_wave(*, wave_id: int) -> None:
    """Start one wave straight away ("send now"), rather than at beat's next tick."""
    if wave_services.wave_start(wave_id=wave_id) is None:
        logger.info("Wave %s was not started: gone, not due, or started already", wave_id)


@shared_task(name="applications.send_wave", **_RETRY_POLICY)
def send_wave(*, wave_id: int) -> None:
    """Send a wave's due emails for a while; if there are more, queue this again
    (no countdown: beat and the rows in the database do the waiting)."""
    if wave_services.wave_send_some(wave_id=wave_id):
        send_wave.delay(wave_id=wave_id)
