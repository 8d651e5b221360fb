import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from q_portal.outbox.models import OutboundEmail, Suppression
from q_portal.outbox.services import Status, SuppressionReason
from tests.factories import UserFactory, with_totp
from tests.outbox.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    user = with_totp(UserFactory(is_staff=True, is_superuser=True))
    client.force_login(user)
    return user


def test_outbound_email_admin_lists_emails(client, administrator):
    OutboundEmailFactory(to="asha@example.org", subject="Your application")

    response = client.get(reverse("admin:outbox_outboundemail_changelist"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "asha@example.org" in content
    assert "Your application" in content


def test_outbound_email_admin_cannot_add_or_change(client, administrator):
    email = OutboundEmailFactory(subject="Original")

    add = client.get(reverse("admin:outbox_outboundemail_add"))
    change = client.post(reverse("admin:outbox_outboundemail_change", args=[email.pk]), {"subject": "Changed"})

    email.refresh_from_db()
    assert (add.status_code, change.status_code) == (403, 403)
    assert email.subject == "Original"


def test_outbound_email_admin_queue_again_sends_failed_email_only(
    client, administrator, django_capture_on_commit_callbacks, mailoutbox
):
    failed = OutboundEmailFactory(status=Status.FAILED, attempts=6)
    suppressed = OutboundEmailFactory(status=Status.SUPPRESSED)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:outbox_outboundemail_changelist"),
            {"action": "queue_again", ACTION_CHECKBOX_NAME: [failed.pk, suppressed.pk], "index": 0},
            follow=True,
        )

    assert [str(message) for message in response.context["messages"]] == [
        "1 email queued again.",
        "1 email was not queued again because it had not failed.",
    ]
    assert dict(OutboundEmail.objects.values_list("pk", "status")) == {
        failed.pk: Status.SENT,
        suppressed.pk: Status.SUPPRESSED,
    }
    assert [message.to for message in mailoutbox] == [[failed.to]]


def test_suppression_admin_stores_address_lower_cased(client, administrator):
    response = client.post(
        reverse("admin:outbox_suppression_add"),
        {"email": "Asha@Example.ORG", "reason": SuppressionReason.MANUAL, "note": "asked by phone"},
    )

    assert response.status_code == 302
    assert list(Suppression.objects.values_list("email", "reason")) == [("asha@example.org", SuppressionReason.MANUAL)]
