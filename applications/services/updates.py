"""Register for updates (double opt-in), confirm, unsubscribe and undo.

States of an `UpdateSubscription`: pending → confirmed (the link in the
confirmation email); any → unsubscribed (a link in any email); unsubscribed →
pending (registering again) or back to what it was (the "Undo" button).

Unsubscribing is about the address, not only this list: it adds an outbox
suppression that stops every bulk email (recruitment waves too). Confirming
updates, or undoing an unsubscribe, lifts that suppression again, because the
person has just asked for bulk email; a stronger suppression (a bounce, a
complaint, an administrator's) is never lifted here.
"""

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Region
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.outbox.services import (
    Stream,
    SuppressionReason,
    email_queue,
    suppression_add,
    suppression_lift_unsubscribe,
)
from q_portal.outbox.unsubscribe import unsubscribe_headers, unsubscribe_url
from q_portal.text import address_digest, single_line

from ..choices import SubscriptionStatus
from ..models import UpdateSubscription
from ..selectors.updates import CONFIRMATION_MAX_AGE, CONFIRMATION_SALT, subscription_for_confirmation

__all__ = [
    "subscription_confirm",
    "subscription_register",
    "subscription_resubscribe",
    "subscription_unsubscribe",
]

# Registering again within one window queues no second email (the outbox key
# repeats), so the form cannot be used to flood someone's inbox.
EMAIL_WINDOW_SECONDS = 10 * 60


@transaction.atomic
def subscription_register(
    *, email: str, name: str = "", region: Region | None = None, role_category: str = ""
) -> UpdateSubscription:
    """Record that someone wants updates, matching the address case-insensitively
    so a person is never registered twice.

    A new, pending or unsubscribed registration becomes pending with these details
    and a fresh consent time, and a confirmation email (transactional) is queued
    with a link that works for 7 days. A confirmed one is left as it is (anyone
    may type an address, so details change only through a confirmed link), and an
    email is queued saying the address is already subscribed. The caller shows
    the same page either way, so the form does not reveal who is subscribed.
    Side effects: the row, one audit entry, and at most one email per
    subscription and kind every EMAIL_WINDOW_SECONDS.
    """
    address = email.strip()
    now = timezone.now()
    details = {"name": single_line(name), "region": region, "role_category": role_category}

    subscription = UpdateSubscription.objects.select_for_update().filter(email__iexact=address).first()
    if subscription is None:
        subscription, created = _subscription_create(email=address, consented_at=now, **details)
        if created:
            audit_log(
                actor=None,
                action="updates.subscription_register",
                target=subscription,
                changes={"status": [None, SubscriptionStatus.PENDING]},
            )
            _queue_confirmation_email(subscription, now=now)
            return subscription
        # Someone registered the same address at the same moment: theirs is now
        # the existing row, updated below like any other.

    old_status = subscription.status
    if old_status == SubscriptionStatus.CONFIRMED:
        _queue_already_subscribed_email(subscription, now=now)
        return subscription
    for field, value in details.items():
        setattr(subscription, field, value)
    subscription.status = SubscriptionStatus.PENDING
    subscription.consented_at = now
    # Registering again withdraws the unsubscribe: its time goes with it (the
    # audit trail keeps it), so nothing reads the row as unsubscribed.
    subscription.confirmed_at = subscription.unsubscribed_at = None
    subscription.full_clean(validate_constraints=False)
    subscription.save(
        update_fields=["name", "region", "role_category", "status", "consented_at", "confirmed_at", "unsubscribed_at"]
    )
    audit_log(
        actor=None,
        action="updates.subscription_register",
        target=subscription,
        changes={"status": [old_status, subscription.status]},
    )
    _queue_confirmation_email(subscription, now=now)
    return subscription


@transaction.atomic
def subscription_confirm(*, token: str) -> UpdateSubscription:
    """Confirm the subscription a confirmation link names. Idempotent: a confirmed
    one is returned unchanged. Raises PortalError (a message for the person) when
    the link has expired or is not valid, or the person has unsubscribed since it
    was sent. Side effects: status confirmed, any unsubscribe suppression of the
    address lifted, audit entries."""
    subscription = subscription_for_confirmation(token=token, lock=True)
    if subscription.status == SubscriptionStatus.CONFIRMED:
        return subscription
    if subscription.status == SubscriptionStatus.UNSUBSCRIBED:
        # Links are only sent on registering, which makes the row pending, so this
        # link predates the unsubscribe: honour the later wish.
        raise PortalError(
            _("You unsubscribed after this link was sent, so it no longer works. Register again to get updates.")
        )
    subscription.status = SubscriptionStatus.CONFIRMED
    subscription.confirmed_at = timezone.now()
    subscription.save(update_fields=["status", "confirmed_at"])
    audit_log(
        actor=None,
        action="updates.subscription_confirm",
        target=subscription,
        changes={"status": [SubscriptionStatus.PENDING, SubscriptionStatus.CONFIRMED]},
    )
    suppression_lift_unsubscribe(email=subscription.email)
    return subscription


@transaction.atomic
def subscription_unsubscribe(*, address: str) -> None:
    """Stop bulk email to an address: its subscription (if any) becomes
    unsubscribed, and an outbox suppression for unsubscribing is added, which stops
    every bulk email (recruitment waves too) but no transactional one. Idempotent.
    Side effects: audit entries for each change (the outbox audits the
    suppression)."""
    address = address.strip().lower()
    subscription = UpdateSubscription.objects.select_for_update().filter(email__iexact=address).first()
    if subscription is not None and subscription.status != SubscriptionStatus.UNSUBSCRIBED:
        old_status = subscription.status
        subscription.status = SubscriptionStatus.UNSUBSCRIBED
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["status", "unsubscribed_at"])
        audit_log(
            actor=None,
            action="updates.subscription_unsubscribe",
            target=subscription,
            changes={"status": [old_status, SubscriptionStatus.UNSUBSCRIBED]},
        )
    suppression_add(email=address, reason=SuppressionReason.UNSUBSCRIBED, note="Unsubscribe link")


@transaction.atomic
def subscription_resubscribe(*, address: str) -> UpdateSubscription | None:
    """Undo `subscription_unsubscribe` (the "Undo" button): lift the address's
    suppression if, and only if, its reason is unsubscribing, and put an
    unsubscribed subscription back to confirmed if it had been confirmed, or to
    pending (so the link already sent still works) if not. Idempotent. Returns the
    subscription, if there is one. Side effects: audit entries for each change."""
    address = address.strip().lower()
    suppression_lift_unsubscribe(email=address)
    subscription = UpdateSubscription.objects.select_for_update().filter(email__iexact=address).first()
    if subscription is None or subscription.status != SubscriptionStatus.UNSUBSCRIBED:
        return subscription
    subscription.status = (
        SubscriptionStatus.CONFIRMED if subscription.confirmed_at is not None else SubscriptionStatus.PENDING
    )
    subscription.unsubscribed_at = None
    subscription.save(update_fields=["status", "unsubscribed_at"])
    audit_log(
        actor=None,
        action="updates.subscription_resubscribe",
        target=subscription,
        changes={"status": [SubscriptionStatus.UNSUBSCRIBED, subscription.status]},
    )
    return subscription


# --- Helpers ---------------------------------------------------------------------------


def _subscription_create(*, email: str, consented_at, **details) -> tuple[UpdateSubscription, bool]:
    """Insert a pending row and return it with True, or, if another request
    inserted the same address (in any case) first, return that row locked with
    False. Uniqueness is the database's job
    (the case-insensitive constraint), so two requests at once cannot both insert."""
    subscription = UpdateSubscription(
        email=email, status=SubscriptionStatus.PENDING, consented_at=consented_at, **details
    )
    subscription.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            subscription.save(force_insert=True)
    except IntegrityError:
        existing = UpdateSubscription.objects.select_for_update().filter(email__iexact=email).first()
        if existing is None:
            raise
        return existing, False
    return subscription, True


def _window(now) -> int:
    return int(now.timestamp()) // EMAIL_WINDOW_SECONDS


def _confirmation_url(subscription: UpdateSubscription) -> str:
    # The address is named by a keyed digest, not written out: the link sits in
    # server logs and browser history (a link to an address changed since fails).
    token = signing.dumps(
        {"id": subscription.pk, "h": address_digest(subscription.email, salt=CONFIRMATION_SALT)},
        salt=CONFIRMATION_SALT,
    )
    return settings.SITE_URL.rstrip("/") + reverse("updates:confirm", kwargs={"token": token})


def _queue_confirmation_email(subscription: UpdateSubscription, *, now) -> None:
    _queue_email(
        subscription,
        "confirm",
        subject=_("Confirm you want updates from Q"),
        context={"confirm_url": _confirmation_url(subscription), "days": CONFIRMATION_MAX_AGE.days},
        now=now,
    )


def _queue_already_subscribed_email(subscription: UpdateSubscription, *, now) -> None:
    _queue_email(
        subscription,
        "already_subscribed",
        subject=_("You are already getting updates from Q"),
        context={"register_url": settings.SITE_URL.rstrip("/") + reverse("updates:register")},
        now=now,
    )


def _queue_email(subscription: UpdateSubscription, kind: str, *, subject: str, context: dict, now) -> None:
    """The email `applications/updates/emails/<kind>.txt`, with an unsubscribe
    link; the outbox sends it once per registration in each time window."""
    email_queue(
        to=subscription.email,
        subject=subject,
        body_text=render_to_string(
            f"applications/updates/emails/{kind}.txt",
            {**context, "unsubscribe_url": unsubscribe_url(subscription.email)},
        ),
        key=f"updates:{subscription.pk}:{kind}:{_window(now)}",
        stream=Stream.TRANSACTIONAL,
        headers=unsubscribe_headers(subscription.email),
    )
