"""Thin tasks over the outbox services, which they import inside the task body
(the services import these tasks to queue them). SMTP failures are handled per
email by the services (backoff, then failed); the retry policy for the database
failing under a task is `q_portal.celery.PortalTask`'s."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="outbox.send_email")
def send_outbound_email(*, email_id: int) -> int:
    """Send one email if it is still queued and due; returns 1 if sent, else 0.
    Sent already, not due yet or held by another worker: nothing to do, the
    sweep covers whatever is left."""
    from .models import OutboundEmail
    from .services import outbox_send

    outcome = outbox_send(ids=[email_id])
    if not outcome.picked and not OutboundEmail.objects.filter(pk=email_id).exists():
        logger.warning("Outbound email %s no longer exists", email_id)
    return outcome.sent


@shared_task(name="outbox.send_due")
def send_due_emails() -> int:
    """Beat's sweep: recover rows held by dead workers, then send everything due."""
    from .services import outbox_sweep

    outcome = outbox_sweep()
    if outcome.picked:
        logger.info(
            "Outbox sweep: %d sent, %d suppressed, %d deferred, %d failed",
            outcome.sent,
            outcome.suppressed,
            outcome.deferred,
            outcome.failed,
        )
    return outcome.sent
