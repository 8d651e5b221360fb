from django.db import models
from django.utils.translation import gettext_lazy as _


class Stream(models.TextChoices):
    """Why an email is sent, which decides what can stop it (see `Suppression.blocks`)."""

    # Account and application emails the person needs: confirmations, password
    # resets, decisions. Nobody can unsubscribe from these.
    TRANSACTIONAL = "transactional", _("Transactional")
    # Campaigns and updates, which the person may unsubscribe from.
    BULK = "bulk", _("Bulk")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed")
    # A batch's row that will not be sent: its campaign was cancelled first.
    CANCELLED = "cancelled", _("Cancelled")


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Complained (marked as spam)")
    MANUAL = "manual", _("Added by an administrator")
