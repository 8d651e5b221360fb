"""The outbox through a real Celery worker on the Redis broker, not eager mode:
what `make run` and production do."""

import time

import pytest
from celery._state import _set_task_join_will_block, task_join_will_block
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from q_portal.celery import app as celery_app
from q_portal.outbox.models import OutboundEmail
from q_portal.outbox.services import email_queue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_worker(worker_id):
    """A worker thread on its own queue, so parallel test processes sharing one
    Redis never take each other's tasks. Starting a worker marks the whole
    process as "inside a worker", which would refuse a later test's
    `result.get()`: the mark is put back as it was. Celery keeps its queues
    from the first publish in the process (a test before this one, say): they
    are made again from the queue set here, and after."""
    conf = celery_app.conf
    joins_blocked = task_join_will_block()
    previous_queue = conf.task_default_queue
    conf.task_always_eager = False
    conf.task_default_queue = f"test-{worker_id}"
    celery_app.__dict__.pop("amqp", None)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        conf.task_always_eager = True
        conf.task_default_queue = previous_queue
        celery_app.__dict__.pop("amqp", None)
        _set_task_join_will_block(joins_blocked)


def test_queued_email_is_sent_by_a_worker_after_commit(redis_worker, mailoutbox):
    with transaction.atomic():
        email = email_queue(to="worker@example.org", subject="Hello", body_text="Sent by a worker.", key="worker-test")

    # Generous: a worker thread on a machine loaded by other test processes can
    # take many seconds to start; the loop ends as soon as the email is sent.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == OutboundEmail.Status.SENT:
            break
        time.sleep(0.1)

    assert email.status == OutboundEmail.Status.SENT
    assert [message.to for message in mailoutbox] == [["worker@example.org"]]
