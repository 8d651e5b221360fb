"""Recruitment email waves: a named campaign for a round, to an audience chosen
from segments, sent through the outbox at a set rate. A wave's status changes
only through `outreach.services` (the transitions are in one table
there); its emails are outbox rows in the batch `wave:<id>`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.models import Round

# Providers' limits are usually given per minute; 60,000 a minute is far above
# what one SMTP relay takes, so the upper bound only stops typing mistakes.
MAX_RATE_PER_MINUTE = 60_000
DEFAULT_RATE_PER_MINUTE = 600


class WaveStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class WaveKind(models.TextChoices):
    CAMPAIGN = "campaign", _("Email wave")
    # Created by the dispatcher for an open round's deadline, once per round and
    # number of days before closing.
    REMINDER = "reminder", _("Deadline reminder")


class Wave(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(max_length=20, choices=WaveKind.choices, default=WaveKind.CAMPAIGN)
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.PROTECT, related_name="waves")
    reminder_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"))
    # {"combine": "any" | "all", "segments": [{"kind": "subscribers", ...}, ...]}:
    # see `outreach.audiences.Audience`.
    audience = models.JSONField(default=dict)
    rate_per_minute = models.PositiveIntegerField(_("emails a minute"), default=DEFAULT_RATE_PER_MINUTE)

    status = models.CharField(max_length=20, choices=WaveStatus.choices, default=WaveStatus.DRAFT)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # Fixed when sending starts: the audience as it was then, each address once.
    recipient_count = models.PositiveIntegerField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When a sender last took a claim of this wave's emails, or the dispatcher last
    # asked for one: a sending wave quiet for long has lost its tasks.
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        # The table kept its name when waves moved out of `applications`.
        db_table = "applications_wave"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=WaveStatus.values), name="wave_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=WaveStatus.SCHEDULED) | Q(scheduled_for__isnull=False),
                name="scheduled_wave_has_time",
            ),
            models.CheckConstraint(
                condition=Q(rate_per_minute__gte=1, rate_per_minute__lte=MAX_RATE_PER_MINUTE),
                name="wave_rate_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(kind=WaveKind.REMINDER) | Q(round__isnull=False, reminder_days__isnull=False),
                name="reminder_wave_has_round_and_days",
            ),
            models.UniqueConstraint(
                fields=["round", "reminder_days"],
                condition=Q(kind=WaveKind.REMINDER),
                name="one_reminder_wave_per_round_and_days",
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_for"], name="wave_status_due_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("waves:detail", kwargs={"pk": self.pk})

    @property
    def batch(self) -> str:
        """The outbox batch holding this wave's emails."""
        return f"wave:{self.pk}"

    def recipient_key(self, address: str) -> str:
        """The outbox key of this wave's email to an address: one email per person.
        A reminder's key names the round and the days, so a person gets each
        reminder once even if its wave were made again."""
        address = address.strip().lower()
        if self.kind == WaveKind.REMINDER:
            return f"reminder:{self.round_id}:{self.reminder_days}:{address}"
        return f"wave:{self.pk}:{address}"

    @property
    def is_editable(self) -> bool:
        return self.status in (WaveStatus.DRAFT, WaveStatus.SCHEDULED)

    @property
    def is_finished(self) -> bool:
        return self.status in (WaveStatus.SENT, WaveStatus.CANCELLED)
