"""Events in the subject-access export and the erasure (see `q_portal.personal_data`):
a person's registrations with what they wrote after the event, the pledges they
made at events, and whether they have a private calendar feed (not its address:
that is a key, and a new one is made on request)."""

from django.utils import timezone

from q_portal.personal_data import Section, register

from .models import CalendarFeed, EventPledge, Registration
from .services import registrations_erase


def _when(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def events_personal_data(user) -> dict:
    """Three queries, however much is held."""
    registrations = (
        Registration.objects.filter(user=user).select_related("event", "feedback").order_by("event__starts_at", "pk")
    )
    pledges = EventPledge.objects.filter(member__user=user).select_related("event").order_by("created_at", "pk")
    feed = CalendarFeed.objects.filter(user=user).values_list("created_at", flat=True).first()
    return {
        "registrations": [
            {
                "event": registration.event.title,
                "starts_at": _when(registration.event.starts_at),
                "status": registration.get_status_display(),
                "registered_at": _when(registration.registered_at),
                "checked_in_at": _when(registration.checked_in_at),
                "feedback": None
                if feedback is None
                else {
                    "rating": feedback.rating,
                    "what_worked_well": feedback.went_well,
                    "what_could_be_better": feedback.improve,
                },
            }
            for registration in registrations
            for feedback in [getattr(registration, "feedback", None)]
        ],
        "pledges_at_events": [
            {
                "event": pledge.event.title,
                "pledge": pledge.text,
                "name_shown_on_the_wall": pledge.show_name,
                "made_at": _when(pledge.created_at),
            }
            for pledge in pledges
        ],
        "calendar_feed_made_at": _when(feed),
    }


def events_personal_data_erase(user) -> dict[str, int]:
    """Delete the person's registrations (with their feedback; a place they held
    at an event to come is offered to the next person waiting), their pledges at
    events and their calendar feed. An account kept as a reviewer's placeholder
    keeps none of them either."""
    pledges = EventPledge.objects.filter(member__user=user).delete()[1].get(EventPledge._meta.label, 0)
    registrations = registrations_erase(user=user)
    CalendarFeed.objects.filter(user=user).delete()
    return {"event_registrations_deleted": registrations, "event_pledges_deleted": pledges}


register(Section("events", export=events_personal_data, erase=events_personal_data_erase))
