"""What events adds to the members' area (see `members.panels`)."""

from members.panels import Panel

from . import selectors


def next_events_panel(*, member):
    registrations = list(selectors.upcoming_for_user(user=member.user, limit=5))
    return Panel("events/panels/next_events.html", {"registrations": registrations})


def profile_events_section(*, member, viewer):
    attended = list(selectors.attended_by_member(member=member))
    pledges = list(selectors.pledges_by_member(member=member))
    if not attended and not pledges:
        return None
    return Panel("events/panels/profile_events.html", {"attended": attended, "pledges": pledges})


def has_registered(*, member) -> bool:
    """Onboarding's "come to an event" step is done once they have registered for one."""
    from .choices import RegistrationStatus
    from .models import Registration

    return Registration.objects.filter(user_id=member.user_id).exclude(status=RegistrationStatus.CANCELLED).exists()
