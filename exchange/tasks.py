"""Celery tasks for the exchange: thin, calling one service each, imported inside
the task body. The retry policy is `q_portal.celery.PortalTask`'s."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="exchange.send_digests")
def send_digests() -> int:
    """Beat, each morning: yesterday's digest to members who chose one. Idempotent
    for the day (one key per member per day)."""
    from .services import exchange_digest_send

    queued = exchange_digest_send(day=timezone.localdate() - timedelta(days=1))
    logger.info("Exchange digests: %d queued", queued)
    return queued
