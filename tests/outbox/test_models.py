import pytest
from django.db import IntegrityError
from django.utils import timezone

from q_portal.outbox.models import Suppression
from q_portal.outbox.services import Status, SuppressionReason
from tests.outbox.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "state",
    [
        {"status": Status.SENT, "sent_at": None},
        {"status": Status.QUEUED, "sent_at": timezone.now()},
        {"status": Status.SENDING, "claimed_at": None},
        {"status": "delivered"},
        {"stream": "newsletter"},
        {"subject": "Hello\nBcc: everyone@example.org"},
    ],
)
def test_outbound_email_impossible_state_is_refused_by_database(state):
    with pytest.raises(IntegrityError):
        OutboundEmailFactory(**state)


def test_outbound_email_same_key_is_refused_by_database():
    OutboundEmailFactory(key="application:1:received")

    with pytest.raises(IntegrityError):
        OutboundEmailFactory(key="application:1:received")


def test_suppression_mixed_case_address_is_refused_by_database():
    with pytest.raises(IntegrityError):
        Suppression.objects.create(email="Asha@example.org", reason=SuppressionReason.MANUAL)
