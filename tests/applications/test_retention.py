from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from applications.choices import SubscriptionStatus
from applications.models import Application, UpdateSubscription
from q_portal.audit.models import AuditEntry
from q_portal.retention.tasks import retention_apply as apply_retention
from tests.factories.applications import ApplicationFactory, RoundFactory, complete, submitted

pytestmark = pytest.mark.django_db


def subscription(email, status, consented_days_ago):
    return UpdateSubscription.objects.create(
        email=email, status=status, consented_at=timezone.now() - timedelta(days=consented_days_ago)
    )


def test_retention_anonymises_abandoned_drafts_and_deletes_unconfirmed_registrations_only():
    round = RoundFactory(closes_at=timezone.now() + timedelta(days=1))
    abandoned = ApplicationFactory(round=round)
    reopened = complete(ApplicationFactory(round=round))
    reopened.reference = "Q-2026-99999"  # was submitted once, then reopened: kept
    reopened.save()
    kept_submitted = submitted(ApplicationFactory(round=round))

    with time_machine.travel(round.closes_at + timedelta(days=91)):
        subscription("old@example.org", SubscriptionStatus.PENDING, consented_days_ago=31)
        subscription("new@example.org", SubscriptionStatus.PENDING, consented_days_ago=29)
        subscription("yes@example.org", SubscriptionStatus.CONFIRMED, consented_days_ago=400)
        counts = apply_retention()

    assert counts["applications.Application:drafts"] == 1
    assert counts["applications.UpdateSubscription:unconfirmed"] == 1
    assert counts["applications.Application"] == 0
    # Kept as a count of applications started (the insight funnel's), without the person.
    abandoned.refresh_from_db()
    assert (abandoned.applicant, abandoned.full_name, abandoned.anonymised_at is not None) == (None, "", True)
    assert set(Application.objects.filter(anonymised_at__isnull=True).values_list("pk", flat=True)) == {
        reopened.pk,
        kept_submitted.pk,
    }
    assert set(UpdateSubscription.objects.values_list("email", flat=True)) == {"yes@example.org", "new@example.org"}
    entry = AuditEntry.objects.get(action="retention.run")
    assert entry.changes["counts"] == counts


def test_retention_keeps_drafts_of_a_round_closed_recently():
    round = RoundFactory(closes_at=timezone.now() + timedelta(days=1))
    draft = ApplicationFactory(round=round)

    with time_machine.travel(round.closes_at + timedelta(days=89)):
        counts = apply_retention()

    assert counts["applications.Application:drafts"] == 0
    draft.refresh_from_db()
    assert draft.anonymised_at is None and draft.applicant is not None
