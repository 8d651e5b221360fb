"""Every change to events: creating and changing them, registering, the waiting
list, check-in, pledges, feedback and calendar feeds.

Places. An event's places are held by confirmed registrations and by offers not
yet answered. Every change that takes or frees a place locks the event's row
first (`SELECT ... FOR UPDATE`), so concurrent registrations queue on it and the
count they read is the one they write against: never more places held than the
capacity, whatever arrives at once. A freed place is offered at once to the
first person waiting (an email through the outbox); an offer not accepted by its
deadline lapses (`offers_lapse`, on beat) and passes down the list.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import MemberProfile, Organisation
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError

from . import emails
from .choices import HOLDS_PLACE, EventFormat, EventStatus, Repeat
from .choices import RegistrationStatus as Status
from .models import CalendarFeed, Event, EventPledge, EventSeries, Feedback, Registration, _feed_token
from .permissions import can_manage_event, may_register, organiser_organisation_ids

# How long someone offered a place has to accept it (never past the start).
OFFER_HOLD = timedelta(hours=48)
# Check-in is open from this long before the start until this long after the end.
CHECK_IN_WINDOW = timedelta(hours=12)
# At most this many pledges by one member at one event (the wall is for everyone).
PLEDGES_PER_MEMBER = 3

EVENT_FIELDS = (
    "title",
    "summary",
    "format",
    "starts_at",
    "ends_at",
    "region",
    "organisation",
    "venue",
    "map_url",
    "online_url",
    "capacity",
    "audience",
)
# A change to any of these is a change of the event's time, place or format:
# everyone registered or waiting is told, with the updated calendar entry.
SCHEDULE_FIELDS = {
    "starts_at": gettext_lazy("the time"),
    "ends_at": gettext_lazy("the time"),
    "format": gettext_lazy("the format"),
    "venue": gettext_lazy("the place"),
}
REPEAT_STEP = {
    Repeat.WEEKLY: timedelta(weeks=1),
    Repeat.FORTNIGHTLY: timedelta(weeks=2),
    Repeat.MONTHLY: timedelta(weeks=4),
}


@dataclass(frozen=True)
class EventDetails:
    title: str
    summary: str
    format: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    audience: str
    region: object = None
    organisation: Organisation | None = None
    venue: str = ""
    map_url: str = ""
    online_url: str = ""


def _check_organiser(*, by, organisation: Organisation | None, region) -> None:
    """The programme team organises anywhere; a regional partner's nominator only
    for their own organisation, in its region."""
    from q_portal.roles import is_programme_team

    if is_programme_team(by):
        return
    if organisation is None or organisation.pk not in organiser_organisation_ids(by):
        raise PortalError(_("Choose one of your organisations."), field="organisation")
    if organisation.region_id is not None and getattr(region, "pk", None) != organisation.region_id:
        raise PortalError(_("Your events are in your organisation's region."), field="region")


def _check_details(details: EventDetails) -> None:
    if details.ends_at <= details.starts_at:
        raise PortalError(_("The end must be after the start."), field="ends_at")
    if details.format in (EventFormat.IN_PERSON, EventFormat.HYBRID) and not details.venue:
        raise PortalError(_("Enter the venue of an event held in person."), field="venue")
    if details.format in (EventFormat.ONLINE, EventFormat.HYBRID) and not details.online_url:
        raise PortalError(_("Enter the joining link of an online event."), field="online_url")


@transaction.atomic
def event_create(*, details: EventDetails, by, repeat: str = "", occurrences: int = 1) -> list[Event]:
    """Create an event, or a series of them (a recurring webinar: one event per
    occasion, `occurrences` of them `repeat` apart). Side effects: an audit entry each."""
    _check_organiser(by=by, organisation=details.organisation, region=details.region)
    _check_details(details)
    if details.starts_at <= timezone.now():
        raise PortalError(_("The start must be in the future."), field="starts_at")
    series = None
    if repeat and occurrences > 1:
        series = EventSeries(title=details.title, created_by=by)
        series.full_clean()
        series.save()
    else:
        occurrences = 1
    events = []
    for n in range(occurrences):
        shift = REPEAT_STEP[repeat] * n if series else timedelta(0)
        event = Event(
            **{name: getattr(details, name) for name in EVENT_FIELDS},
            series=series,
            created_by=by,
        )
        event.starts_at += shift
        event.ends_at += shift
        event.full_clean()
        event.save()
        audit_log(actor=by, action="events.event_create", target=event, summary=event.title)
        events.append(event)
    return events


@transaction.atomic
def event_update(*, event: Event, details: EventDetails, by) -> Event:
    """Change an event. A larger capacity offers the new places to those waiting;
    a smaller one takes no one's place away (it fills up again as people cancel).
    A new time, place or format raises the event's SEQUENCE and tells everyone
    registered, offered a place or waiting, once, with the updated calendar entry.
    Side effects: an audit entry; offers and changes by email."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not can_manage_event(by, event):
        raise PortalError(_("You do not organise this event."))
    _check_organiser(by=by, organisation=details.organisation, region=details.region)
    _check_details(details)
    changes = {}
    for name in EVENT_FIELDS:
        new = getattr(details, name)
        if getattr(event, name) != new:
            changes[name] = str(new)
            setattr(event, name, new)
    rescheduled = [name for name in changes if name in SCHEDULE_FIELDS]
    if rescheduled and event.status == EventStatus.PUBLISHED:
        event.sequence += 1
    event.full_clean()
    event.save()
    audit_log(actor=by, action="events.event_update", target=event, summary=event.title, changes=changes)
    if rescheduled and event.status == EventStatus.PUBLISHED:
        _tell_of_change(event, rescheduled)
    _offer_free_places(event)
    return event


def _tell_of_change(event: Event, fields: list[str]) -> None:
    what = list(dict.fromkeys(str(SCHEDULE_FIELDS[name]) for name in fields))
    told = event.registrations.select_related("user").filter(
        status__in=(Status.CONFIRMED, Status.OFFERED, Status.WAITING)
    )
    for registration in told:
        registration.event = event
        emails.send_event_changed(registration, changed=what)


@transaction.atomic
def event_cancel(*, event: Event, by) -> Event:
    """Cancel an event. Side effects: every registration cancelled, an email to
    each person who held a place or was waiting; an audit entry."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not can_manage_event(by, event):
        raise PortalError(_("You do not organise this event."))
    if event.status == EventStatus.CANCELLED:
        return event
    event.status = EventStatus.CANCELLED
    event.sequence += 1
    event.save(update_fields=["status", "sequence", "updated_at"])
    now = timezone.now()
    affected = list(
        event.registrations.select_related("user").exclude(status=Status.CANCELLED).select_for_update(of=("self",))
    )
    for registration in affected:
        registration.status, registration.cancelled_at = Status.CANCELLED, now
        registration.save(update_fields=["status", "cancelled_at"])
        registration.event = event
        emails.send_event_cancelled(registration)
    audit_log(actor=by, action="events.event_cancel", target=event, summary=f"{len(affected)} people told")
    return event


def _held(event: Event) -> int:
    return event.registrations.filter(status__in=HOLDS_PLACE).count()


def _offer_free_places(event: Event, *, now=None) -> list[Registration]:
    """Offer each free place to the next person waiting. The caller holds the
    event's row lock."""
    now = now or timezone.now()
    if event.status != EventStatus.PUBLISHED or event.starts_at <= now:
        return []
    free = event.capacity - _held(event)
    if free <= 0:
        return []
    waiting = list(
        event.registrations.filter(status=Status.WAITING).select_related("user").order_by("waiting_since", "pk")[:free]
    )
    for registration in waiting:
        registration.status = Status.OFFERED
        registration.offered_at = now
        registration.offer_expires_at = min(now + OFFER_HOLD, event.starts_at)
        registration.save(update_fields=["status", "offered_at", "offer_expires_at"])
        registration.event = event
        audit_log(actor=None, action="events.place_offer", target=registration, summary=event.title)
        emails.send_offer(registration)
    return waiting


@transaction.atomic
def registration_register(*, event: Event, user, by) -> Registration:
    """Register the user: a place if one is free, otherwise the waiting list.
    Side effects: an audit entry; a confirmation (or waiting list) email."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not may_register(user, event):
        raise PortalError(_("This event is not open to you."))
    now = timezone.now()
    if event.starts_at <= now:
        raise PortalError(_("This event has started: registration is closed."))
    registration = Registration.objects.filter(event=event, user=user).first()
    if registration is not None and registration.status != Status.CANCELLED:
        return registration
    full = _held(event) >= event.capacity
    # People already waiting keep their turn: nobody jumps the queue while offers are out.
    queue = event.registrations.filter(status=Status.WAITING).exists()
    if registration is None:
        registration = Registration(event=event, user=user, registered_at=now)
    registration.cancelled_at = None
    registration.offered_at = registration.offer_expires_at = None
    if full or queue:
        registration.status, registration.waiting_since = Status.WAITING, now
    else:
        registration.status, registration.confirmed_at = Status.CONFIRMED, now
    registration.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:  # the same person twice at once: the first one stands
        return Registration.objects.get(event=event, user=user)
    registration.event = event
    audit_log(actor=by, action=f"events.register_{registration.status}", target=registration, summary=event.title)
    if registration.status == Status.CONFIRMED:
        emails.send_confirmation(registration)
    else:
        emails.send_waiting(registration)
    return registration


def _locked_registration(registration: Registration) -> tuple[Event, Registration]:
    event = Event.objects.select_for_update().get(pk=registration.event_id)
    registration = Registration.objects.select_for_update().select_related("user").get(pk=registration.pk)
    registration.event = event
    return event, registration


@transaction.atomic
def registration_cancel(*, registration: Registration, by) -> Registration:
    """Cancel a registration (or leave the waiting list, or turn down an offer).
    A place it held goes to the next person waiting. Side effects: audit; offer email."""
    event, registration = _locked_registration(registration)
    if registration.status == Status.CANCELLED:
        return registration
    if registration.checked_in_at is not None:
        raise PortalError(_("You have checked in: there is nothing to cancel."))
    registration.status, registration.cancelled_at = Status.CANCELLED, timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    audit_log(actor=by, action="events.registration_cancel", target=registration, summary=event.title)
    _offer_free_places(event)
    return registration


@transaction.atomic
def offer_accept(*, registration: Registration, by) -> Registration:
    """Take up an offered place before its deadline. Side effects: audit; confirmation email."""
    event, registration = _locked_registration(registration)
    now = timezone.now()
    if registration.status == Status.CONFIRMED:
        return registration
    if registration.status != Status.OFFERED or registration.offer_expires_at <= now:
        raise PortalError(_("This offer has ended."))
    registration.status, registration.confirmed_at = Status.CONFIRMED, now
    registration.save(update_fields=["status", "confirmed_at"])
    audit_log(actor=by, action="events.offer_accept", target=registration, summary=event.title)
    emails.send_confirmation(registration)
    return registration


@transaction.atomic
def offers_lapse(*, now=None) -> int:
    """Offers past their deadline lapse (the person is taken off the list) and their
    places pass to the next people waiting. Returns how many lapsed."""
    now = now or timezone.now()
    event_ids = set(
        Registration.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now).values_list("event_id", flat=True)
    )
    lapsed = 0
    for event in Event.objects.select_for_update().filter(pk__in=event_ids).order_by("pk"):
        for registration in event.registrations.select_for_update().filter(
            status=Status.OFFERED, offer_expires_at__lte=now
        ):
            registration.status, registration.cancelled_at = Status.CANCELLED, now
            registration.save(update_fields=["status", "cancelled_at"])
            audit_log(actor=None, action="events.offer_lapse", target=registration, summary=event.title)
            lapsed += 1
        _offer_free_places(event, now=now)
    return lapsed


def reminders_send(*, now=None) -> int:
    """Queue the week-before and day-before reminders that are due. Each has its
    own outbox key, so a second run sends nothing twice; someone who registered
    inside a window gets no reminder for it (their confirmation is fresh)."""
    now = now or timezone.now()
    sent = 0
    base = Registration.objects.filter(
        status=Status.CONFIRMED, event__status=EventStatus.PUBLISHED, event__starts_at__gt=now
    ).select_related("event", "user", "event__region")
    week = base.filter(
        event__starts_at__lte=now + timedelta(days=7),
        event__starts_at__gt=now + timedelta(days=1),
    )
    day = base.filter(event__starts_at__lte=now + timedelta(days=1))
    for which, registrations, ahead in (("week", week, timedelta(days=7)), ("day", day, timedelta(days=1))):
        for registration in registrations.iterator(chunk_size=500):
            if registration.confirmed_at and registration.confirmed_at > registration.event.starts_at - ahead:
                continue
            with transaction.atomic():
                emails.send_reminder(registration, which=which)
            sent += 1
    return sent


@transaction.atomic
def registration_check_in(*, registration: Registration, by, undo: bool = False) -> Registration:
    """Record (or undo) that the registrant came. Side effect: an audit entry."""
    event, registration = _locked_registration(registration)
    if not can_manage_event(by, event):
        raise PortalError(_("You do not organise this event."))
    if registration.status != Status.CONFIRMED:
        raise PortalError(_("This person has no place at the event."))
    now = timezone.now()
    if not (event.starts_at - CHECK_IN_WINDOW <= now <= event.ends_at + CHECK_IN_WINDOW):
        raise PortalError(_("Check-in is open on the day of the event."))
    if undo:
        registration.checked_in_at, registration.checked_in_by = None, None
    elif registration.checked_in_at is None:
        registration.checked_in_at, registration.checked_in_by = now, by
    else:
        return registration
    registration.save(update_fields=["checked_in_at", "checked_in_by"])
    action = "events.check_in_undo" if undo else "events.check_in"
    audit_log(actor=by, action=action, target=registration, summary=event.title)
    return registration


@transaction.atomic
def event_pledge_create(*, event: Event, member: MemberProfile, text: str, show_name: bool, by) -> EventPledge:
    """A pledge made at the event, shown on its wall. Side effect: an audit entry."""
    if not event.pledging_open:
        raise PortalError(_("Pledges can be made while the event is on."))
    if not Registration.objects.filter(event=event, user_id=member.user_id, status=Status.CONFIRMED).exists():
        raise PortalError(_("Pledges are made by those at the event."))
    if EventPledge.objects.filter(event=event, member=member).count() >= PLEDGES_PER_MEMBER:
        raise PortalError(
            _("You have made %(count)d pledges at this event already.") % {"count": PLEDGES_PER_MEMBER}, field="text"
        )
    pledge = EventPledge(event=event, member=member, text=text, show_name=show_name)
    pledge.full_clean()
    pledge.save()
    audit_log(actor=by, action="events.pledge_create", target=pledge, summary=event.title)
    return pledge


@transaction.atomic
def event_pledge_hide(*, pledge: EventPledge, by, hidden: bool = True) -> EventPledge:
    """Take a pledge off the wall (or put it back). Side effect: an audit entry."""
    if not can_manage_event(by, pledge.event):
        raise PortalError(_("You do not organise this event."))
    pledge.hidden = hidden
    pledge.save(update_fields=["hidden"])
    audit_log(actor=by, action="events.pledge_hide" if hidden else "events.pledge_show", target=pledge)
    return pledge


@transaction.atomic
def feedback_submit(*, registration: Registration, rating: int, went_well: str, improve: str, by) -> Feedback:
    """The registrant's feedback after the event, once (sending again changes it).
    Side effect: an audit entry."""
    if registration.user_id != by.pk or registration.status != Status.CONFIRMED:
        raise PortalError(_("Feedback comes from those who had a place."))
    if not registration.event.is_past:
        raise PortalError(_("Feedback opens when the event has ended."))
    feedback = Feedback.objects.filter(registration=registration).first() or Feedback(registration=registration)
    feedback.rating, feedback.went_well, feedback.improve = rating, went_well, improve
    feedback.full_clean(validate_unique=False)
    feedback.save()
    audit_log(actor=by, action="events.feedback_submit", target=feedback)
    return feedback


@transaction.atomic
def calendar_feed_for(*, user, by) -> CalendarFeed:
    """The user's calendar feed, made on first use. Side effect: an audit entry when made."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if created:
        audit_log(actor=by, action="events.feed_create", target=feed)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user, by) -> CalendarFeed:
    """Replace the feed's token: the old address stops working at once.
    Side effect: an audit entry."""
    feed = calendar_feed_for(user=user, by=by)
    feed.token, feed.created_at = _feed_token(), timezone.now()
    feed.save(update_fields=["token", "created_at"])
    audit_log(actor=by, action="events.feed_revoke", target=feed)
    return feed


def registrations_erase(*, user) -> int:
    """Delete a person's registrations (with their feedback) for an erasure, in
    the erasure's transaction. A place they held at an event still to come is
    offered to the next person waiting, as a cancellation's would be. Returns
    how many registrations were deleted."""
    now = timezone.now()
    holding = Registration.objects.filter(user=user, status__in=HOLDS_PLACE, event__starts_at__gt=now)
    event_ids = sorted(set(holding.values_list("event_id", flat=True)))
    events = list(Event.objects.select_for_update().filter(pk__in=event_ids).order_by("pk"))
    deleted = Registration.objects.filter(user=user).delete()[1].get(Registration._meta.label, 0)
    for event in events:
        _offer_free_places(event, now=now)
    return deleted
