from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from .choices import Status, Stream, SuppressionReason
from .validators import validate_extra_headers, validate_single_line


class OutboundEmail(models.Model):
    """One email the portal means to send. The row is written in the transaction
    that decides to send it; a Celery task sends it after commit, and the sweep
    (`outbox.send_due`) catches anything whose task was lost or must be retried.
    `key` is unique, so the same email is never queued twice."""

    # Also importable from .choices; here so callers can write OutboundEmail.Status.SENT.
    Stream = Stream
    Status = Status

    to = models.EmailField()
    subject = models.CharField(max_length=255, validators=[validate_single_line])
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(
        default=dict, blank=True, validators=[validate_extra_headers], help_text="Extra headers, e.g. List-Unsubscribe."
    )
    key = models.CharField(
        max_length=200, unique=True, help_text="Idempotency key: queueing the same key again queues nothing."
    )
    # Derived from the key, so every attempt at one email carries the same
    # Message-ID and a receiver or ESP can drop a duplicate.
    message_id = models.CharField(max_length=255, editable=False)
    stream = models.CharField(max_length=20, choices=Stream.choices, default=Stream.TRANSACTIONAL)
    # Empty for an email sent on its own (its task after commit, then the sweep).
    # Otherwise the campaign it belongs to, e.g. "wave:12": batch rows are sent only
    # by `outbox_send(batch=...)`, at the campaign's rate, never by the sweep.
    batch = models.CharField(max_length=100, blank=True, default="", editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, help_text="When the email may next be tried.")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker last took it to send.")
    sent_at = models.DateTimeField(null=True, blank=True)
    # An iCalendar object sent with the email as a text/calendar attachment (an
    # event's new time, or its cancellation), so calendars update themselves.
    calendar = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = "outbound email"
        indexes = [
            # The sweep: status = queued AND next_attempt_at <= now, oldest first;
            # recovery (status = sending) uses its first column.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_email_due_idx"),
            # A batch's due rows (and the sweep's, batch = ""), and a batch's progress
            # counted by status.
            models.Index(fields=["batch", "status", "next_attempt_at"], name="outbox_email_batch_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status=Status.SENT, sent_at__isnull=False) | (~Q(status=Status.SENT) & Q(sent_at__isnull=True))
                ),
                name="outbox_email_sent_at_iff_sent",
            ),
            # Recovery finds dead workers' rows by claimed_at, so a row in
            # `sending` without one would be stuck for ever.
            models.CheckConstraint(
                condition=~Q(status=Status.SENDING) | Q(claimed_at__isnull=False),
                name="outbox_email_sending_is_claimed",
            ),
            models.CheckConstraint(
                condition=~Q(subject__contains="\n") & ~Q(subject__contains="\r"),
                name="outbox_email_subject_single_line",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="outbox_email_status_valid"),
            models.CheckConstraint(condition=Q(stream__in=Stream.values), name="outbox_email_stream_valid"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"


class SendThrottle(models.Model):
    """The database's pacing of one batch when there is no Redis (the `make run`
    demo): the moment the next email of the batch may go. See `throttle.py`."""

    batch = models.CharField(max_length=100, unique=True)
    next_slot_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.batch


class Suppression(models.Model):
    """An address the portal must not email: for bulk email whatever the reason,
    for transactional email only after a bounce, a complaint or an administrator's
    decision (nobody can unsubscribe from a password reset)."""

    Reason = SuppressionReason

    # Stored lower-cased, so matching is case-insensitive and uses the unique index.
    email = models.EmailField(unique=True)
    reason = models.CharField(max_length=20, choices=SuppressionReason.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="outbox_suppression_email_lower_case"),
            models.CheckConstraint(
                condition=Q(reason__in=SuppressionReason.values), name="outbox_suppression_reason_valid"
            ),
        ]

    def __str__(self):
        return self.email

    def blocks(self, stream: str) -> bool:
        return stream == Stream.BULK or self.reason != SuppressionReason.UNSUBSCRIBED
