"""Reads for "register for updates": which subscription a confirmation link names."""

from datetime import timedelta

from django.core import signing
from django.utils.translation import gettext as _

from q_portal.exceptions import PortalError
from q_portal.text import address_digest

from ..models import UpdateSubscription

# Confirmation links are signed with a salt of their own (so no other signed
# value can pass for one) and expire: a stale link in an old mailbox should not
# start emails months later.
CONFIRMATION_SALT = "applications.updates.confirm"
CONFIRMATION_MAX_AGE = timedelta(days=7)


def subscription_for_confirmation(*, token: str, lock: bool = False) -> UpdateSubscription:
    """The subscription a confirmation link names. Raises PortalError, with a
    message for the person, when the link has expired, has been tampered with or
    cut short, or names a subscription that no longer exists. `lock` takes a row
    lock (inside the caller's transaction) for a service about to change it."""
    try:
        payload = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired:
        raise PortalError(
            _("This confirmation link has expired: links work for 7 days. Register again and we will send a new one.")
        ) from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise PortalError(_invalid_link_message()) from None
    if not (isinstance(payload, dict) and isinstance(payload.get("id"), int)):
        raise PortalError(_invalid_link_message())
    subscriptions = UpdateSubscription.objects.filter(pk=payload["id"])
    if lock:
        subscriptions = subscriptions.select_for_update()
    subscription = subscriptions.first()
    # The address the link was sent to, by its digest (or, in a link sent before
    # links stopped carrying it, written out).
    if subscription is None or not (
        payload.get("h") == address_digest(subscription.email, salt=CONFIRMATION_SALT)
        or (isinstance(payload.get("email"), str) and payload["email"].lower() == subscription.email.lower())
    ):
        raise PortalError(_invalid_link_message())
    return subscription


def _invalid_link_message() -> str:
    return _(
        "This confirmation link does not work. It may have been cut short: copy the whole link from the email, "
        "or register again."
    )
