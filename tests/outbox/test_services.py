import smtplib
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from q_portal.audit.models import AuditEntry
from q_portal.outbox.models import OutboundEmail, Suppression
from q_portal.outbox.selectors import is_suppressed
from q_portal.outbox.services import (
    Status,
    Stream,
    SuppressionReason,
    email_queue,
    email_requeue,
    outbox_recover,
    outbox_send,
    suppression_add,
)
from tests.factories import UserFactory
from tests.outbox.concurrency import run_together
from tests.outbox.factories import OutboundEmailFactory

from . import backends

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _queue(**overrides) -> OutboundEmail:
    arguments = {
        "to": "asha@example.org",
        "subject": "Your application",
        "body_text": "Thank you for applying.",
        "key": "application:1:received",
    }
    return email_queue(**(arguments | overrides))


def _use_backend(settings, backend) -> None:
    settings.EMAIL_BACKEND = f"{backend.__module__}.{backend.__qualname__}"


# --- email_queue ----------------------------------------------------------------------


def test_email_queue_same_key_returns_existing_row_and_sends_once(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        first = _queue(subject="First")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = _queue(subject="Second", to="someone-else@example.org")

    assert again.pk == first.pk
    assert (again.subject, again.to, again.status) == ("First", "asha@example.org", Status.SENT)
    assert callbacks == []
    assert OutboundEmail.objects.count() == 1
    assert [message.subject for message in mailoutbox] == ["First"]


def test_email_queue_sends_nothing_before_commit(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email = _queue()
        sent_before_commit = len(mailoutbox)
        status_before_commit = OutboundEmail.objects.get(pk=email.pk).status

    email.refresh_from_db()
    assert (sent_before_commit, status_before_commit) == (0, Status.QUEUED)
    assert len(callbacks) == 1
    assert [message.to for message in mailoutbox] == [["asha@example.org"]]
    assert (email.status, email.attempts, email.sent_at is not None) == (Status.SENT, 1, True)


def test_email_queue_rolled_back_leaves_no_row_and_sends_nothing(django_capture_on_commit_callbacks, mailoutbox):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _queue()
        raise RuntimeError("the caller's transaction fails after queueing")

    assert callbacks == []
    assert OutboundEmail.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "Hello\r\nBcc: everyone@example.org"}, "subject"),
        ({"to": "not an address"}, "to"),
        ({"headers": {"Bcc": "everyone@example.org"}}, "headers"),
        ({"headers": {"Message-ID": "<mine@example.org>"}}, "headers"),
        ({"headers": {"X-Campaign": "one\nTwo: injected"}}, "headers"),
        ({"headers": {"Bad Name": "value"}}, "headers"),
        ({"stream": "newsletter"}, "stream"),
    ],
)
def test_email_queue_invalid_email_is_refused(overrides, field):
    with pytest.raises(ValidationError) as caught:
        _queue(**overrides)

    assert list(caught.value.message_dict) == [field]
    assert OutboundEmail.objects.count() == 0


def test_email_queue_message_id_is_derived_from_key():
    email = _queue(key="account:confirm:42")
    other = _queue(key="account:confirm:43")

    assert email.message_id == "<dc38bac564efe90b1a38a93cd1636f3c0c9b75fd@q-portal.example.org>"
    assert other.message_id != email.message_id


@pytest.mark.django_db(transaction=True)
def test_email_queue_concurrent_same_key_creates_one_email(mailoutbox):
    def queue_and_hold():
        # Hold the transaction open a moment, so the other caller's insert meets
        # this one's uncommitted row on the unique index.
        with transaction.atomic():
            email = _queue()
            time.sleep(0.3)
        return email.pk

    first, second = run_together(queue_and_hold, queue_and_hold)

    assert first == second
    assert OutboundEmail.objects.count() == 1
    assert [message.to for message in mailoutbox] == [["asha@example.org"]]


# --- outbox_send ----------------------------------------------------------------------


def test_outbox_send_message_has_html_alternative_extra_headers_and_message_id(settings, mailoutbox):
    settings.DEFAULT_FROM_EMAIL = "Q Portal <noreply@q-portal.example.org>"
    email = _queue(
        body_html="<p>Thank you for applying.</p>",
        stream=Stream.BULK,
        headers={"List-Unsubscribe": "<https://q.example.org/unsubscribe/abc>"},
    )

    outcome = outbox_send()

    [message] = mailoutbox
    assert (outcome.picked, outcome.sent) == (1, 1)
    assert (message.subject, message.body, message.from_email) == (
        "Your application",
        "Thank you for applying.",
        "Q Portal <noreply@q-portal.example.org>",
    )
    assert message.alternatives == [("<p>Thank you for applying.</p>", "text/html")]
    assert message.message()["Message-ID"] == email.message_id
    assert message.message()["List-Unsubscribe"] == "<https://q.example.org/unsubscribe/abc>"


@pytest.mark.django_db(transaction=True)
def test_outbox_send_concurrent_workers_send_each_email_once(settings, mailoutbox):
    _use_backend(settings, backends.SlowBackend)
    emails = OutboundEmailFactory.create_batch(40)

    def work_until_nothing_due():
        sent = 0
        while True:
            outcome = outbox_send(limit=4)
            sent += outcome.sent
            if not outcome.picked:
                return sent

    sent_by_worker = run_together(work_until_nothing_due, work_until_nothing_due)

    assert sum(sent_by_worker) == 40
    assert len(mailoutbox) == 40
    assert Counter(message.to[0] for message in mailoutbox) == {email.to: 1 for email in emails}
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}


def _count_connections(settings) -> type[backends.CountingBackend]:
    _use_backend(settings, backends.CountingBackend)
    backends.CountingBackend.created = backends.CountingBackend.opened = backends.CountingBackend.closed = 0
    return backends.CountingBackend


def test_outbox_send_uses_one_connection_per_batch_and_closes_it(settings, mailoutbox):
    counting = _count_connections(settings)
    OutboundEmailFactory.create_batch(5)

    outcome = outbox_send()

    assert outcome.sent == 5
    assert len(mailoutbox) == 5
    assert (counting.created, counting.opened, counting.closed) == (1, 1, 1)


def test_outbox_send_with_nothing_due_does_not_call_the_mail_server(settings, time_machine, mailoutbox):
    counting = _count_connections(settings)
    time_machine.move_to(START, tick=False)
    OutboundEmailFactory(next_attempt_at=START + timedelta(minutes=1))

    outcome = outbox_send()

    assert outcome.picked == 0
    assert (counting.created, counting.opened) == (0, 0)


@pytest.mark.parametrize(("code", "counted"), [(451, "deferred"), (554, "failed")])
def test_outbox_send_counts_every_email_turned_away(settings, code, counted):
    _use_backend(settings, backends.ReplyingBackend)
    backends.ReplyingBackend.reply = smtplib.SMTPDataError(code, b"No")
    OutboundEmailFactory.create_batch(3)

    outcome = outbox_send()

    assert (outcome.picked, outcome.sent, getattr(outcome, counted)) == (3, 0, 3)


@pytest.mark.django_db(transaction=True)  # outside any transaction, as a worker sends
def test_outbox_send_on_postgresql_records_each_sent_email_without_waiting_for_the_disk(mailoutbox):
    """A wave of 5,000 must not wait for a disk flush per email (the design's
    wave target): each "sent" commit turns synchronous_commit off for itself."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only; elsewhere the row is saved as usual")
    OutboundEmailFactory.create_batch(2)

    with CaptureQueriesContext(connection) as queries:
        outcome = outbox_send()

    relaxed = [query["sql"] for query in queries if "synchronous_commit" in query["sql"]]
    assert outcome.sent == 2
    assert len(relaxed) == 2
    assert all(sql.startswith("SET LOCAL synchronous_commit TO OFF; UPDATE") for sql in relaxed)
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {Status.SENT}


def test_outbox_send_email_not_yet_due_waits(time_machine, mailoutbox):
    time_machine.move_to(START, tick=False)
    email = OutboundEmailFactory(next_attempt_at=START + timedelta(minutes=5))

    early = outbox_send()
    time_machine.move_to(START + timedelta(minutes=5), tick=False)
    due = outbox_send()

    email.refresh_from_db()
    assert (early.picked, due.sent) == (0, 1)
    assert (email.status, email.sent_at) == (Status.SENT, START + timedelta(minutes=5))
    assert len(mailoutbox) == 1


def test_outbox_send_only_given_ids(mailoutbox):
    wanted, other = OutboundEmailFactory.create_batch(2)

    outbox_send(ids=[wanted.pk])

    assert [message.to for message in mailoutbox] == [[wanted.to]]
    assert dict(OutboundEmail.objects.values_list("pk", "status")) == {
        wanted.pk: Status.SENT,
        other.pk: Status.QUEUED,
    }


def test_outbox_send_inside_a_transaction_is_refused(mailoutbox):
    OutboundEmailFactory()

    # Sending from inside a caller's transaction could send an email whose
    # claim then rolls back, and so send it again later.
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_send()

    assert mailoutbox == []
    assert OutboundEmail.objects.get().status == Status.QUEUED


# --- Suppression at send time -----------------------------------------------------------


def test_outbox_send_suppressed_address_in_other_case_is_not_sent(mailoutbox):
    suppression_add(email="Asha@Example.org", reason=SuppressionReason.BOUNCED)
    email = OutboundEmailFactory(to="ASHA@example.ORG")

    outcome = outbox_send()

    email.refresh_from_db()
    assert mailoutbox == []
    assert (outcome.picked, outcome.suppressed, outcome.sent) == (1, 1, 0)
    assert (email.status, email.attempts, email.sent_at) == (Status.SUPPRESSED, 0, None)
    assert email.last_error == "Not sent: the address is suppressed (Bounced)."


def test_outbox_send_unsubscribed_address_gets_transactional_but_not_bulk(mailoutbox):
    suppression_add(email="asha@example.org", reason=SuppressionReason.UNSUBSCRIBED)
    reset = OutboundEmailFactory(to="asha@example.org", subject="Reset your password", stream=Stream.TRANSACTIONAL)
    update = OutboundEmailFactory(to="asha@example.org", subject="Programme update", stream=Stream.BULK)

    outbox_send()

    assert [message.subject for message in mailoutbox] == ["Reset your password"]
    assert dict(OutboundEmail.objects.values_list("pk", "status")) == {
        reset.pk: Status.SENT,
        update.pk: Status.SUPPRESSED,
    }


def test_outbox_send_suppression_added_after_queueing_applies(mailoutbox):
    email = _queue(stream=Stream.BULK)  # its task runs only on commit, which never comes here
    suppression_add(email="asha@example.org", reason=SuppressionReason.UNSUBSCRIBED)

    outbox_send()

    email.refresh_from_db()
    assert mailoutbox == []
    assert email.status == Status.SUPPRESSED


@pytest.mark.parametrize(
    ("reason", "stream", "expected"),
    [
        (SuppressionReason.UNSUBSCRIBED, Stream.BULK, True),
        (SuppressionReason.UNSUBSCRIBED, Stream.TRANSACTIONAL, False),
        (SuppressionReason.BOUNCED, Stream.BULK, True),
        (SuppressionReason.BOUNCED, Stream.TRANSACTIONAL, True),
        (SuppressionReason.COMPLAINED, Stream.TRANSACTIONAL, True),
        (SuppressionReason.MANUAL, Stream.TRANSACTIONAL, True),
    ],
)
def test_is_suppressed_follows_reason_and_stream(reason, stream, expected):
    suppression_add(email="asha@example.org", reason=reason)

    assert is_suppressed(address="Asha@Example.ORG", stream=stream) == expected
    assert is_suppressed(address="someone-else@example.org", stream=stream) is False


def test_suppression_add_twice_keeps_one_lower_cased_row():
    first = suppression_add(email=" Asha@Example.ORG ", reason=SuppressionReason.BOUNCED, note="550 no such user")
    second = suppression_add(email="asha@example.org", reason=SuppressionReason.BOUNCED)

    assert second.pk == first.pk
    assert list(Suppression.objects.values_list("email", "reason", "note")) == [
        ("asha@example.org", SuppressionReason.BOUNCED, "550 no such user")
    ]
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["outbox.suppression_add"]


def test_suppression_add_raises_unsubscribed_to_stronger_reason_only():
    suppression_add(email="asha@example.org", reason=SuppressionReason.UNSUBSCRIBED)
    raised = suppression_add(email="asha@example.org", reason=SuppressionReason.COMPLAINED, note="spam report")
    kept = suppression_add(email="asha@example.org", reason=SuppressionReason.UNSUBSCRIBED)

    assert (raised.reason, kept.reason, kept.note) == (
        SuppressionReason.COMPLAINED,
        SuppressionReason.COMPLAINED,
        "spam report",
    )
    assert Suppression.objects.count() == 1


# --- Failures and retries ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "error"),
    [
        (backends.BusyBackend, "SMTPDataError: (451, b'4.3.0 Try again later')"),
        # A backend that sent nothing without saying why: tried again, not lost.
        (backends.AcceptsNothingBackend, "SMTPException: The mail backend accepted no message."),
    ],
)
def test_outbox_send_temporary_smtp_failure_queues_again_after_backoff(
    settings, time_machine, mailoutbox, backend, error
):
    _use_backend(settings, backend)
    time_machine.move_to(START, tick=False)
    email = OutboundEmailFactory()

    outcome = outbox_send()

    email.refresh_from_db()
    assert (outcome.sent, outcome.deferred, outcome.failed) == (0, 1, 0)
    assert (email.status, email.attempts, email.next_attempt_at) == (Status.QUEUED, 1, START + timedelta(minutes=1))
    assert email.last_error == error
    assert mailoutbox == []


def test_outbox_send_temporary_smtp_failure_fails_after_max_attempts(settings, time_machine):
    _use_backend(settings, backends.BusyBackend)
    settings.OUTBOX_MAX_ATTEMPTS = 6
    time_machine.move_to(START, tick=False)
    email = OutboundEmailFactory()

    waits = []
    for _attempt in range(6):
        outbox_send()
        email.refresh_from_db()
        if email.status == Status.QUEUED:
            waits.append(email.next_attempt_at - timezone.now())
            time_machine.move_to(email.next_attempt_at, tick=False)
    time_machine.move_to(START + timedelta(days=2), tick=False)
    afterwards = outbox_send()

    email.refresh_from_db()
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=6),
    ]
    assert (email.status, email.attempts, email.sent_at) == (Status.FAILED, 6, None)
    assert afterwards.picked == 0


def test_outbox_send_max_attempts_setting_is_respected(settings):
    _use_backend(settings, backends.BusyBackend)
    settings.OUTBOX_MAX_ATTEMPTS = 1
    email = OutboundEmailFactory()

    outcome = outbox_send()

    email.refresh_from_db()
    assert outcome.failed == 1
    assert (email.status, email.attempts) == (Status.FAILED, 1)


def test_outbox_send_permanent_smtp_failure_fails_at_once_with_the_reason(settings, mailoutbox):
    _use_backend(settings, backends.RejectingBackend)
    email = OutboundEmailFactory()

    outcome = outbox_send()

    email.refresh_from_db()
    assert (outcome.sent, outcome.deferred, outcome.failed) == (0, 0, 1)
    assert (email.status, email.attempts) == (Status.FAILED, 1)
    assert email.last_error == "SMTPDataError: (554, b'5.7.1 Message rejected')"
    # A refused message is not a refused address: nothing is suppressed.
    assert Suppression.objects.count() == 0


def test_outbox_send_mailbox_that_does_not_exist_fails_and_is_suppressed_as_bounced(settings):
    _use_backend(settings, backends.NoSuchMailboxBackend)
    email = OutboundEmailFactory(to="Gone@example.org")

    outbox_send()

    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert email.last_error.startswith("SMTPRecipientsRefused:")
    # The note says why, for whoever later wonders why the address gets nothing.
    assert list(Suppression.objects.values_list("email", "reason", "note")) == [
        ("gone@example.org", SuppressionReason.BOUNCED, email.last_error)
    ]


def _refused(code: int, text: bytes) -> smtplib.SMTPRecipientsRefused:
    return smtplib.SMTPRecipientsRefused({"asha@example.org": (code, text)})


def _send_one_answered(settings, reply: Exception) -> OutboundEmail:
    """One email to asha@example.org sent to a server answering `reply`: its row afterwards."""
    _use_backend(settings, backends.ReplyingBackend)
    backends.ReplyingBackend.reply = reply
    email = OutboundEmailFactory(to="asha@example.org")
    outbox_send()
    email.refresh_from_db()
    return email


@pytest.mark.parametrize(
    ("reply", "status", "suppressed"),
    [
        (smtplib.SMTPDataError(451, b"4.3.0 Try again later"), Status.QUEUED, []),
        (smtplib.SMTPDataError(500, b"5.5.2 Syntax error"), Status.FAILED, []),
        (smtplib.SMTPDataError(599, b"5.0.0 Refused"), Status.FAILED, []),
        # The message refused as spam, not the address: it may take other email.
        (smtplib.SMTPDataError(550, b"5.7.1 Message refused as spam"), Status.FAILED, []),
        # A full mailbox refuses for good, but the address still exists.
        (_refused(552, b"5.2.2 Mailbox full"), Status.FAILED, []),
        (_refused(450, b"4.2.0 Greylisted, try again"), Status.QUEUED, []),
        (_refused(551, b"5.1.6 User has moved"), Status.FAILED, ["asha@example.org"]),
    ],
)
def test_outbox_send_server_reply_decides_retry_give_up_or_suppress(settings, reply, status, suppressed):
    email = _send_one_answered(settings, reply)

    assert (email.status, email.attempts) == (status, 1)
    assert list(Suppression.objects.values_list("email", flat=True)) == suppressed


def test_outbox_send_through_a_real_smtp_server_suppresses_a_mailbox_it_says_does_not_exist(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    gone = OutboundEmailFactory(to="gone@example.org")
    asha = OutboundEmailFactory(to="asha@example.org")

    with backends.RefusingSmtpServer() as server:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        outcome = outbox_send()

    rows = dict(OutboundEmail.objects.values_list("pk", "status"))
    assert (outcome.sent, outcome.failed) == (1, 1)
    assert server.received == [["asha@example.org"]]
    assert rows == {gone.pk: Status.FAILED, asha.pk: Status.SENT}
    assert list(Suppression.objects.values_list("email", "reason")) == [("gone@example.org", SuppressionReason.BOUNCED)]


@pytest.mark.parametrize(
    ("reply", "start", "notes"),
    [
        (smtplib.SMTPDataError(451, b"4.3.0 " + b"x" * 3000), "SMTPDataError: (451, b'4.3.0 xxx", []),
        # A bounce's suppression keeps the first 500 as its note.
        (_refused(550, b"5.1.1 " + b"x" * 3000), "SMTPRecipientsRefused: {'asha@example.org'", [500]),
    ],
)
def test_outbox_send_keeps_the_first_2000_characters_of_a_long_error(settings, reply, start, notes):
    email = _send_one_answered(settings, reply)

    assert len(email.last_error) == 2000
    assert email.last_error.startswith(start)
    assert [len(note) for note in Suppression.objects.values_list("note", flat=True)] == notes


@pytest.mark.parametrize(
    ("reply", "max_attempts", "level", "message"),
    [
        (smtplib.SMTPDataError(451, b"Busy"), 6, "WARNING", "Outbound email {pk} attempt 1 failed; retrying"),
        (smtplib.SMTPDataError(451, b"Busy"), 1, "ERROR", "Outbound email {pk} failed after 1 attempts"),
        (
            smtplib.SMTPDataError(554, b"Rejected"),
            6,
            "WARNING",
            "Outbound email {pk} refused for good: SMTPDataError: (554, b'Rejected')",
        ),
    ],
)
def test_outbox_send_failure_is_logged_for_the_operator(settings, caplog, reply, max_attempts, level, message):
    _use_backend(settings, backends.ReplyingBackend)
    backends.ReplyingBackend.reply = reply
    settings.OUTBOX_MAX_ATTEMPTS = max_attempts
    email = OutboundEmailFactory()

    with caplog.at_level("WARNING", logger="q_portal.outbox.services"):
        outbox_send()

    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        (level, message.format(pk=email.pk))
    ]


def test_outbox_send_sender_refused_is_the_servers_problem_not_the_emails(settings, time_machine):
    _use_backend(settings, backends.SenderRefusedBackend)
    time_machine.move_to(START, tick=False)
    tried, untried = OutboundEmailFactory.create_batch(2)

    outcome = outbox_send()

    rows = {e.pk: (e.status, e.attempts, e.next_attempt_at) for e in OutboundEmail.objects.all()}
    assert (outcome.failed, outcome.deferred) == (0, 2)
    assert rows == {
        tried.pk: (Status.QUEUED, 1, START + timedelta(minutes=1)),
        untried.pk: (Status.QUEUED, 0, START + timedelta(minutes=1)),
    }


def test_outbox_send_every_attempt_carries_the_same_message_id(settings, time_machine, mailoutbox):
    _use_backend(settings, backends.RejectsFirstAttemptBackend)
    backends.RejectsFirstAttemptBackend.attempts = []
    time_machine.move_to(START, tick=False)
    email = _queue()

    outbox_send()
    time_machine.move_to(START + timedelta(minutes=1), tick=False)
    outbox_send()

    email.refresh_from_db()
    assert backends.RejectsFirstAttemptBackend.attempts == [email.message_id, email.message_id]
    assert (email.status, email.attempts) == (Status.SENT, 2)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "backend",
    [
        f"{backends.UnreachableBackend.__module__}.{backends.UnreachableBackend.__qualname__}",
        # A mistyped EMAIL_BACKEND setting: the emails wait for it to be put right.
        "q_portal.outbox.no_such_module.EmailBackend",
    ],
)
def test_outbox_send_unreachable_server_keeps_emails_without_using_attempts(
    settings, time_machine, caplog, mailoutbox, backend
):
    settings.EMAIL_BACKEND = backend
    time_machine.move_to(START, tick=False)
    OutboundEmailFactory.create_batch(3)

    with caplog.at_level("WARNING", logger="q_portal.outbox.services"):
        outcome = outbox_send()

    assert (outcome.picked, outcome.sent, outcome.deferred) == (3, 0, 3)
    assert set(OutboundEmail.objects.values_list("status", "attempts", "next_attempt_at")) == {
        (Status.QUEUED, 0, START + timedelta(minutes=1))
    }
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        ("ERROR", "Outbox could not connect to the mail server; 3 emails wait")
    ]


def test_outbox_send_lost_connection_returns_untried_emails_to_queue(settings, time_machine, caplog, mailoutbox):
    _use_backend(settings, backends.DropsAfterFirstBackend)
    time_machine.move_to(START, tick=False)
    sent, dropped, untried_1, untried_2 = OutboundEmailFactory.create_batch(4)

    outcome = outbox_send()

    rows = {email.pk: (email.status, email.attempts) for email in OutboundEmail.objects.all()}
    assert (outcome.sent, outcome.deferred) == (1, 3)
    assert [message.to for message in mailoutbox] == [[sent.to]]
    assert rows == {
        sent.pk: (Status.SENT, 1),
        dropped.pk: (Status.QUEUED, 1),
        untried_1.pk: (Status.QUEUED, 0),
        untried_2.pk: (Status.QUEUED, 0),
    }
    assert OutboundEmail.objects.get(pk=dropped.pk).last_error.startswith("SMTPServerDisconnected")
    assert "Outbox lost the mail server (Connection unexpectedly closed); 2 emails wait" in caplog.messages


def test_outbox_send_stopped_worker_leaves_interrupted_email_for_recovery(settings, time_machine, mailoutbox):
    _use_backend(settings, backends.StoppedAfterFirstBackend)
    time_machine.move_to(START, tick=False)
    sent, interrupted, untried = OutboundEmailFactory.create_batch(3)

    with pytest.raises(Exception, match="SoftTimeLimitExceeded"):
        outbox_send()

    rows = {email.pk: (email.status, email.attempts) for email in OutboundEmail.objects.all()}
    assert rows == {
        sent.pk: (Status.SENT, 1),
        # Whether it reached the server is unknown: recovery decides, later.
        interrupted.pk: (Status.SENDING, 1),
        untried.pk: (Status.QUEUED, 0),
    }
    # The server was fine: the untried email is due again at once, for the next worker.
    assert OutboundEmail.objects.get(pk=untried.pk).next_attempt_at == START


# --- Recovery and requeueing ---------------------------------------------------------------


def test_outbox_recover_requeues_only_emails_stuck_past_the_limit(time_machine):
    time_machine.move_to(START, tick=False)
    stuck = OutboundEmailFactory(status=Status.SENDING, attempts=1, claimed_at=START - timedelta(minutes=16))
    recent = OutboundEmailFactory(status=Status.SENDING, attempts=1, claimed_at=START - timedelta(minutes=14))

    recovered = outbox_recover()

    rows = {email.pk: (email.status, email.next_attempt_at) for email in OutboundEmail.objects.all()}
    assert recovered == 1
    assert rows[stuck.pk] == (Status.QUEUED, START)
    assert rows[recent.pk][0] == Status.SENDING
    assert OutboundEmail.objects.get(pk=stuck.pk).last_error == (
        "The worker stopped while sending (claimed over 0:15:00 ago)."
    )


def test_outbox_recover_with_a_shorter_limit_takes_back_what_it_names(time_machine):
    time_machine.move_to(START, tick=False)
    email = OutboundEmailFactory(status=Status.SENDING, attempts=1, claimed_at=START - timedelta(minutes=6))

    recovered = outbox_recover(stuck_after=timedelta(minutes=5))

    email.refresh_from_db()
    assert (recovered, email.status) == (1, Status.QUEUED)
    assert email.last_error == "The worker stopped while sending (claimed over 0:05:00 ago)."


def test_outbox_recover_of_one_batch_leaves_other_emails_to_their_own(time_machine):
    time_machine.move_to(START, tick=False)
    claimed = START - timedelta(hours=1)
    wave = OutboundEmailFactory(status=Status.SENDING, attempts=1, claimed_at=claimed, batch="wave:1")
    other_wave = OutboundEmailFactory(status=Status.SENDING, attempts=1, claimed_at=claimed, batch="wave:2")
    single = OutboundEmailFactory(status=Status.SENDING, attempts=1, claimed_at=claimed)

    recovered = outbox_recover(batch="wave:1")

    assert recovered == 1
    assert dict(OutboundEmail.objects.values_list("pk", "status")) == {
        wave.pk: Status.QUEUED,
        other_wave.pk: Status.SENDING,
        single.pk: Status.SENDING,
    }


@pytest.mark.parametrize(
    ("attempts", "message"),
    [((1,), "1 emails from dead workers (0 failed)"), ((1, 3), "2 emails from dead workers (1 failed)")],
)
def test_outbox_recover_is_logged_for_the_operator(settings, time_machine, caplog, attempts, message):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    time_machine.move_to(START, tick=False)
    for used in attempts:
        OutboundEmailFactory(status=Status.SENDING, attempts=used, claimed_at=START - timedelta(hours=1))

    with caplog.at_level("WARNING", logger="q_portal.outbox.services"):
        outbox_recover()

    assert [record.getMessage() for record in caplog.records] == [f"Outbox recovered {message}"]


def test_outbox_recover_fails_stuck_email_without_attempts_left(settings, time_machine):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    time_machine.move_to(START, tick=False)
    email = OutboundEmailFactory(status=Status.SENDING, attempts=3, claimed_at=START - timedelta(hours=1))

    outbox_recover()

    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert email.last_error.startswith("The worker stopped while sending")


def test_email_requeue_sends_failed_email_again_and_audits(django_capture_on_commit_callbacks, mailoutbox):
    administrator = UserFactory(is_staff=True, is_superuser=True)
    failed = OutboundEmailFactory(status=Status.FAILED, attempts=6, last_error="SMTPDataError: rejected")
    sent = OutboundEmailFactory(status=Status.SENT, attempts=1, sent_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        queued_again = email_requeue(email_ids=[failed.pk, sent.pk], by=administrator)

    failed.refresh_from_db()
    assert queued_again == 1
    assert (failed.status, failed.attempts) == (Status.SENT, 1)
    assert [message.to for message in mailoutbox] == [[failed.to]]
    assert list(AuditEntry.objects.values_list("action", "actor", "target_id")) == [
        ("outbox.email_requeue", administrator.pk, str(failed.pk))
    ]
