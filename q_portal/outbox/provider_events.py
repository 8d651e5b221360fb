"""What the email provider reports after sending, through django-anymail's
tracking webhooks (production sends through the organisation's provider with
anymail; see `q_portal/settings/production.py`): a permanent bounce, a refusal or
a spam complaint becomes a suppression, as an SMTP refusal at sending does
(`outbox_send`), so the address is not emailed again. Anymail checks the
webhook's credentials and turns each provider's format into one event; this
receiver is its thin entry point and calls one service."""

import logging

from django.core.exceptions import ValidationError

from .choices import SuppressionReason
from .services import suppression_add

logger = logging.getLogger(__name__)

# Anymail's normalised event types that stop email to the address.
SUPPRESSING_EVENTS = {
    "bounced": SuppressionReason.BOUNCED,  # a permanent bounce (a soft one is "deferred")
    "rejected": SuppressionReason.BOUNCED,  # the provider refused to send (e.g. on its own list)
    "complained": SuppressionReason.COMPLAINED,
    "unsubscribed": SuppressionReason.UNSUBSCRIBED,  # through the provider's own link
}


def provider_event_received(sender, event, esp_name: str, **kwargs) -> None:
    """Anymail's `tracking` signal: suppress the address of a bounce, refusal,
    complaint or unsubscription; ignore every other event."""
    reason = SUPPRESSING_EVENTS.get(event.event_type)
    if reason is None or not event.recipient:
        return
    detail = event.description or event.reject_reason or ""
    note = f"{esp_name} reported {event.event_type}" + (f": {detail}" if detail else "")
    try:
        suppression_add(email=event.recipient, reason=reason, note=note[:500])
    except ValidationError:
        # Not an address the portal could have sent to: nothing to stop. Answering
        # the webhook normally keeps the provider from sending it again and again.
        logger.warning("%s reported %s for %r: not an email address", esp_name, event.event_type, event.recipient)
