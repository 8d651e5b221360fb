"""Reads for the events' pages, each a constant number of queries."""

from django.db.models import Avg, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import HOLDS_PLACE, EventStatus
from .choices import RegistrationStatus as Status
from .models import Event, EventPledge, Feedback, Registration

_taken = (
    Registration.objects.filter(event=OuterRef("pk"), status__in=HOLDS_PLACE)
    .order_by()
    .values("event")
    .annotate(taken=Count("pk"))
    .values("taken")
)


def events_list(*, when: str = "upcoming", region=None, user=None):
    """Published events, soonest first (or the most recent past ones first), with
    the places taken and, for a signed-in user, their own registration's status."""
    now = timezone.now()
    events = (
        Event.objects.published()
        .select_related("region", "organisation", "series")
        # The places taken counted for each event shown, not grouped over every event
        # listed: the page's 25 rows and the pager's count no longer read every registration.
        .annotate(places_left=F("capacity") - Coalesce(Subquery(_taken), 0))
    )
    if when == "past":
        events = events.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    else:
        events = events.filter(ends_at__gt=now).order_by("starts_at", "pk")
    if region is not None:
        events = events.filter(region=region)
    return events


def places_taken(event: Event) -> int:
    return event.registrations.filter(status__in=HOLDS_PLACE).count()


def waiting_position(registration: Registration) -> int:
    """1 for the first person waiting."""
    return (
        Registration.objects.filter(
            event_id=registration.event_id, status=Status.WAITING, waiting_since__lt=registration.waiting_since
        ).count()
        + 1
    )


def series_events(event: Event):
    if event.series_id is None:
        return Event.objects.none()
    return Event.objects.published().filter(series_id=event.series_id).exclude(pk=event.pk).order_by("starts_at")


def registrations_for_check_in(*, event: Event, query: str = ""):
    """Those holding a confirmed place, by name, with their member organisation."""
    registrations = (
        event.registrations.filter(status=Status.CONFIRMED)
        .select_related("user", "user__member_profile", "user__member_profile__organisation")
        .order_by("user__display_name", "pk")
    )
    for word in query.split()[:5]:
        registrations = registrations.filter(
            Q(user__display_name__icontains=word) | Q(user__member_profile__full_name__icontains=word)
        )
    return registrations


def event_report(*, event: Event) -> dict:
    """The organiser's figures: places, waiting list, attendance, feedback."""
    counts = event.registrations.aggregate(
        confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
        offered=Count("pk", filter=Q(status=Status.OFFERED)),
        waiting=Count("pk", filter=Q(status=Status.WAITING)),
        cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        attended=Count("pk", filter=Q(checked_in_at__isnull=False)),
    )
    feedback = Feedback.objects.filter(registration__event=event).aggregate(count=Count("pk"), average=Avg("rating"))
    counts["attendance_rate"] = round(100 * counts["attended"] / counts["confirmed"]) if counts["confirmed"] else None
    counts["feedback_count"] = feedback["count"]
    counts["feedback_average"] = round(feedback["average"], 1) if feedback["average"] is not None else None
    return counts


def event_feedback(*, event: Event):
    return Feedback.objects.filter(registration__event=event).order_by("-created_at", "-pk")


def event_pledges(*, event: Event, include_hidden: bool = False):
    pledges = EventPledge.objects.filter(event=event).select_related("member", "member__organisation")
    if not include_hidden:
        pledges = pledges.filter(hidden=False)
    return pledges.order_by("created_at", "pk")


def wall_entries(*, event: Event, limit: int = 60) -> list[dict]:
    """The newest pledges on the wall, oldest of them first, with only the first
    name and organisation, and only when the member allowed it."""
    pledges = list(event_pledges(event=event).order_by("-created_at", "-pk")[:limit])
    pledges.reverse()
    entries = []
    for pledge in pledges:
        entry = {"id": pledge.pk, "text": pledge.text, "name": "", "organisation": ""}
        if pledge.show_name:
            entry["name"] = pledge.member.full_name.split(" ")[0]
            entry["organisation"] = pledge.member.organisation_name
        entries.append(entry)
    return entries


def upcoming_for_user(*, user, limit: int = 5):
    now = timezone.now()
    return (
        Registration.objects.filter(
            user=user,
            status__in=(Status.CONFIRMED, Status.OFFERED, Status.WAITING),
            event__status=EventStatus.PUBLISHED,
            event__ends_at__gt=now,
        )
        .select_related("event", "event__region")
        .order_by("event__starts_at", "pk")[:limit]
    )


def calendar_registrations(*, user):
    """The events in a person's feed: those they hold a place at, past and future."""
    return (
        Registration.objects.filter(user=user, status=Status.CONFIRMED)
        .select_related("event", "event__region")
        .order_by("event__starts_at")
    )


def attended_by_member(*, member, limit: int = 20):
    return (
        Registration.objects.filter(user_id=member.user_id, checked_in_at__isnull=False)
        .select_related("event", "event__region")
        .order_by("-event__starts_at")[:limit]
    )


def pledges_by_member(*, member, limit: int = 20):
    return (
        EventPledge.objects.filter(member=member, hidden=False)
        .select_related("event")
        .order_by("-created_at", "-pk")[:limit]
    )


def events_by_region(*, since=None) -> list[dict]:
    """For the programme team's insight: per region, events held and coming, places
    taken, attendance and pledges (one query per figure, whatever the size)."""
    from members.models import Region

    now = timezone.now()
    events = Event.objects.published()
    if since is not None:
        events = events.filter(starts_at__gte=since)
    by_region = {
        row["region"]: row
        for row in events.values("region").annotate(
            held=Count("pk", filter=Q(ends_at__lte=now), distinct=True),
            coming=Count("pk", filter=Q(ends_at__gt=now), distinct=True),
        )
    }
    registrations = {
        row["event__region"]: row
        for row in Registration.objects.filter(event__in=events)
        .values("event__region")
        .annotate(
            confirmed=Count("pk", filter=Q(status=Status.CONFIRMED, event__ends_at__lte=now)),
            attended=Count("pk", filter=Q(checked_in_at__isnull=False)),
        )
    }
    pledges = dict(
        EventPledge.objects.filter(event__in=events)
        .values("event__region")
        .annotate(count=Count("pk"))
        .values_list("event__region", "count")
    )
    rows = []
    for region in [None, *Region.objects.order_by("nation", "name")]:
        key = region.pk if region else None
        if key not in by_region:
            continue
        confirmed = registrations.get(key, {}).get("confirmed", 0)
        attended = registrations.get(key, {}).get("attended", 0)
        rows.append(
            {
                "region": region,
                "held": by_region[key]["held"],
                "coming": by_region[key]["coming"],
                "attended": attended,
                "attendance_rate": round(100 * attended / confirmed) if confirmed else None,
                "pledges": pledges.get(key, 0),
            }
        )
    return rows
