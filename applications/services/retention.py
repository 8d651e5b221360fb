"""The retention policy for recruitment data, run daily by Celery beat: what is no
longer needed is deleted, and every run is audited with its counts."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from q_portal.audit.services import audit_log

from ..choices import ApplicationStatus, SubscriptionStatus
from ..models import Application, UpdateSubscription


@transaction.atomic
def retention_run(*, now=None) -> dict[str, int]:
    """Delete abandoned drafts (never submitted, their round closed more than
    RETENTION_ABANDONED_DRAFT_DAYS ago) and registrations for updates never
    confirmed within RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS. Side effect: one
    audit entry with the counts. Returns the counts."""
    now = now or timezone.now()
    draft_cutoff = now - timedelta(days=settings.RETENTION_ABANDONED_DRAFT_DAYS)
    subscription_cutoff = now - timedelta(days=settings.RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS)

    abandoned = Application.objects.filter(
        Q(status=ApplicationStatus.DRAFT) & Q(reference__isnull=True) & Q(round__closes_at__lt=draft_cutoff)
    )
    unconfirmed = UpdateSubscription.objects.filter(
        status=SubscriptionStatus.PENDING, consented_at__lt=subscription_cutoff
    )
    counts = {
        "abandoned_drafts_deleted": abandoned.delete()[1].get(Application._meta.label, 0),
        "unconfirmed_subscriptions_deleted": unconfirmed.delete()[1].get(UpdateSubscription._meta.label, 0),
    }
    audit_log(actor=None, action="retention.run", summary="Retention policy applied", changes=counts)
    return counts
