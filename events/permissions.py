"""Who may organise, see and register for events. Pure predicates; views,
templates and services use the same ones."""

from django.http import Http404

from applications.models import Application
from applications.permissions import nominator_organisation_ids
from q_portal.roles import is_active_member, is_programme_team

from .choices import Audience, EventStatus, RegistrationStatus
from .models import Event, Registration


def organiser_organisation_ids(user) -> frozenset[int]:
    """The regional partners the user organises events for (as their nominator)."""
    return nominator_organisation_ids(user)


def can_organise_events(user) -> bool:
    return is_programme_team(user) or bool(organiser_organisation_ids(user))


def can_manage_event(user, event: Event) -> bool:
    if not user.is_authenticated:
        return False
    if is_programme_team(user):
        return True
    return event.organisation_id is not None and event.organisation_id in organiser_organisation_ids(user)


def is_applicant(user) -> bool:
    cached = getattr(user, "_events_is_applicant", None)
    if cached is None:
        cached = Application.objects.filter(applicant=user).exists()
        user._events_is_applicant = cached
    return cached


def may_register(user, event: Event) -> bool:
    """Whether the event's audience includes the user (not whether places are left)."""
    if not user.is_authenticated or event.status != EventStatus.PUBLISHED:
        return False
    if event.audience == Audience.ANYONE:
        return True
    if is_active_member(user):
        return True
    return event.audience == Audience.APPLICANTS and is_applicant(user)


def get_event_or_404(pk) -> Event:
    event = Event.objects.select_related("region", "organisation", "series").filter(pk=pk).first()
    if event is None:
        raise Http404
    return event


def get_managed_event_or_404(user, pk) -> Event:
    """An event the user organises; anyone else's answers 404."""
    event = get_event_or_404(pk)
    if not can_manage_event(user, event):
        raise Http404
    return event


def registration_of(user, event: Event) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(event=event, user=user).first()


def get_confirmed_registration_or_404(user, event: Event) -> Registration:
    """The user's registration for `event` when it holds a confirmed place (for
    their check-in code, pledge, feedback and the wall); 404 otherwise."""
    registration = registration_of(user, event)
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        raise Http404
    return registration
