"""The outbox: every outbound email is a row first, sent by a Celery task after
commit, never twice (the unique key, and rows claimed with SKIP LOCKED), never
lost (the sweep retries what is due and recovers what a dead worker held).

States: queued → sending → sent, or back to queued with a later next_attempt_at,
or failed after OUTBOX_MAX_ATTEMPTS; queued → suppressed when a suppression
applies at send time; failed → queued only by `email_requeue`.
"""

import hashlib
import logging
import smtplib
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from q_portal.audit.services import audit_log

from . import tasks
from .choices import Status, Stream, SuppressionReason
from .models import OutboundEmail, Suppression
from .selectors import suppressions_for

__all__ = [
    "SendOutcome",
    "Status",
    "Stream",
    "SuppressionReason",
    "email_queue",
    "email_requeue",
    "outbox_recover",
    "outbox_send",
    "outbox_sweep",
    "suppression_add",
    "suppression_lift_unsubscribe",
]

logger = logging.getLogger(__name__)

# Wait after the 1st, 2nd, ... failed attempt; the last step repeats if
# OUTBOX_MAX_ATTEMPTS allows more attempts than there are steps.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
# A row still `sending` this long after it was claimed belongs to a worker that
# died. Must stay well above CELERY_TASK_TIME_LIMIT (5 minutes), after which a
# live worker is killed anyway, so recovery never races a worker still sending.
STUCK_AFTER = timedelta(minutes=15)
# The sweep stops starting new batches after this long, leaving the rest to the
# next sweep, so it ends well inside CELERY_TASK_SOFT_TIME_LIMIT (4 minutes).
SWEEP_SECONDS = 120

# Transactional suppressions are exactly the reasons other than unsubscribing.
# (A tuple: a plain string is never `in` a set of enum members, whose hash differs.)
_STRONGER_THAN_UNSUBSCRIBING = (SuppressionReason.BOUNCED, SuppressionReason.COMPLAINED, SuppressionReason.MANUAL)


@dataclass(frozen=True)
class SendOutcome:
    """What one `outbox_send` or `outbox_sweep` did with the rows it took."""

    picked: int = 0  # due rows taken off the queue: claimed to send, or suppressed
    sent: int = 0
    suppressed: int = 0
    deferred: int = 0  # back in the queue for a later attempt
    failed: int = 0  # given up after the last attempt

    def __add__(self, other: "SendOutcome") -> "SendOutcome":
        return SendOutcome(
            picked=self.picked + other.picked,
            sent=self.sent + other.sent,
            suppressed=self.suppressed + other.suppressed,
            deferred=self.deferred + other.deferred,
            failed=self.failed + other.failed,
        )


@transaction.atomic
def email_queue(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    key: str,
    stream: Stream = Stream.TRANSACTIONAL,
    headers: dict | None = None,
) -> OutboundEmail:
    """Queue one email under an idempotency key, inside the caller's transaction.

    If an email with this key exists (queued, sent or otherwise) it is returned
    unchanged and nothing more happens. Otherwise the row is validated and
    created, and after commit a `outbox.send_email` task is queued for it; the
    sweep sends it anyway if that task is lost. Raises ValidationError for a bad
    address, a subject with a line break, or a reserved or malformed header.
    """
    existing = OutboundEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    email = OutboundEmail(
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        key=key,
        message_id=_message_id_for(key),
        stream=stream,
        headers=headers or {},
    )
    # Uniqueness of the key is the database's job: a second caller racing on the
    # same key blocks on the unique index until the first commits, then gets an
    # IntegrityError here and takes the first caller's row. The check constraints
    # are left to the database too (checking each would cost a query per email in
    # a wave): for a new row the field validators state the same rules.
    email.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            email.save(force_insert=True)
    except IntegrityError:
        existing = OutboundEmail.objects.filter(key=key).first()
        if existing is None:
            raise
        return existing
    # Robust: if the broker cannot take the task, the caller's committed work
    # still stands and the sweep sends the email within a minute.
    transaction.on_commit(partial(tasks.send_outbound_email.delay, email_id=email.pk), robust=True)
    return email


def outbox_send(*, ids: Iterable[int] | None = None, limit: int | None = None) -> SendOutcome:
    """Send the emails that are due (queued, next_attempt_at passed), or only those
    of `ids` that are, at most `limit` (default OUTBOX_BATCH_SIZE) at a time.

    Side effects, each committed at once (so this refuses to run inside an outer
    transaction): due rows are claimed in one short transaction with SKIP LOCKED,
    so concurrent callers never take the same row; rows whose address is
    suppressed for their stream become `suppressed`; the rest become `sending`
    with one more attempt. They are sent over one mail connection and each is
    marked `sent`, or queued again after a backoff with `last_error`, or `failed`
    after OUTBOX_MAX_ATTEMPTS. If the mail server cannot be reached or drops the
    connection, rows not yet tried go back to the queue without using an attempt.
    """
    claimed, suppressed = _claim_due(ids=ids, limit=limit or _batch_size())
    outcome = SendOutcome(picked=len(claimed) + suppressed, suppressed=suppressed)
    if not claimed:
        return outcome
    return outcome + _deliver(claimed)


def outbox_sweep() -> SendOutcome:
    """The safety net run by beat every minute: recover rows held by dead workers
    (`outbox_recover`), then send due rows batch by batch until a batch comes back
    short (nothing more is due) or SWEEP_SECONDS have passed. Side effects: those
    of `outbox_recover` and `outbox_send`."""
    outbox_recover()
    batch_size = _batch_size()
    started = time.monotonic()
    total = SendOutcome()
    while True:
        outcome = outbox_send(limit=batch_size)
        total += outcome
        if outcome.picked < batch_size or time.monotonic() - started > SWEEP_SECONDS:
            return total


@transaction.atomic
def outbox_recover(*, stuck_after: timedelta = STUCK_AFTER) -> int:
    """Put rows whose worker died mid-send (still `sending`, claimed more than
    `stuck_after` ago) back in the queue, due now; a row that has used all its
    attempts becomes `failed` instead, so an email that kills workers cannot loop.
    Returns how many rows were recovered either way.

    This is the only path that can send an email twice: the dead worker may have
    handed the email to the mail server before it died. That is acceptable because
    every attempt carries the same Message-ID (derived from the key), by which
    receivers and ESPs drop the duplicate; losing the email would not be.
    """
    now = timezone.now()
    stuck = OutboundEmail.objects.filter(status=Status.SENDING, claimed_at__lt=now - stuck_after)
    note = f"The worker stopped while sending (claimed over {stuck_after} ago)."
    gave_up = stuck.filter(attempts__gte=_max_attempts()).update(status=Status.FAILED, last_error=note)
    requeued = stuck.update(status=Status.QUEUED, next_attempt_at=now, last_error=note)
    if gave_up or requeued:
        logger.warning("Outbox recovered %d emails from dead workers (%d failed)", gave_up + requeued, gave_up)
    return gave_up + requeued


@transaction.atomic
def email_requeue(*, email_ids: Iterable[int], by) -> int:
    """Queue failed emails again (the admin's "Queue again"), due now with a fresh
    set of attempts. Emails that are not `failed` are left alone. Side effects:
    one audit entry per email queued again, and after commit a send task for each.
    Returns how many were queued again."""
    emails = list(OutboundEmail.objects.select_for_update().filter(pk__in=list(email_ids), status=Status.FAILED))
    now = timezone.now()
    for email in emails:
        email.status = Status.QUEUED
        email.attempts = 0
        email.next_attempt_at = now
        email.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit_log(actor=by, action="outbox.email_requeue", target=email, summary="Failed email queued again")
        transaction.on_commit(partial(tasks.send_outbound_email.delay, email_id=email.pk), robust=True)
    return len(emails)


@transaction.atomic
def suppression_add(*, email: str, reason: SuppressionReason, note: str = "", by=None) -> Suppression:
    """Stop emailing an address (stored lower-cased). Idempotent: an existing
    suppression is returned as it is, except that one for unsubscribing is raised
    to a stronger reason (bounced, complained, manual), which also stops
    transactional email. Emails already queued are checked when they are sent.
    Side effects: an audit entry when a suppression is created or raised (`by`
    is None for the person themselves or a bounce report)."""
    address = email.strip().lower()
    suppression = Suppression.objects.select_for_update().filter(email=address).first()
    if suppression is None:
        suppression = Suppression(email=address, reason=reason, note=note)
        suppression.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                suppression.save(force_insert=True)
        except IntegrityError:
            # Someone else suppressed the address at the same moment: theirs stands.
            return Suppression.objects.get(email=address)
        audit_log(actor=by, action="outbox.suppression_add", target=suppression, summary=suppression.reason)
        return suppression
    if suppression.reason == SuppressionReason.UNSUBSCRIBED and reason in _STRONGER_THAN_UNSUBSCRIBING:
        suppression.reason = reason
        suppression.note = note or suppression.note
        suppression.save(update_fields=["reason", "note"])
        audit_log(actor=by, action="outbox.suppression_raise", target=suppression, summary=suppression.reason)
    return suppression


@transaction.atomic
def suppression_lift_unsubscribe(*, email: str, by=None) -> bool:
    """Remove the address's suppression if its reason is unsubscribing (the person
    asked for email again); a bounce, complaint or manual suppression stays. Side
    effect: an audit entry when one is removed. Returns whether one was."""
    suppression = (
        Suppression.objects.select_for_update()
        .filter(email=email.strip().lower(), reason=SuppressionReason.UNSUBSCRIBED)
        .first()
    )
    if suppression is None:
        return False
    audit_log(actor=by, action="outbox.suppression_remove", target=suppression, summary=suppression.reason)
    suppression.delete()
    return True


# --- Sending ----------------------------------------------------------------------


@transaction.atomic(durable=True)
def _claim_due(*, ids: Iterable[int] | None, limit: int) -> tuple[list[OutboundEmail], int]:
    """Take due rows under row locks, skipping rows another worker holds. Durable,
    so the claim is committed before anything is sent: a claim inside a caller's
    transaction could roll back after the email had gone."""
    now = timezone.now()
    due = OutboundEmail.objects.select_for_update(skip_locked=True).filter(
        status=Status.QUEUED, next_attempt_at__lte=now
    )
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    picked = list(due.order_by("next_attempt_at", "pk")[:limit])

    suppressions = suppressions_for(addresses=[email.to for email in picked])
    claimed, suppressed = [], 0
    for email in picked:
        suppression = suppressions.get(email.to.lower())
        if suppression is not None and suppression.blocks(email.stream):
            email.status = Status.SUPPRESSED
            email.last_error = f"Not sent: the address is suppressed ({suppression.get_reason_display()})."
            email.save(update_fields=["status", "last_error"])
            suppressed += 1
        else:
            claimed.append(email)

    if claimed:
        OutboundEmail.objects.filter(pk__in=[email.pk for email in claimed]).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        for email in claimed:
            email.status = Status.SENDING
            email.claimed_at = now
            email.attempts += 1
    return claimed, suppressed


def _deliver(emails: list[OutboundEmail]) -> SendOutcome:
    """Send claimed rows over one connection and record each result."""
    pending = deque(emails)
    sent = deferred = failed = 0
    # Rows never tried go back due at once unless the mail server is the problem.
    release_after = timedelta(0)
    connection = None
    try:
        try:
            connection = get_connection(fail_silently=False)
            connection.open()
        except Exception:
            logger.exception("Outbox could not connect to the mail server; %d emails wait", len(pending))
            release_after = RETRY_DELAYS[0]
            return SendOutcome(deferred=len(pending))
        while pending:
            # Off the pending list before sending: if the worker is stopped now
            # (time limit, crash), whether this one went is unknown, so it stays
            # `sending` for recovery rather than being released.
            email = pending.popleft()
            try:
                if connection.send_messages([_message_for(email, connection=connection)]) == 0:
                    raise smtplib.SMTPException("The mail backend accepted no message.")
            except SoftTimeLimitExceeded:
                raise
            except Exception as error:
                if _record_failure(email, error=error):
                    failed += 1
                else:
                    deferred += 1
                if isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError):
                    logger.warning("Outbox lost the mail server connection; %d emails wait", len(pending))
                    release_after = RETRY_DELAYS[0]
                    break
            else:
                _record_sent(email)
                sent += 1
        return SendOutcome(sent=sent, deferred=deferred + len(pending), failed=failed)
    finally:
        if connection is not None:
            _close_quietly(connection)
        if pending:
            _release(pending, after=release_after)


def _message_for(email: OutboundEmail, *, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={**email.headers, "Message-ID": email.message_id},
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def _record_sent(email: OutboundEmail) -> None:
    email.status = Status.SENT
    email.sent_at = timezone.now()
    email.save(update_fields=["status", "sent_at"])


def _record_failure(email: OutboundEmail, *, error: Exception) -> bool:
    """Queue the row again after its backoff, or fail it after the last attempt.
    Returns whether it was failed."""
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    if email.attempts >= _max_attempts():
        email.status = Status.FAILED
        logger.error("Outbound email %s failed after %d attempts", email.pk, email.attempts)
    else:
        email.status = Status.QUEUED
        email.next_attempt_at = timezone.now() + RETRY_DELAYS[min(email.attempts, len(RETRY_DELAYS)) - 1]
        logger.warning("Outbound email %s attempt %d failed; retrying", email.pk, email.attempts)
    email.save(update_fields=["status", "next_attempt_at", "last_error"])
    return email.status == Status.FAILED


def _release(emails: Iterable[OutboundEmail], *, after: timedelta) -> None:
    """Rows claimed but never tried go back to the queue without using an attempt."""
    OutboundEmail.objects.filter(pk__in=[email.pk for email in emails], status=Status.SENDING).update(
        status=Status.QUEUED, attempts=F("attempts") - 1, next_attempt_at=timezone.now() + after
    )


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:
        logger.warning("Outbox could not close the mail connection cleanly", exc_info=True)


def _message_id_for(key: str) -> str:
    """The same key always gives the same Message-ID, with the sender's domain on
    the right (spam filters distrust a Message-ID without one); the key itself
    stays private."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "q-portal"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def _batch_size() -> int:
    return getattr(settings, "OUTBOX_BATCH_SIZE", 100)


def _max_attempts() -> int:
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", 6)
