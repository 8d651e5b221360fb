"""Email waves and the people they go to."""

import factory
from django.utils import timezone

from applications.choices import SubscriptionStatus
from applications.models import UpdateSubscription
from outreach.audiences import Audience
from outreach.models import Wave

from . import programme_team


class SubscriberFactory(factory.django.DjangoModelFactory):
    """A confirmed registration for updates."""

    class Meta:
        model = UpdateSubscription

    email = factory.Sequence(lambda n: f"subscriber{n}@example.org")
    name = factory.Sequence(lambda n: f"Sam Subscriber{n}")
    status = SubscriptionStatus.CONFIRMED
    consented_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)


def subscribers(count: int, *, prefix: str = "bulk", **kwargs) -> list[UpdateSubscription]:
    """Many confirmed subscribers in one insert."""
    now = timezone.now()
    return UpdateSubscription.objects.bulk_create(
        UpdateSubscription(
            email=f"{prefix}{number:05d}@example.org",
            name=f"Person {number}",
            status=SubscriptionStatus.CONFIRMED,
            consented_at=now,
            confirmed_at=now,
            **kwargs,
        )
        for number in range(count)
    )


def audience(*segments: dict, combine: str = "any") -> dict:
    """A wave's audience as stored: audience({"kind": "subscribers"}, {"kind": "members"})."""
    return Audience.from_json({"combine": combine, "segments": list(segments)}).as_json()


class WaveFactory(factory.django.DjangoModelFactory):
    """A draft wave to every confirmed update subscriber, about no round."""

    class Meta:
        model = Wave

    name = factory.Sequence(lambda n: f"Wave {n}")
    subject = "Q is recruiting"
    body = "Hello {{ first_name }},\n\nApply here: {{ personal_link }}"
    audience = factory.LazyFunction(lambda: audience({"kind": "subscribers"}))
    rate_per_minute = 60_000
    created_by = factory.LazyFunction(programme_team)
