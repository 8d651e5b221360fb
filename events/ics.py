"""iCalendar (RFC 5545) for one event and for a person's feed, built with the
`icalendar` library."""

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from .choices import EventStatus
from .models import Event


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Q Portal//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _component(event: Event) -> CalendarEvent:
    url = settings.SITE_URL.rstrip("/") + reverse("events:detail", kwargs={"pk": event.pk})
    component = CalendarEvent()
    component.add("uid", f"event-{event.pk}@q-portal")
    component.add("sequence", event.sequence)
    component.add("summary", event.title)
    component.add("dtstart", event.starts_at)
    component.add("dtend", event.ends_at)
    component.add("dtstamp", event.updated_at)
    component.add("last-modified", event.updated_at)
    component.add("url", url)
    where = []
    if event.is_in_person and event.venue:
        where.append(event.venue)
    if event.is_online:
        # The joining link itself is shown on the event page shortly before the start.
        where.append("Online: " + url)
    component.add("location", "; ".join(where))
    component.add("description", f"{event.summary}\n\n{url}")
    component.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    return component


def event_ics(event: Event, *, method: str = "PUBLISH") -> bytes:
    """The event as an iCalendar object. METHOD:CANCEL (for a cancelled event's
    email) tells a calendar to remove the entry it holds with the same UID."""
    calendar = _calendar(event.title)
    calendar.add("method", method)
    calendar.add_component(_component(event))
    return calendar.to_ical()


def feed_ics(registrations) -> bytes:
    calendar = _calendar("Q events")
    for registration in registrations:
        calendar.add_component(_component(registration.event))
    return calendar.to_ical()
