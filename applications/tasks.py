import logging

from celery import shared_task

from .services.retention import retention_run

logger = logging.getLogger(__name__)


@shared_task(name="applications.apply_retention")
def apply_retention() -> dict[str, int]:
    counts = retention_run()
    logger.info("Retention policy applied: %s", counts)
    return counts
