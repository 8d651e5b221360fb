"""Events and registrations."""

from datetime import timedelta

import factory
from django.utils import timezone

from events.choices import Audience, EventFormat
from events.models import Event

from . import RegionFactory


class EventFactory(factory.django.DjangoModelFactory):
    """A published in-person event for members, a fortnight from now."""

    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Welcome event {n}")
    summary = "Meet the new members of your region and make your pledge."
    format = EventFormat.IN_PERSON
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(days=14))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(hours=3))
    region = factory.SubFactory(RegionFactory)
    venue = "The Studio, Birmingham"
    capacity = 50
    audience = Audience.MEMBERS


def happening_now(**kwargs) -> Event:
    """An event that started ten minutes ago and runs for two hours."""
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    return EventFactory(starts_at=start, ends_at=start + timedelta(hours=2), **kwargs)


def registered(event, member_or_user, status="confirmed"):
    """A registration made earlier (for an event already under way)."""
    from events.models import Registration

    user = getattr(member_or_user, "user", member_or_user)
    now = timezone.now()
    return Registration.objects.create(
        event=event,
        user=user,
        status=status,
        registered_at=now - timedelta(days=3),
        confirmed_at=now - timedelta(days=3) if status == "confirmed" else None,
        waiting_since=now - timedelta(days=3) if status == "waiting" else None,
    )
