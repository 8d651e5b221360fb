"""When an event's time, place or format changes, or it is cancelled, everyone
registered (and everyone waiting) is emailed once through the outbox with the
updated calendar entry: SEQUENCE one higher, or METHOD:CANCEL. Parsed with the
`icalendar` library; the outbox's message carries it as a text/calendar part."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from events import services
from events.choices import EventFormat
from events.models import Event
from q_portal.outbox.models import OutboundEmail
from q_portal.outbox.services import outbox_send
from tests.factories import programme_team
from tests.factories.events import EventFactory
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def details_of(event: Event, **changes) -> services.EventDetails:
    return replace(services.EventDetails(**{name: getattr(event, name) for name in services.EVENT_FIELDS}), **changes)


@pytest.fixture
def full_event():
    """Two places: two registered, one waiting, one who cancelled."""
    event = EventFactory(capacity=2, title="Welcome to Q in Leeds")
    people = [MemberFactory() for _ in range(3)]
    for member in people:
        services.registration_register(event=event, user=member.user, by=member.user)
    gone = MemberFactory()
    registration = services.registration_register(event=event, user=gone.user, by=gone.user)
    services.registration_cancel(registration=registration, by=gone.user)
    return event, people, gone


def changed_emails():
    return OutboundEmail.objects.filter(subject__startswith="Changed:").order_by("pk")


def test_a_new_time_tells_everyone_registered_and_waiting_once_with_the_next_sequence(full_event):
    event, people, gone = full_event
    team = programme_team()
    later = event.starts_at + timedelta(days=1)

    services.event_update(
        event=event, details=details_of(event, starts_at=later, ends_at=later + timedelta(hours=3)), by=team
    )
    event.refresh_from_db()
    services.event_update(event=event, details=details_of(event), by=team)  # saved again, nothing new

    emails = list(changed_emails())
    assert sorted(email.to for email in emails) == sorted(member.user.email for member in people)
    assert gone.user.email not in [email.to for email in emails]
    assert event.sequence == 1
    [component] = Calendar.from_ical(emails[0].calendar).walk("VEVENT")
    assert component["SEQUENCE"] == 1
    assert component.decoded("DTSTART") == later
    assert "the time" in emails[0].body_text
    waiting_email = next(email for email in emails if email.to == people[2].user.email)
    assert "still on its waiting list" in waiting_email.body_text


def test_a_new_place_then_a_new_format_is_two_changes_each_told_once(full_event):
    event, people, _gone = full_event
    team = programme_team()

    services.event_update(event=event, details=details_of(event, venue="The Hub, Leeds"), by=team)
    event.refresh_from_db()
    services.event_update(
        event=event,
        details=details_of(event, format=EventFormat.HYBRID, online_url="https://meet.example.org/q"),
        by=team,
    )

    event.refresh_from_db()
    assert event.sequence == 2
    assert changed_emails().count() == 2 * len(people)
    sequences = {Calendar.from_ical(email.calendar).walk("VEVENT")[0]["SEQUENCE"] for email in changed_emails()}
    assert sequences == {1, 2}


def test_a_new_title_or_capacity_sends_no_change_email(full_event):
    event, _people, _gone = full_event

    services.event_update(
        event=event, details=details_of(event, title="Welcome to Q, Leeds", summary="New words"), by=programme_team()
    )

    event.refresh_from_db()
    assert (event.sequence, changed_emails().count()) == (0, 0)


def test_cancelling_sends_a_calendar_cancellation_once(full_event):
    event, people, gone = full_event
    team = programme_team()

    services.event_cancel(event=event, by=team)
    services.event_cancel(event=event, by=team)

    emails = OutboundEmail.objects.filter(subject="Cancelled: Welcome to Q in Leeds")
    assert sorted(emails.values_list("to", flat=True)) == sorted(member.user.email for member in people)
    assert gone.user.email not in emails.values_list("to", flat=True)
    calendar = Calendar.from_ical(emails[0].calendar)
    assert calendar["METHOD"] == "CANCEL"
    [component] = calendar.walk("VEVENT")
    assert (component["SEQUENCE"], str(component["STATUS"])) == (1, "CANCELLED")
    assert str(component["UID"]) == f"event-{event.pk}@q-portal"


def test_the_sent_message_carries_the_calendar_entry(full_event, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    event, people, _gone = full_event

    services.event_cancel(event=event, by=programme_team())
    outbox_send(ids=list(OutboundEmail.objects.filter(to=people[0].user.email).values_list("pk", flat=True)))

    message = next(message for message in mail.outbox if message.subject.startswith("Cancelled:"))
    [(name, content, content_type)] = message.attachments
    assert (name, content_type) == ("event.ics", "text/calendar; charset=utf-8; method=CANCEL")
    assert "METHOD:CANCEL" in content
