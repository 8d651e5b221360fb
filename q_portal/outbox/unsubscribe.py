"""Unsubscribe links for every email the portal sends.

A link carries the address encrypted (AES-SIV, with a key derived from
SECRET_KEY): nobody can read the address from the link (it would sit in server
logs and browser history) nor unsubscribe someone else by editing it, and it
never expires: an unsubscribe link in an old email must still work (as do the
older links that carried the address signed but readable).

The path `/updates/unsubscribe/<token>/` is a contract point (DESIGN.md §4),
so it is written here literally rather than reversed from an app's URLconf, which
infrastructure must not import.

Pass `unsubscribe_headers(address)` as `headers=` to `email_queue`, and put
`unsubscribe_url(address)` in the body, for every email: mail clients then offer
their own one-click "Unsubscribe" button (RFC 2369 and RFC 8058).
"""

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from django.conf import settings
from django.core import signing
from django.utils.encoding import force_bytes

__all__ = ["address_from_unsubscribe_token", "unsubscribe_headers", "unsubscribe_token", "unsubscribe_url"]

# A salt of its own, so no other signed value in the portal can pass for an
# unsubscribe token, nor an unsubscribe token for anything else.
_SALT = "q_portal.outbox.unsubscribe"
UNSUBSCRIBE_PATH = "/updates/unsubscribe/{token}/"


def _normalise(address: str) -> str:
    return address.strip().lower()


def _cipher(secret) -> AESSIV:
    # AES-256-SIV takes a 512-bit key; SHA-512 of the salt and secret is one.
    return AESSIV(hashlib.sha512(force_bytes(_SALT) + b":" + force_bytes(secret)).digest())


def unsubscribe_token(address: str) -> str:
    """A URL-safe token holding the address (lower-cased), encrypted: the same
    address always gives the same token (SIV is deterministic), and only the
    portal can read it. No timestamp, so it never expires; it stops working only
    if SECRET_KEY is changed without keeping the old key in SECRET_KEY_FALLBACKS."""
    sealed = _cipher(settings.SECRET_KEY).encrypt(_normalise(address).encode(), [force_bytes(_SALT)])
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def _opened(token: str) -> str | None:
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        try:
            return _cipher(secret).decrypt(sealed, [force_bytes(_SALT)]).decode()
        except (InvalidTag, ValueError, UnicodeError):
            continue
    return None


def address_from_unsubscribe_token(token) -> str | None:
    """The address a token names, or None when the token is not one of ours
    (tampered, cut short, made with another salt, or not text at all). A token of
    an older email, the address signed, still works."""
    if not isinstance(token, str) or not token or len(token) > 1000:
        return None
    if ":" in token:
        try:
            address = signing.Signer(salt=_SALT).unsign_object(token)
        except (signing.BadSignature, ValueError, UnicodeError):
            return None
    else:
        address = _opened(token)
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
