"""Rows in a given state, made directly (not through `email_queue`, so no task is
queued): what the sweep and the workers find in the table."""

import factory

from q_portal.outbox.choices import Stream
from q_portal.outbox.models import OutboundEmail


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    """A queued transactional email, due now."""

    class Meta:
        model = OutboundEmail

    to = factory.Sequence(lambda n: f"recipient{n}@example.org")
    subject = "Your application"
    body_text = "Thank you for applying."
    key = factory.Sequence(lambda n: f"test:{n}")
    message_id = factory.Sequence(lambda n: f"<test-{n}@q-portal.example.org>")
    stream = Stream.TRANSACTIONAL
