"""Production sends through the organisation's provider with django-anymail; the
provider's bounce and complaint webhooks become suppressions. Anymail's own test
backend stands in for the provider, and its `tracking` signal (what its webhook
views send after checking the provider's credentials) for the webhook."""

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail

from q_portal.audit.models import AuditEntry
from q_portal.outbox.models import OutboundEmail, Suppression
from q_portal.outbox.services import Status, Stream, SuppressionReason, email_queue, outbox_send

pytestmark = pytest.mark.django_db


def _provider_reports(event_type: str, recipient: str, **details) -> None:
    event = AnymailTrackingEvent(event_type=event_type, recipient=recipient, message_id="provider-1", **details)
    tracking.send(sender=object, event=event, esp_name="Postmark")


def _queue(to: str, stream=Stream.TRANSACTIONAL) -> OutboundEmail:
    return email_queue(to=to, subject="Your application", body_text="Thank you.", key=f"test:{to}", stream=stream)


def test_a_bounce_reported_by_the_provider_stops_email_to_the_address(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    first = _queue("Asha.Patel@example.org")
    outbox_send(ids=[first.pk])
    assert [message.to for message in mail.outbox] == [["Asha.Patel@example.org"]]

    _provider_reports("bounced", "Asha.Patel@example.org", description="Mailbox does not exist")

    suppression = Suppression.objects.get()
    assert (suppression.email, suppression.reason, suppression.note) == (
        "asha.patel@example.org",
        SuppressionReason.BOUNCED,
        "Postmark reported bounced: Mailbox does not exist",
    )
    assert AuditEntry.objects.filter(action="outbox.suppression_add").count() == 1
    second = _queue("asha.patel@example.org")
    outbox_send(ids=[second.pk])
    second.refresh_from_db()
    assert second.status == Status.SUPPRESSED
    assert len(mail.outbox) == 1


def test_a_complaint_raises_an_unsubscription_so_transactional_email_stops_too():
    _provider_reports("unsubscribed", "sam@example.org")
    assert Suppression.objects.get().reason == SuppressionReason.UNSUBSCRIBED

    _provider_reports("complained", "sam@example.org")

    assert list(Suppression.objects.values_list("email", "reason")) == [("sam@example.org", "complained")]


@pytest.mark.parametrize("event_type", ["queued", "sent", "delivered", "deferred", "opened", "clicked", "unknown"])
def test_other_events_change_nothing(event_type):
    _provider_reports(event_type, "sam@example.org")

    assert Suppression.objects.count() == 0


def test_an_event_without_a_usable_address_is_ignored():
    _provider_reports("bounced", "")
    _provider_reports("bounced", "not an address")

    assert Suppression.objects.count() == 0
