import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import InterfaceError, OperationalError

from q_portal.celery import app
from q_portal.outbox.models import OutboundEmail
from q_portal.outbox.services import Status
from q_portal.outbox.tasks import send_due_emails, send_outbound_email
from tests.outbox.concurrency import run_together
from tests.outbox.factories import OutboundEmailFactory

from . import backends

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _use_backend(settings, backend) -> None:
    settings.EMAIL_BACKEND = f"{backend.__module__}.{backend.__qualname__}"


def test_send_outbound_email_sends_queued_email(mailoutbox):
    email = OutboundEmailFactory()

    result = send_outbound_email.delay(email_id=email.pk)

    email.refresh_from_db()
    assert result.get() == 1
    assert email.status == Status.SENT
    assert [message.to for message in mailoutbox] == [[email.to]]


def test_send_outbound_email_already_sent_sends_nothing(mailoutbox):
    email = OutboundEmailFactory()
    send_outbound_email.delay(email_id=email.pk)

    again = send_outbound_email.delay(email_id=email.pk)

    assert again.get() == 0
    assert len(mailoutbox) == 1


def test_send_outbound_email_not_due_sends_nothing(time_machine, mailoutbox):
    time_machine.move_to(START, tick=False)
    email = OutboundEmailFactory(next_attempt_at=START + timedelta(minutes=1))

    result = send_outbound_email.delay(email_id=email.pk)

    assert result.get() == 0
    assert mailoutbox == []
    assert OutboundEmail.objects.get().status == Status.QUEUED


def test_send_outbound_email_missing_row_logs_and_sends_nothing(caplog, mailoutbox):
    with caplog.at_level(logging.WARNING, logger="q_portal.outbox.tasks"):
        result = send_outbound_email.delay(email_id=987654)

    assert result.get() == 0
    assert mailoutbox == []
    assert caplog.messages == ["Outbound email 987654 no longer exists"]


@pytest.mark.django_db(transaction=True)
def test_send_outbound_email_concurrent_tasks_for_one_email_send_once(settings, mailoutbox):
    _use_backend(settings, backends.SlowBackend)
    email = OutboundEmailFactory()

    def send():
        # `.get()` refuses to run while another thread's eager task is running.
        return send_outbound_email.delay(email_id=email.pk).result

    results = run_together(send, send)

    assert sorted(results) == [0, 1]
    assert [message.to for message in mailoutbox] == [[email.to]]
    assert OutboundEmail.objects.get().attempts == 1


def test_send_due_emails_sends_every_due_email_in_batches(settings, mailoutbox):
    _use_backend(settings, backends.CountingBackend)
    backends.CountingBackend.created = backends.CountingBackend.opened = 0
    settings.OUTBOX_BATCH_SIZE = 3
    emails = OutboundEmailFactory.create_batch(7)

    result = send_due_emails.delay()

    assert result.get() == 7
    assert sorted(message.to[0] for message in mailoutbox) == sorted(email.to for email in emails)
    # Batches of 3, 3 and 1: one connection each.
    assert backends.CountingBackend.created == 3


def test_send_due_emails_recovers_stuck_email_and_sends_it(time_machine, mailoutbox):
    time_machine.move_to(START, tick=False)
    stuck = OutboundEmailFactory(status=Status.SENDING, attempts=1, claimed_at=START - timedelta(minutes=20))
    in_flight = OutboundEmailFactory(status=Status.SENDING, attempts=1, claimed_at=START - timedelta(minutes=2))

    send_due_emails.delay()

    rows = {email.pk: (email.status, email.attempts) for email in OutboundEmail.objects.all()}
    assert [message.to for message in mailoutbox] == [[stuck.to]]
    assert rows == {stuck.pk: (Status.SENT, 2), in_flight.pk: (Status.SENDING, 1)}


def test_send_due_emails_sends_email_only_once_due(time_machine, mailoutbox):
    time_machine.move_to(START, tick=False)
    OutboundEmailFactory(next_attempt_at=START + timedelta(minutes=30))

    send_due_emails.delay()
    before = len(mailoutbox)
    time_machine.move_to(START + timedelta(minutes=30), tick=False)
    send_due_emails.delay()

    assert (before, len(mailoutbox)) == (0, 1)
    assert OutboundEmail.objects.get().status == Status.SENT


def test_send_due_emails_smtp_rejection_is_handled_per_email_not_raised(settings, mailoutbox):
    _use_backend(settings, backends.BusyBackend)
    OutboundEmailFactory.create_batch(2)

    result = send_due_emails.delay()

    assert result.get() == 0
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(Status.QUEUED, 1)}


def test_outbox_tasks_are_registered_under_their_names_and_scheduled():
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}

    # shared_task gives a proxy; the registry holds the task itself.
    assert app.tasks["outbox.send_email"] is send_outbound_email._get_current_object()
    assert app.tasks["outbox.send_due"] is send_due_emails._get_current_object()
    assert "outbox.send_due" in scheduled


@pytest.mark.parametrize("task", [send_outbound_email, send_due_emails])
def test_outbox_tasks_retry_on_database_errors_only(task):
    assert (task.autoretry_for, task.max_retries, task.retry_backoff) == ((OperationalError, InterfaceError), 5, 5)
