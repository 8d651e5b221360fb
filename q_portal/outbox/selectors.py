from collections.abc import Iterable

from django.utils import timezone

from .choices import Status, Stream
from .models import OutboundEmail, Suppression


def suppressions_for(*, addresses: Iterable[str]) -> dict[str, Suppression]:
    """The suppressions for these addresses, keyed by lower-cased address: one query."""
    lowered = {address.lower() for address in addresses}
    if not lowered:
        return {}
    return {suppression.email: suppression for suppression in Suppression.objects.filter(email__in=lowered)}


def is_suppressed(*, address: str, stream: Stream) -> bool:
    """Whether an email of this stream to this address would be suppressed."""
    suppression = suppressions_for(addresses=[address]).get(address.lower())
    return suppression is not None and suppression.blocks(stream)


def emails_due_count() -> int:
    """How many emails are waiting to be sent now (not those held for later)."""
    return OutboundEmail.objects.filter(status=Status.QUEUED, next_attempt_at__lte=timezone.now()).count()
