from collections.abc import Iterable

from .choices import Stream
from .models import Suppression


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
