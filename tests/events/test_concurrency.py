"""Twenty people register at once for five places, on PostgreSQL with real
transactions: exactly five hold places, fifteen wait, in the order they queued."""

import pytest

from events import services
from events.choices import RegistrationStatus as Status
from events.models import Registration
from tests.factories.events import EventFactory
from tests.factories.members import MemberFactory
from tests.outbox.concurrency import run_together


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_registrations_for_five_places():
    event = EventFactory(capacity=5)
    members = [MemberFactory() for _ in range(20)]

    results = run_together(
        *[
            (lambda member=member: services.registration_register(event=event, user=member.user, by=member.user).status)
            for member in members
        ]
    )

    assert sorted(results) == ["confirmed"] * 5 + ["waiting"] * 15
    assert Registration.objects.filter(event=event, status=Status.CONFIRMED).count() == 5
    assert Registration.objects.filter(event=event, status=Status.WAITING).count() == 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_offer_each_freed_place_once():
    event = EventFactory(capacity=5)
    members = [MemberFactory() for _ in range(10)]
    for member in members:
        services.registration_register(event=event, user=member.user, by=member.user)
    holders = list(Registration.objects.filter(event=event, status=Status.CONFIRMED))

    run_together(
        *[
            (lambda registration=registration: services.registration_cancel(registration=registration, by=None))
            for registration in holders[:3]
        ]
    )

    assert Registration.objects.filter(event=event, status=Status.OFFERED).count() == 3
    assert Registration.objects.filter(event=event, status__in=(Status.CONFIRMED, Status.OFFERED)).count() == 5
