"""Unsubscribe links for every email the portal sends.

A link carries the address, signed (so nobody can unsubscribe someone else by
editing it) and never expiring: an unsubscribe link in an old email must still
work. The path `/updates/unsubscribe/<token>/` is a contract point (DESIGN.md §4),
so it is written here literally rather than reversed from an app's URLconf, which
infrastructure must not import.

Pass `unsubscribe_headers(address)` as `headers=` to `email_queue`, and put
`unsubscribe_url(address)` in the body, for every email: mail clients then offer
their own one-click "Unsubscribe" button (RFC 2369 and RFC 8058).
"""

from django.conf import settings
from django.core import signing

__all__ = ["address_from_unsubscribe_token", "unsubscribe_headers", "unsubscribe_token", "unsubscribe_url"]

# A salt of its own, so no other signed value in the portal can pass for an
# unsubscribe token, nor an unsubscribe token for anything else.
_SALT = "q_portal.outbox.unsubscribe"
UNSUBSCRIBE_PATH = "/updates/unsubscribe/{token}/"


def _normalise(address: str) -> str:
    return address.strip().lower()


def unsubscribe_token(address: str) -> str:
    """A signed, URL-safe token naming the address (lower-cased). No timestamp, so
    it never expires; it stops working only if SECRET_KEY is changed without
    keeping the old key in SECRET_KEY_FALLBACKS."""
    return signing.Signer(salt=_SALT).sign_object(_normalise(address))


def address_from_unsubscribe_token(token) -> str | None:
    """The address a token names, or None when the token is not one of ours
    (tampered, cut short, signed with another salt, or not text at all)."""
    if not isinstance(token, str) or not token or len(token) > 1000:
        return None
    try:
        address = signing.Signer(salt=_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not isinstance(address, str) or "@" not in address:
        return None
    return address


def unsubscribe_url(address: str) -> str:
    """The absolute link that unsubscribes the address with one click."""
    return settings.SITE_URL.rstrip("/") + UNSUBSCRIBE_PATH.format(token=unsubscribe_token(address))


def unsubscribe_headers(address: str) -> dict[str, str]:
    """`List-Unsubscribe` and the RFC 8058 one-click `List-Unsubscribe-Post`
    headers for an email to this address."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(address)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
