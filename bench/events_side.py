"""Events in the benchmark (the events list of issue 22): 1,000 events over the
regions, half of them past, each with up to 20 members registered. Built once,
by bulk inserts, on top of `seed_scale`'s members; `events_pages` returns the
list's URLs (upcoming; filtered by region; past)."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from events.choices import Audience, EventFormat, RegistrationStatus
from events.models import Event, Registration
from members.models import Region

TITLE_PREFIX = "Bench event"
EVENTS = 1_000
REGISTERED_EACH = 20


@transaction.atomic
def _build(members) -> None:
    now = timezone.now()
    regions = list(Region.objects.order_by("pk"))
    events = Event.objects.bulk_create(
        [
            Event(
                title=f"{TITLE_PREFIX} {number + 1}: improvement clinic",
                summary="A benchmark event.",
                format=EventFormat.IN_PERSON if number % 3 else EventFormat.ONLINE,
                # Half upcoming (from tomorrow), half past, a few hours apart.
                starts_at=now + timedelta(days=1, hours=7 * number) * (1 if number % 2 else -1),
                ends_at=now + timedelta(days=1, hours=7 * number) * (1 if number % 2 else -1) + timedelta(hours=2),
                region=regions[number % len(regions)] if regions else None,
                venue="Bench venue",
                capacity=50,
                audience=Audience.MEMBERS,
            )
            for number in range(EVENTS)
        ]
    )
    Registration.objects.bulk_create(
        [
            Registration(
                event=event,
                user_id=members[(index * REGISTERED_EACH + offset) % len(members)].user_id,
                status=RegistrationStatus.CONFIRMED,
                registered_at=now,
                confirmed_at=now,
            )
            for index, event in enumerate(events)
            for offset in range(REGISTERED_EACH)
        ],
        batch_size=5_000,
    )


def events_pages(members) -> list[tuple[str, str]]:
    """(name, path) of the events list's pages, building the events the first time."""
    if not Event.objects.filter(title__startswith=TITLE_PREFIX).exists():
        _build(members)
    events = reverse("events:list")
    region = Region.objects.order_by("pk").first()
    return [
        ("Events, upcoming (1,000 events)", events),
        ("Events, filtered by region", f"{events}?region={region.slug if region else ''}"),
        ("Events, past", f"{events}?when=past"),
    ]
