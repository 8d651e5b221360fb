from datetime import timedelta

import pytest
from django.utils import timezone

from events import services
from events.choices import RegistrationStatus as Status
from events.models import Feedback, Registration
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from q_portal.roles import Role
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, programme_team
from tests.factories.events import EventFactory, happening_now, registered
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def _register(event, member):
    return services.registration_register(event=event, user=member.user, by=member.user)


def _subjects(user):
    return list(OutboundEmail.objects.filter(to=user.email).order_by("pk").values_list("subject", flat=True))


def test_register_full_event_waits_and_cancellation_offers_the_place():
    event = EventFactory(capacity=2, title="Welcome to Q")
    first, second, third = MemberFactory(), MemberFactory(), MemberFactory()
    assert [_register(event, m).status for m in (first, second, third)] == ["confirmed", "confirmed", "waiting"]
    assert _subjects(third.user) == ["You are on the waiting list: Welcome to Q"]

    services.registration_cancel(registration=Registration.objects.get(user=first.user), by=first.user)

    offered = Registration.objects.get(user=third.user)
    assert offered.status == Status.OFFERED
    assert _subjects(third.user)[-1] == "A place is free for you: Welcome to Q"
    services.offer_accept(registration=offered, by=third.user)
    assert Registration.objects.get(user=third.user).status == Status.CONFIRMED
    assert _subjects(third.user)[-1] == "You are registered: Welcome to Q"
    assert Registration.objects.filter(event=event, status=Status.CONFIRMED).count() == 2


def test_register_twice_keeps_one_registration():
    event, member = EventFactory(), MemberFactory()
    _register(event, member)
    _register(event, member)
    assert Registration.objects.filter(event=event).count() == 1
    assert len(_subjects(member.user)) == 1


def test_register_refuses_someone_outside_the_audience():
    event = EventFactory(audience="members")
    with pytest.raises(PortalError):
        services.registration_register(event=event, user=UserFactory(), by=None)
    open_event = EventFactory(audience="anyone")
    stranger = UserFactory()
    assert services.registration_register(event=open_event, user=stranger, by=stranger).status == "confirmed"


def test_newcomer_does_not_jump_the_queue_while_an_offer_is_out():
    event = EventFactory(capacity=1)
    first, waiting, late = MemberFactory(), MemberFactory(), MemberFactory()
    _register(event, first)
    _register(event, waiting)
    services.registration_cancel(registration=Registration.objects.get(user=first.user), by=first.user)
    assert _register(event, late).status == Status.WAITING


def test_unanswered_offer_lapses_to_the_next_person():
    event = EventFactory(capacity=1)
    first, second, third = MemberFactory(), MemberFactory(), MemberFactory()
    for member in (first, second, third):
        _register(event, member)
    services.registration_cancel(registration=Registration.objects.get(user=first.user), by=first.user)
    assert Registration.objects.get(user=second.user).status == Status.OFFERED

    assert services.offers_lapse(now=timezone.now() + timedelta(hours=49)) == 1

    assert Registration.objects.get(user=second.user).status == Status.CANCELLED
    assert Registration.objects.get(user=third.user).status == Status.OFFERED
    with pytest.raises(PortalError):
        services.offer_accept(registration=Registration.objects.get(user=second.user), by=second.user)


def test_reminders_week_and_day_before_are_sent_once():
    event = EventFactory(title="Regional welcome", starts_at=timezone.now() + timedelta(days=10))
    event.ends_at = event.starts_at + timedelta(hours=2)
    event.save()
    member = MemberFactory()
    _register(event, member)
    start = event.starts_at

    assert services.reminders_send(now=start - timedelta(days=8)) == 0
    services.reminders_send(now=start - timedelta(days=6))
    services.reminders_send(now=start - timedelta(days=5))
    services.reminders_send(now=start - timedelta(hours=20))
    services.reminders_send(now=start - timedelta(hours=2))

    assert _subjects(member.user) == [
        "You are registered: Regional welcome",
        "Next week: Regional welcome",
        "Tomorrow: Regional welcome",
    ]


def test_no_week_reminder_for_someone_who_registered_inside_the_week():
    event = EventFactory(starts_at=timezone.now() + timedelta(days=3))
    event.ends_at = event.starts_at + timedelta(hours=1)
    event.save()
    member = MemberFactory()
    _register(event, member)
    services.reminders_send()
    assert len(_subjects(member.user)) == 1


def test_nominator_creates_events_only_for_their_organisation_in_its_region():
    from applications.services.nominations import nominator_grant

    region = RegionFactory()
    organisation = OrganisationFactory(region=region)
    nominator = UserFactory(roles=[Role.NOMINATOR])
    nominator_grant(user=nominator, organisation=organisation, by=programme_team())
    start = timezone.now() + timedelta(days=5)
    details = services.EventDetails(
        title="Welcome",
        summary="Hello",
        format="in_person",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=20,
        audience="members",
        region=region,
        organisation=organisation,
        venue="Hall",
    )
    [event] = services.event_create(details=details, by=nominator)
    assert event.organisation == organisation

    with pytest.raises(PortalError):
        services.event_create(
            details=details.__class__(**{**details.__dict__, "region": RegionFactory()}), by=nominator
        )
    with pytest.raises(PortalError):
        services.event_create(
            details=details.__class__(**{**details.__dict__, "organisation": OrganisationFactory()}), by=nominator
        )


def test_series_creates_one_event_per_occasion():
    start = timezone.now() + timedelta(days=2)
    details = services.EventDetails(
        title="Improvement webinar",
        summary="Monthly",
        format="online",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=100,
        audience="anyone",
        online_url="https://meet.example.org/q",
    )
    events = services.event_create(details=details, by=programme_team(), repeat="monthly", occurrences=3)
    assert [e.starts_at - start for e in events] == [timedelta(0), timedelta(weeks=4), timedelta(weeks=8)]
    assert len({e.series_id for e in events}) == 1


def test_larger_capacity_offers_the_new_places():
    event = EventFactory(capacity=1)
    first, second = MemberFactory(), MemberFactory()
    _register(event, first)
    _register(event, second)
    details = services.EventDetails(**{name: getattr(event, name) for name in services.EVENT_FIELDS})
    services.event_update(
        event=event, details=details.__class__(**{**details.__dict__, "capacity": 2}), by=programme_team()
    )
    assert Registration.objects.get(user=second.user).status == Status.OFFERED


def test_cancelling_the_event_tells_everyone():
    event = EventFactory(capacity=1, title="Gone")
    first, second = MemberFactory(), MemberFactory()
    _register(event, first)
    _register(event, second)
    services.event_cancel(event=event, by=programme_team())
    assert _subjects(second.user)[-1] == "Cancelled: Gone"
    assert set(Registration.objects.values_list("status", flat=True)) == {"cancelled"}


def test_check_in_only_for_a_confirmed_place_on_the_day():
    team = programme_team()
    event = happening_now(capacity=1)
    member, waiting = MemberFactory(), MemberFactory()
    registration = registered(event, member)
    waiting_registration = registered(event, waiting, status="waiting")
    services.registration_check_in(registration=registration, by=team)
    assert Registration.objects.get(pk=registration.pk).checked_in_by == team
    with pytest.raises(PortalError):
        services.registration_check_in(registration=waiting_registration, by=team)
    later = EventFactory()
    with pytest.raises(PortalError):
        services.registration_check_in(registration=_register(later, member), by=team)


def test_pledges_only_by_those_with_a_place_while_the_event_is_on():
    event = happening_now()
    member, outsider = MemberFactory(), MemberFactory()
    registered(event, member)
    pledge = services.event_pledge_create(
        event=event, member=member, text="I will mentor", show_name=True, by=member.user
    )
    assert pledge.event == event
    with pytest.raises(PortalError):
        services.event_pledge_create(event=event, member=outsider, text="x", show_name=True, by=outsider.user)
    future = EventFactory()
    _register(future, member)
    with pytest.raises(PortalError):
        services.event_pledge_create(event=future, member=member, text="x", show_name=True, by=member.user)


def test_feedback_after_the_event_only():
    event = happening_now()
    member = MemberFactory()
    registration = registered(event, member)
    with pytest.raises(PortalError):
        services.feedback_submit(registration=registration, rating=5, went_well="", improve="", by=member.user)
    event.starts_at, event.ends_at = event.starts_at - timedelta(days=1), event.ends_at - timedelta(days=1)
    event.save()
    registration.refresh_from_db()
    services.feedback_submit(registration=registration, rating=4, went_well="Talks", improve="", by=member.user)
    services.feedback_submit(registration=registration, rating=5, went_well="Talks", improve="", by=member.user)
    assert Feedback.objects.get(registration=registration).rating == 5


def test_revoked_feed_token_changes():
    user = UserFactory()
    old = services.calendar_feed_for(user=user, by=user).token
    assert services.calendar_feed_revoke(user=user, by=user).token != old
