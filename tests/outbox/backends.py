"""Mail servers that misbehave, selected with settings.EMAIL_BACKEND: the outside
world is the only thing these tests replace."""

import smtplib
import threading
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class RejectingBackend(BaseEmailBackend):
    """Rejects every message for good, as a server answering 554 does."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(554, b"5.7.1 Message rejected")


class BusyBackend(BaseEmailBackend):
    """Turns every message away for now, as a busy or greylisting server answering 451 does."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")


class NoSuchMailboxBackend(BaseEmailBackend):
    """Refuses the recipient: the mailbox does not exist (550)."""

    def send_messages(self, email_messages):
        recipients = {address: (550, b"5.1.1 No such user") for message in email_messages for address in message.to}
        raise smtplib.SMTPRecipientsRefused(recipients)


class SenderRefusedBackend(BaseEmailBackend):
    """Refuses our sender address: a problem with our account, not the email."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "noreply@q-portal.example.org")


class UnreachableBackend(BaseEmailBackend):
    """No server listening."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages):
        raise AssertionError("nothing may be sent without a connection")


class RejectsFirstAttemptBackend(LocmemBackend):
    """Turns away the first attempt at each message (451, try again later) and
    accepts the next; remembers the Message-ID of every attempt."""

    attempts: list[str] = []

    def send_messages(self, email_messages):
        for message in email_messages:
            message_id = message.message()["Message-ID"]
            type(self).attempts.append(message_id)
            if type(self).attempts.count(message_id) == 1:
                raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
        return super().send_messages(email_messages)


class CountingBackend(LocmemBackend):
    """Delivers to the locmem outbox and counts connections made, opened and closed."""

    created = 0
    opened = 0
    closed = 0
    _lock = threading.Lock()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with self._lock:
            type(self).created += 1

    def open(self):
        with self._lock:
            type(self).opened += 1
        return True

    def close(self):
        with self._lock:
            type(self).closed += 1


class SlowBackend(LocmemBackend):
    """Takes a moment per message, as a real server does, so that concurrent
    workers overlap."""

    def send_messages(self, email_messages):
        time.sleep(0.005)
        return super().send_messages(email_messages)


class DropsAfterFirstBackend(LocmemBackend):
    """Accepts one message, then the server hangs up."""

    def open(self):
        self.delivered = 0
        return True

    def send_messages(self, email_messages):
        if self.delivered:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        self.delivered += len(email_messages)
        return super().send_messages(email_messages)


class StoppedAfterFirstBackend(LocmemBackend):
    """Accepts one message; during the second, Celery's soft time limit fires."""

    def open(self):
        self.delivered = 0
        return True

    def send_messages(self, email_messages):
        if self.delivered:
            raise SoftTimeLimitExceeded()
        self.delivered += len(email_messages)
        return super().send_messages(email_messages)


class TimingBackend(LocmemBackend):
    """Delivers to the locmem outbox and notes when each message arrived."""

    times: list[float] = []
    _lock = threading.Lock()

    def send_messages(self, email_messages):
        with self._lock:
            type(self).times.extend(time.monotonic() for _message in email_messages)
        return super().send_messages(email_messages)


class ReplyingBackend(BaseEmailBackend):
    """Answers every message with the error a test sets in `reply` (an SMTP
    reply code and text, as the server would)."""

    reply: Exception = smtplib.SMTPDataError(451, b"4.3.0 Try again later")

    def send_messages(self, email_messages):
        raise type(self).reply


class RefusingSmtpServer:
    """A real SMTP server on 127.0.0.1 (aiosmtpd, in a thread) for Django's own SMTP
    backend: it refuses any recipient whose address starts with "gone@" (550, no
    such user) and records the recipients of every message it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        from tests.waves_worker.smtp_sink import free_port

        self.received: list[list[str]] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def __enter__(self) -> "RefusingSmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc_info):
        self.controller.stop()


class AcceptsNothingBackend(BaseEmailBackend):
    """Says it sent nothing, without an error (as a backend set to fail silently does)."""

    def send_messages(self, email_messages):
        return 0
