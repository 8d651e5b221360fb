"""Batches (email waves) in the outbox: queued in bulk, sent only when their
campaign sends them, at its rate across workers, cancellable."""

import time
from collections import Counter

import pytest
from django.db import transaction

from q_portal.outbox.models import OutboundEmail, SendThrottle
from q_portal.outbox.services import (
    BatchEmail,
    Status,
    Stream,
    SuppressionReason,
    email_queue_batch,
    outbox_cancel_batch,
    outbox_send,
    outbox_sweep,
    suppression_add,
)
from q_portal.outbox.throttle import throttle_reserve
from tests.outbox.concurrency import run_together
from tests.outbox.factories import OutboundEmailFactory

from . import backends

pytestmark = pytest.mark.django_db


def _emails(count: int, *, batch="wave:1", start=0) -> list[BatchEmail]:
    return [
        BatchEmail(
            to=f"person{number}@example.org",
            subject="Q is recruiting",
            body_text="Apply now.",
            key=f"{batch}:person{number}@example.org",
        )
        for number in range(start, start + count)
    ]


@pytest.mark.parametrize("size", [2, 250])
def test_email_queue_batch_inserts_in_bulk_with_suppressed_rows_counted(django_assert_num_queries, size):
    suppression_add(email="Person1@example.org", reason=SuppressionReason.UNSUBSCRIBED)

    # Per chunk: the suppressions, one insert; whatever the size.
    with django_assert_num_queries(4), transaction.atomic():
        queued = email_queue_batch(emails=_emails(size), batch="wave:1", chunk_size=1000)

    assert (queued.queued, queued.suppressed) == (size - 1, 1)
    assert Counter(OutboundEmail.objects.values_list("batch", "status", "stream")) == {
        ("wave:1", Status.QUEUED, Stream.BULK): size - 1,
        ("wave:1", Status.SUPPRESSED, Stream.BULK): 1,
    }
    assert len(set(OutboundEmail.objects.values_list("message_id", flat=True))) == size


def test_email_queue_batch_again_queues_nothing_more():
    with transaction.atomic():
        email_queue_batch(emails=_emails(3), batch="wave:1")
    with transaction.atomic():
        email_queue_batch(emails=_emails(5), batch="wave:1", chunk_size=2)

    assert OutboundEmail.objects.count() == 5


def test_batch_rows_are_never_sent_by_the_sweep(mailoutbox):
    with transaction.atomic():
        email_queue_batch(emails=_emails(2), batch="wave:1")
    on_its_own = OutboundEmailFactory()

    outbox_sweep()
    outbox_send()

    assert [message.to for message in mailoutbox] == [[on_its_own.to]]
    assert set(OutboundEmail.objects.filter(batch="wave:1").values_list("status", flat=True)) == {Status.QUEUED}


def test_outbox_send_batch_sends_only_that_batch_over_one_connection(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.outbox.backends.CountingBackend"
    backends.CountingBackend.created = 0
    with transaction.atomic():
        email_queue_batch(emails=_emails(3), batch="wave:1")
        email_queue_batch(emails=_emails(2, batch="wave:2", start=10), batch="wave:2")

    outcome = outbox_send(batch="wave:1")

    assert (outcome.sent, backends.CountingBackend.created) == (3, 1)
    assert sorted(m.to[0] for m in mailoutbox) == ["person0@example.org", "person1@example.org", "person2@example.org"]


def test_outbox_cancel_batch_cancels_waiting_rows_only():
    with transaction.atomic():
        email_queue_batch(emails=_emails(3), batch="wave:1")
    sent = OutboundEmail.objects.order_by("pk").first()
    outbox_send(ids=[sent.pk], batch="wave:1")

    cancelled = outbox_cancel_batch(batch="wave:1", note="Cancelled.")

    assert cancelled == 2
    assert Counter(OutboundEmail.objects.values_list("status", flat=True)) == {Status.SENT: 1, Status.CANCELLED: 2}


@pytest.mark.parametrize(("per_minute", "claimed"), [(12, 1), (120, 10), (6000, 100)])
def test_throttled_batch_claims_five_seconds_worth_at_a_time(settings, per_minute, claimed):
    """A wave claims only what it sends in the next five seconds (at least one
    email, at most a full claim), so pausing or cancelling it takes effect at
    once. (The mail server is down here, so nothing waits for its moment.)"""
    settings.EMAIL_BACKEND = "tests.outbox.backends.UnreachableBackend"
    batch = f"wave:claim-{per_minute}"
    OutboundEmailFactory.create_batch(120, batch=batch)

    outcome = outbox_send(batch=batch, per_minute=per_minute)

    assert (outcome.picked, outcome.deferred) == (claimed, claimed)


# --- Throttle ---------------------------------------------------------------------------------


def _measured_rate(times: list[float]) -> float:
    """Emails a minute between the first and the last send."""
    times = sorted(times)
    return (len(times) - 1) * 60 / (times[-1] - times[0])


@pytest.mark.django_db(transaction=True)
def test_throttle_holds_the_rate_across_two_workers_within_ten_percent(settings, mailoutbox):
    """Two workers (threads here, each with its own connection to the database
    and Redis) share one wave at 1,200 emails a minute: together they send at
    that rate, not twice it."""
    settings.EMAIL_BACKEND = "tests.outbox.backends.TimingBackend"
    backends.TimingBackend.times = []
    with transaction.atomic():
        email_queue_batch(emails=_emails(80), batch="wave:throttle")

    def worker():
        while outbox_send(batch="wave:throttle", per_minute=1200).picked:
            pass

    run_together(worker, worker, timeout=60)

    assert len(mailoutbox) == 80
    assert len({m.to[0] for m in mailoutbox}) == 80
    assert _measured_rate(backends.TimingBackend.times) == pytest.approx(1200, rel=0.10)


@pytest.mark.django_db(transaction=True)
def test_throttle_without_redis_uses_the_database_at_the_same_rate(settings):
    settings.REDIS_URL = ""
    slots = []
    started = time.monotonic()
    for _email in range(20):
        slots.append(started + throttle_reserve(batch="wave:demo", per_minute=600) + (time.monotonic() - started))

    assert SendThrottle.objects.filter(batch="wave:demo").count() == 1
    assert _measured_rate(slots) == pytest.approx(600, rel=0.10)


def test_throttle_at_no_rate_never_waits():
    assert throttle_reserve(batch="wave:1", per_minute=0) == 0.0


def test_failed_batch_email_queued_again_is_sent_on_its_own(django_capture_on_commit_callbacks, mailoutbox):
    from q_portal.outbox.services import email_requeue
    from tests.factories import UserFactory

    failed = OutboundEmailFactory(batch="wave:1", status=Status.FAILED, attempts=6)

    with django_capture_on_commit_callbacks(execute=True):
        email_requeue(email_ids=[failed.pk], by=UserFactory(is_superuser=True))

    failed.refresh_from_db()
    assert failed.status == Status.SENT
    assert [m.to for m in mailoutbox] == [[failed.to]]
