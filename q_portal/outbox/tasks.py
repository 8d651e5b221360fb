"""Thin tasks over the outbox services. SMTP failures are handled per email by
the services (backoff, then failed); the retry policy here is only for the
database or broker failing under the task itself."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

# A module reference, not names: services imports this module to queue tasks.
from . import services
from .models import OutboundEmail

logger = logging.getLogger(__name__)

_RETRY_POLICY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
    "ignore_result": True,
}


@shared_task(name="outbox.send_email", **_RETRY_POLICY)
def send_outbound_email(*, email_id: int) -> int:
    """Send one email if it is still queued and due; returns 1 if sent, else 0.
    Sent already, not due yet or held by another worker: nothing to do, the
    sweep covers whatever is left."""
    outcome = services.outbox_send(ids=[email_id])
    if not outcome.picked and not OutboundEmail.objects.filter(pk=email_id).exists():
        logger.warning("Outbound email %s no longer exists", email_id)
    return outcome.sent


@shared_task(name="outbox.send_due", **_RETRY_POLICY)
def send_due_emails() -> int:
    """Beat's sweep: recover rows held by dead workers, then send everything due."""
    outcome = services.outbox_sweep()
    if outcome.picked:
        logger.info(
            "Outbox sweep: %d sent, %d suppressed, %d deferred, %d failed",
            outcome.sent,
            outcome.suppressed,
            outcome.deferred,
            outcome.failed,
        )
    return outcome.sent
