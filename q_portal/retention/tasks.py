"""The retention schedule's beat task (retry policy: `q_portal.celery.PortalTask`)."""

import logging

from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task(name="retention.apply")
def retention_apply(*, continuation: int = 0) -> dict[str, int]:
    """Beat, daily: one bounded run of the whole schedule. While rows are left
    over (a rule filled its batch), the next run is queued at once, up to
    RETENTION_RUNS_PER_DAY runs; whatever is left then waits for tomorrow."""
    from .services import retention_run

    run = retention_run()
    logger.info("Retention schedule applied: %s", {name: n for name, n in run.counts.items() if n})
    if run.more_due and continuation + 1 < settings.RETENTION_RUNS_PER_DAY:
        retention_apply.delay(continuation=continuation + 1)
    return run.counts
