"""The outbox: every outbound email is a row first, sent by a Celery task after
commit, never twice (the unique key, and rows claimed with SKIP LOCKED), never
lost (the sweep retries what is due and recovers what a dead worker held).

States: queued → sending → sent, or back to queued with a later next_attempt_at
(a temporary failure: 4xx, a lost connection), or failed at once (a permanent
failure: 5xx) or after OUTBOX_MAX_ATTEMPTS; queued → suppressed when a
suppression applies at send time; queued → cancelled when its batch is
cancelled; failed → queued only by `email_requeue`.

Batches (email waves). Rows queued together by `email_queue_batch` carry a batch
name ("wave:12"). They are sent only by `outbox_send(batch=..., per_minute=...)`,
paced across all workers by `throttle.py`, never by the sweep, so a paused or
throttled campaign is not sent behind its back.

What "exactly once" means here, honestly. A row is claimed (queued → sending,
committed) before anything is sent, and marked sent in its own commit straight
after the mail server accepts it, before the next email is started. So:

- Two workers never send the same row: the claim takes row locks with SKIP LOCKED
  and commits, and only the worker that claimed a row sends it. A task delivered
  twice claims nothing the second time.
- A worker that dies (SIGKILL, a lost machine) leaves its claimed rows `sending`.
  After the lease (OUTBOX_LEASE_SECONDS, well above the task time limit, so a live
  worker has been stopped by then) `outbox_recover` queues them again, so nobody
  is skipped.
- The one way to send a row twice: the worker dies after the server accepted the
  message (the end of DATA) and before its "sent" commit, a window of one
  database round trip (well under a millisecond) per email. Recovery then sends
  that email again. SMTP itself cannot close this window (RFC 1047); it is kept as
  small as it can be (one short UPDATE, nothing else in between), and every
  attempt carries the same Message-ID, derived from the key, by which receivers
  and providers drop a duplicate.
"""

import hashlib
import logging
import re
import smtplib
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from q_portal.audit.services import audit_log
from q_portal.broker import enqueue_on_commit

from .choices import Status, Stream, SuppressionReason
from .models import OutboundEmail, Suppression
from .selectors import suppressions_for
from .tasks import send_outbound_email as send_outbound_email_task
from .throttle import throttle_pacer

__all__ = [
    "BatchEmail",
    "SendOutcome",
    "Status",
    "Stream",
    "SuppressionReason",
    "email_queue",
    "email_queue_batch",
    "email_requeue",
    "outbox_cancel_batch",
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
# died (OUTBOX_LEASE_SECONDS overrides it). Must stay well above
# CELERY_TASK_TIME_LIMIT (5 minutes), after which a live worker is killed anyway,
# so recovery never races a worker still sending.
STUCK_AFTER = timedelta(minutes=15)
# A throttled batch claims at most this many seconds' worth of emails at a time,
# so a pause or cancel takes effect within seconds and a claim is far inside its lease.
THROTTLED_CLAIM_SECONDS = 5
# The sweep stops starting new batches after this long, leaving the rest to the
# next sweep, so it ends well inside CELERY_TASK_SOFT_TIME_LIMIT (4 minutes).
SWEEP_SECONDS = 120

# Transactional suppressions are exactly the reasons other than unsubscribing.
# (A tuple: a plain string is never `in` a set of enum members, whose hash differs.)
_STRONGER_THAN_UNSUBSCRIBING = (SuppressionReason.BOUNCED, SuppressionReason.COMPLAINED, SuppressionReason.MANUAL)

# SMTP replies about the mailbox itself (RFC 5321 §4.2.3): the address will never
# take mail, so it is suppressed as bounced, as a provider would.
_HARD_BOUNCE_CODES = frozenset({550, 551, 553})
# Errors about the server or our account with it, not this email: the batch stops
# and its untried rows wait, using no attempt.
_SERVER_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPNotSupportedError,
    ConnectionError,
    TimeoutError,
)


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
    calendar: str = "",
) -> OutboundEmail:
    """Queue one email under an idempotency key, inside the caller's transaction.
    `calendar`, an iCalendar object, is sent with it as a text/calendar attachment.

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
        calendar=calendar,
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
    # If the broker cannot take the task, the caller's committed work still
    # stands and the sweep sends the email within a minute.
    enqueue_on_commit(send_outbound_email_task, email_id=email.pk)
    return email


@dataclass(frozen=True)
class BatchEmail:
    """One email of a batch, rendered for its recipient."""

    to: str
    subject: str
    body_text: str
    key: str
    body_html: str = ""
    headers: dict | None = None


@dataclass(frozen=True)
class BatchQueued:
    queued: int = 0
    suppressed: int = 0


def email_queue_batch(
    *, emails: Iterable[BatchEmail], batch: str, stream: Stream = Stream.BULK, chunk_size: int = 1000
) -> BatchQueued:
    """Queue many emails of one batch inside the caller's transaction: bulk
    inserts of `chunk_size` rows, one suppression query per chunk, never a query
    per email. A key that exists already is skipped (so a batch queued twice
    queues nothing more). An address suppressed for the stream now gets a row in
    status `suppressed`, which keeps its key and shows in the batch's counts.
    Nothing is sent here: `outbox_send(batch=...)` sends the batch. The caller
    renders the emails (subject on one line, headers from `unsubscribe.py`);
    rows are not validated one by one. Returns how many were queued and how many
    suppressed."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("email_queue_batch must run inside the transaction that decides to send the batch.")
    queued = suppressed = 0
    chunk: list[BatchEmail] = []

    def flush() -> None:
        nonlocal queued, suppressed
        suppressions = suppressions_for(addresses=[email.to for email in chunk])
        now = timezone.now()
        rows = []
        for email in chunk:
            suppression = suppressions.get(email.to.lower())
            blocked = suppression is not None and suppression.blocks(stream)
            rows.append(
                OutboundEmail(
                    to=email.to,
                    subject=email.subject,
                    body_text=email.body_text,
                    body_html=email.body_html,
                    headers=email.headers or {},
                    key=email.key,
                    message_id=_message_id_for(email.key),
                    stream=stream,
                    batch=batch,
                    status=Status.SUPPRESSED if blocked else Status.QUEUED,
                    last_error=_suppressed_note(suppression) if blocked else "",
                    created_at=now,
                    next_attempt_at=now,
                )
            )
            if blocked:
                suppressed += 1
            else:
                queued += 1
        OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True)
        chunk.clear()

    for email in emails:
        chunk.append(email)
        if len(chunk) >= chunk_size:
            flush()
    if chunk:
        flush()
    return BatchQueued(queued=queued, suppressed=suppressed)


@transaction.atomic
def outbox_cancel_batch(*, batch: str, note: str = "") -> int:
    """Cancel every row of the batch still waiting to be sent (queued, including
    those waiting to retry). Rows a worker holds (`sending`) finish as they are:
    they may already be with the mail server. Returns how many were cancelled."""
    if not batch:
        raise ValueError("Only a batch can be cancelled.")
    return OutboundEmail.objects.filter(batch=batch, status=Status.QUEUED).update(
        status=Status.CANCELLED, last_error=note
    )


def outbox_send(
    *, ids: Iterable[int] | None = None, limit: int | None = None, batch: str = "", per_minute: int | None = None
) -> SendOutcome:
    """Send the emails that are due (queued, next_attempt_at passed), or only those
    of `ids` that are, at most `limit` (default OUTBOX_BATCH_SIZE) at a time.
    Without `ids` or `batch`, only emails sent on their own; with `batch`, only that batch's,
    each waiting for its moment at `per_minute` across all workers (`throttle.py`),
    in claims of at most THROTTLED_CLAIM_SECONDS' worth.

    Side effects, each committed at once (so this refuses to run inside an outer
    transaction): due rows are claimed in one short transaction with SKIP LOCKED,
    so concurrent callers never take the same row; rows whose address is
    suppressed for their stream become `suppressed`; the rest become `sending`
    with one more attempt. They are sent over one mail connection and each is
    marked `sent`, or queued again after a backoff with `last_error`, or `failed`
    after OUTBOX_MAX_ATTEMPTS. If the mail server cannot be reached or drops the
    connection, rows not yet tried go back to the queue without using an attempt.
    """
    limit = limit or _batch_size()
    if per_minute:
        limit = max(1, min(limit, per_minute * THROTTLED_CLAIM_SECONDS // 60))
    claimed, suppressed = _claim_due(ids=ids, limit=limit, batch=batch)
    outcome = SendOutcome(picked=len(claimed) + suppressed, suppressed=suppressed)
    if not claimed:
        return outcome
    pace = throttle_pacer(batch=batch, per_minute=per_minute, emails=len(claimed)) if batch and per_minute else None
    return outcome + _deliver(claimed, pace=pace)


def outbox_sweep() -> SendOutcome:
    """The safety net run by beat every minute: recover rows held by dead workers
    (`outbox_recover`), then send due rows (not a batch's: their campaign sends
    them at its rate) claim by claim until a claim comes back
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
def outbox_recover(*, stuck_after: timedelta | None = None, batch: str | None = None) -> int:
    """Put rows whose worker died mid-send (still `sending`, claimed more than
    `stuck_after` ago, by default the lease OUTBOX_LEASE_SECONDS) back in the
    queue, due now; a row that has used all its attempts becomes `failed`
    instead, so an email that kills workers cannot loop. Every batch's rows too,
    or only one `batch`'s. Returns how many rows were recovered either way.

    This is the only path that can send an email twice: the dead worker may have
    handed the email to the mail server before it died. That is acceptable because
    every attempt carries the same Message-ID (derived from the key), by which
    receivers and ESPs drop the duplicate; losing the email would not be.
    """
    now = timezone.now()
    stuck_after = stuck_after if stuck_after is not None else lease()
    stuck = OutboundEmail.objects.filter(status=Status.SENDING, claimed_at__lt=now - stuck_after)
    if batch is not None:
        stuck = stuck.filter(batch=batch)
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
        enqueue_on_commit(send_outbound_email_task, email_id=email.pk)
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
def _claim_due(*, ids: Iterable[int] | None, limit: int, batch: str) -> tuple[list[OutboundEmail], int]:
    """Take due rows under row locks, skipping rows another worker holds. Durable,
    so the claim is committed before anything is sent: a claim inside a caller's
    transaction could roll back after the email had gone. (SQLite has no row
    locks: its IMMEDIATE transactions run one at a time, which serves the same.)"""
    now = timezone.now()
    due = OutboundEmail.objects.select_for_update(skip_locked=True).filter(
        status=Status.QUEUED, next_attempt_at__lte=now
    )
    # Rows named by id are sent whatever their batch: an administrator's "Queue
    # again" of a wave's failed email sends it on its own.
    due = due.filter(pk__in=list(ids)) if ids is not None else due.filter(batch=batch)
    picked = list(due.order_by("next_attempt_at", "pk")[:limit])

    suppressions = suppressions_for(addresses=[email.to for email in picked])
    claimed, suppressed = [], 0
    for email in picked:
        suppression = suppressions.get(email.to.lower())
        if suppression is not None and suppression.blocks(email.stream):
            email.status = Status.SUPPRESSED
            email.last_error = _suppressed_note(suppression)
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


def _deliver(emails: list[OutboundEmail], *, pace=None) -> SendOutcome:
    """Send claimed rows over one connection and record each result, calling
    `pace()` (the batch's throttle) before each."""
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
            if pace is not None:
                pace()
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
                if isinstance(error, _SERVER_ERRORS):
                    logger.warning("Outbox lost the mail server (%s); %d emails wait", error, len(pending))
                    release_after = RETRY_DELAYS[0]
                    break
            else:
                # At once, before the next email: the window in which a dead
                # worker's email could be sent again is this one UPDATE.
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
    if email.calendar:
        method = _CALENDAR_METHOD.search(email.calendar)
        content_type = "text/calendar; charset=utf-8" + (f"; method={method.group(1)}" if method else "")
        message.attach("event.ics", email.calendar, content_type)
    return message


_CALENDAR_METHOD = re.compile(r"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


def _record_sent(email: OutboundEmail) -> None:
    """Mark the row sent in a commit of its own. On PostgreSQL that commit does not
    wait for the write-ahead log to reach the disk (synchronous_commit off, for
    this transaction only): it is visible to every worker at once and survives
    the worker dying; only PostgreSQL itself crashing in the next fraction of a
    second could lose it, and then the email would be sent again, the same
    duplicate as the window described above. Waiting for the disk would cost a
    flush per email (milliseconds each) for no other gain."""
    email.status = Status.SENT
    email.sent_at = timezone.now()
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        email.save(update_fields=["status", "sent_at"])
        return
    # One round trip: PostgreSQL runs a multi-statement query as one implicit
    # transaction, to which SET LOCAL applies.
    table = connection.ops.quote_name(OutboundEmail._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SET LOCAL synchronous_commit TO OFF; UPDATE {table} SET status = %s, sent_at = %s WHERE id = %s",  # noqa: S608
            [Status.SENT.value, email.sent_at, email.pk],
        )


def _record_failure(email: OutboundEmail, *, error: Exception) -> bool:
    """Fail the row at once if the server refused it for good (5xx), else queue it
    again after its backoff, or fail it after the last attempt. A mailbox that does
    not exist is suppressed as bounced. Returns whether it was failed."""
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    permanent = _is_permanent(error)
    if permanent:
        email.status = Status.FAILED
        logger.warning("Outbound email %s refused for good: %s", email.pk, email.last_error)
    elif email.attempts >= _max_attempts():
        email.status = Status.FAILED
        logger.error("Outbound email %s failed after %d attempts", email.pk, email.attempts)
    else:
        email.status = Status.QUEUED
        email.next_attempt_at = timezone.now() + RETRY_DELAYS[min(email.attempts, len(RETRY_DELAYS)) - 1]
        logger.warning("Outbound email %s attempt %d failed; retrying", email.pk, email.attempts)
    email.save(update_fields=["status", "next_attempt_at", "last_error"])
    if permanent and _is_hard_bounce(error):
        suppression_add(email=email.to, reason=SuppressionReason.BOUNCED, note=email.last_error[:500])
    return email.status == Status.FAILED


def _smtp_codes(error: Exception) -> list[int]:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return [code for code, _message in error.recipients.values()]
    if isinstance(error, smtplib.SMTPResponseException):
        return [error.smtp_code]
    return []


def _is_permanent(error: Exception) -> bool:
    """A 5xx reply about this email (its recipient or its content). A 5xx about the
    server or our account (sender refused, authentication) is not the email's
    fault: it waits like a lost connection."""
    if isinstance(error, _SERVER_ERRORS):
        return False
    codes = _smtp_codes(error)
    return bool(codes) and all(500 <= code < 600 for code in codes)


def _is_hard_bounce(error: Exception) -> bool:
    return isinstance(error, smtplib.SMTPRecipientsRefused) and all(
        code in _HARD_BOUNCE_CODES for code in _smtp_codes(error)
    )


def _suppressed_note(suppression: Suppression) -> str:
    return f"Not sent: the address is suppressed ({suppression.get_reason_display()})."


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


def lease() -> timedelta:
    """How long a claimed row may stay `sending` before it counts as abandoned."""
    seconds = getattr(settings, "OUTBOX_LEASE_SECONDS", None)
    return timedelta(seconds=seconds) if seconds else STUCK_AFTER


def _batch_size() -> int:
    return getattr(settings, "OUTBOX_BATCH_SIZE", 100)


def _max_attempts() -> int:
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", 6)
