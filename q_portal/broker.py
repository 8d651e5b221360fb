"""Queueing Celery tasks after commit, without the broker being able to break a request.

Every task the portal queues from a request has a safety net in the database:
outbox rows are sent by beat's sweep every minute, waves are picked up by the
dispatcher, normalised scores are recomputed by the next change. So when the
broker does not answer, the request's work stands (it has committed) and the task
is simply left to that net: one warning is logged, and for `RETRY_AFTER_SECONDS`
no further publish is tried, so people are not kept waiting on the broker's
connection retries for every email.

This is the one way to queue a task from a service: import the task under a
`*_task` name and call `enqueue_on_commit(some_task, id=...)`, never
`transaction.on_commit(partial(some_task.delay, ...))` (Django's robust
on_commit logs a failure by the callback's `__qualname__`, which a `partial`
lacks, so the logging itself raised and the request answered 500).
"""

import logging
import threading
import time

from django.db import transaction

logger = logging.getLogger(__name__)

__all__ = ["enqueue_on_commit"]

RETRY_AFTER_SECONDS = 30.0

_down_until = 0.0
_down_lock = threading.Lock()


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """After the current transaction commits, queue `task` with `args` and
    `kwargs` (primitive ids, by keyword); if the broker cannot take it, log a
    warning and carry on. Outside a transaction, queue it now."""

    def enqueue() -> None:
        global _down_until  # one breaker for the process
        if time.monotonic() < _down_until:
            logger.info("Broker down: %s%s not queued; the database's sweep will pick it up", task.name, kwargs)
            return
        try:
            task.delay(*args, **kwargs)
        except Exception as error:
            with _down_lock:
                _down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning(
                "Broker did not take %s%s (%s); the database's sweep will pick it up. Not trying again for %.0f s",
                task.name,
                kwargs,
                error,
                RETRY_AFTER_SECONDS,
            )

    transaction.on_commit(enqueue, robust=True)


def broker_reset() -> None:
    """Forget a broker failure, so the next task is published at once (tests)."""
    global _down_until
    _down_until = 0.0
