"""Celery tasks for membership: thin, calling one service each, imported inside
the task body. The retry policy is `q_portal.celery.PortalTask`'s."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="members.pair_random_coffee")
def pair_random_coffee() -> int:
    """Beat, on the first of each month: pair this month's random coffee.
    Idempotent for the month, so a retry or a second run pairs no one twice."""
    from .services import coffee_pair

    pairs = coffee_pair(month=timezone.localdate())
    logger.info("Random coffee: %d pairs made", len(pairs))
    return len(pairs)


@shared_task(name="members.send_group_digests")
def send_group_digests() -> int:
    """Beat, daily: the digest of the last day's posts to members who chose it."""
    from .services.groups import digest_send

    sent = digest_send()
    logger.info("Group digests queued: %d", sent)
    return sent


@shared_task(name="members.send_onboarding")
def send_onboarding() -> int:
    """Beat, daily: the onboarding emails due today."""
    from .services.onboarding import onboarding_send

    return onboarding_send(today=timezone.localdate())
