"""The events' emails, each queued through the outbox under a key that makes it
once-only."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from q_portal.outbox.services import email_queue

from .choices import RegistrationStatus
from .ics import event_ics
from .models import Registration


def absolute_url(name: str, **kwargs) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)


def _send(registration: Registration, *, kind: str, subject: str, key: str, calendar: bytes = b"", **extra) -> None:
    event = registration.event
    context = {
        **extra,
        "registration": registration,
        "event": event,
        "name": registration.user.get_short_name(),
        "event_url": absolute_url("events:detail", pk=event.pk),
        "ics_url": absolute_url("events:ics", pk=event.pk),
        "confirmation_url": absolute_url("events:confirmation", pk=event.pk),
    }
    email_queue(
        to=registration.user.email,
        subject=subject % {"title": event.title},
        body_text=render_to_string(f"events/emails/{kind}.txt", context),
        key=key,
        calendar=calendar.decode(),
    )


def send_confirmation(registration: Registration) -> None:
    _send(
        registration,
        kind="confirmation",
        subject=_("You are registered: %(title)s"),
        key=f"events.confirmed.{registration.pk}.{registration.confirmed_at:%Y%m%d%H%M%S%f}",
    )


def send_waiting(registration: Registration) -> None:
    _send(
        registration,
        kind="waiting",
        subject=_("You are on the waiting list: %(title)s"),
        key=f"events.waiting.{registration.pk}.{registration.waiting_since:%Y%m%d%H%M%S%f}",
    )


def send_offer(registration: Registration) -> None:
    _send(
        registration,
        kind="offer",
        subject=_("A place is free for you: %(title)s"),
        key=f"events.offer.{registration.pk}.{registration.offered_at:%Y%m%d%H%M%S%f}",
    )


def send_reminder(registration: Registration, *, which: str) -> None:
    subject = _("Next week: %(title)s") if which == "week" else _("Tomorrow: %(title)s")
    _send(registration, kind=f"reminder_{which}", subject=subject, key=f"events.reminder.{which}.{registration.pk}")


def send_event_cancelled(registration: Registration) -> None:
    """With a METHOD:CANCEL calendar entry, so calendars remove the event."""
    _send(
        registration,
        kind="cancelled",
        subject=_("Cancelled: %(title)s"),
        key=f"events.event_cancelled.{registration.pk}",
        calendar=event_ics(registration.event, method="CANCEL"),
    )


def send_event_changed(registration: Registration, *, changed: list[str]) -> None:
    """The event's time, place or format changed: once per change (its SEQUENCE
    is in the key), with the updated calendar entry."""
    event = registration.event
    _send(
        registration,
        kind="changed",
        subject=_("Changed: %(title)s"),
        key=f"events.event_changed.{registration.pk}.{event.sequence}",
        calendar=event_ics(event),
        changed=changed,
        waiting=registration.status == RegistrationStatus.WAITING,
    )
