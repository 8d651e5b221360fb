from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from applications.services.nominations import nominator_grant
from events import services
from events.models import EventPledge, Registration
from q_portal.roles import Role
from tests.factories import OrganisationFactory, UserFactory, programme_team, with_totp
from tests.factories.events import EventFactory, happening_now, registered
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db


def _client_for(client, user):
    client.force_login(user)
    return client


def test_event_ics_parses_with_the_event(client):
    event = EventFactory(title="Welcome to Q in the Midlands")
    member = MemberFactory()
    registered(event, member)
    response = _client_for(client, member.user).get(reverse("events:ics", kwargs={"pk": event.pk}))
    calendar = Calendar.from_ical(response.content)
    [component] = calendar.walk("VEVENT")
    assert str(component["summary"]) == "Welcome to Q in the Midlands"
    assert component.decoded("dtstart") == event.starts_at
    assert str(component["uid"]) == f"event-{event.pk}@q-portal"


def test_calendar_feed_lists_own_events_and_stops_when_revoked(client):
    member = MemberFactory()
    mine, other = EventFactory(title="Mine"), EventFactory(title="Not mine")
    registered(mine, member)
    registered(other, MemberFactory())
    _client_for(client, member.user).post(reverse("events:calendar"), {"action": "create"})
    token = member.user.event_feed.token
    page = client.get(reverse("events:calendar")).content.decode()
    assert token in page and member.user.email not in page

    feed = client.get(reverse("events:feed", kwargs={"token": token}))
    assert [str(c["summary"]) for c in Calendar.from_ical(feed.content).walk("VEVENT")] == ["Mine"]

    client.post(reverse("events:calendar"), {"action": "revoke"})
    assert client.get(reverse("events:feed", kwargs={"token": token})).status_code == 404


def test_registering_from_the_event_page(client):
    event = EventFactory(capacity=1)
    first, second = MemberFactory(), MemberFactory()
    _client_for(client, first.user).post(reverse("events:register", kwargs={"pk": event.pk}))
    _client_for(client, second.user).post(reverse("events:register", kwargs={"pk": event.pk}))
    page = client.get(reverse("events:detail", kwargs={"pk": event.pk})).content.decode()
    assert "You are on the waiting list (number 1)." in page


def told(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_registering_cancelling_and_a_full_event_are_each_told_at_their_level(client):
    from django.test import Client

    event = EventFactory(capacity=1)
    first, second = Client(), Client()
    first.force_login(MemberFactory().user)
    second.force_login(MemberFactory().user)
    register, cancel = (reverse(f"events:{action}", kwargs={"pk": event.pk}) for action in ("register", "cancel"))

    placed, waiting = first.post(register), second.post(register)
    again = first.post(register)
    cancelled = second.post(cancel)

    assert {r["Location"] for r in (placed, waiting, again, cancelled)} == {event.get_absolute_url()}
    assert told(placed) == [("success", "You are registered. We have emailed you a confirmation.")]
    assert told(waiting) == [("info", "The event is full: you are on the waiting list.")]
    assert told(cancelled) == [
        ("info", "The event is full: you are on the waiting list."),
        ("success", "Your registration is cancelled."),
    ]
    # Registering again is harmless: the place is still theirs.
    assert told(again) == [("success", "You are registered. We have emailed you a confirmation.")] * 2
    assert Client().post(register).status_code == 302  # a visitor signs in first
    outsider = Client()
    outsider.force_login(MemberFactory().user)
    assert outsider.post(cancel).status_code == 404


def test_online_link_only_for_registrants_shortly_before():
    from django.test import Client

    event = EventFactory(format="online", venue="", online_url="https://meet.example.org/secret-room")
    member = MemberFactory()
    registered(event, member)
    client = Client()
    client.force_login(member.user)
    url = reverse("events:detail", kwargs={"pk": event.pk})
    assert "secret-room" not in client.get(url).content.decode()
    event.starts_at = timezone.now() + timedelta(minutes=30)
    event.ends_at = event.starts_at + timedelta(hours=1)
    event.save()
    assert "secret-room" in client.get(url).content.decode()
    client.force_login(MemberFactory().user)
    assert "secret-room" not in client.get(url).content.decode()


def test_confirmation_shows_a_qr_code(client):
    event, member = EventFactory(), MemberFactory()
    registered(event, member)
    page = _client_for(client, member.user).get(reverse("events:confirmation", kwargs={"pk": event.pk}))
    assert b"<svg" in page.content and b"Your check-in code" in page.content


def test_check_in_by_search_and_by_code(client):
    event = happening_now()
    team = with_totp(programme_team())
    ana = MemberFactory(full_name="Ana Okafor")
    ben = MemberFactory(full_name="Ben Price")
    ana_registration, ben_registration = registered(event, ana), registered(event, ben)
    _client_for(client, team)
    searched = client.post(reverse("events:check_in", kwargs={"pk": event.pk}), {"q": "okafor"}, follow=True)
    page = searched.content.decode()
    assert "Ana Okafor" in page and "Ben Price" not in page
    # The name searched is never in a URL: the search is held in the session.
    search_url = searched.redirect_chain[-1][0]
    assert "okafor" not in search_url.lower() and "search=" in search_url
    checked = client.post(
        reverse("events:check_in", kwargs={"pk": event.pk}),
        {"registration": ana_registration.pk, "search": search_url.split("search=")[1]},
        follow=True,
    )
    # Back to the same search after checking someone in.
    assert "Ana Okafor" in checked.content.decode() and "Ben Price" not in checked.content.decode()
    assert "okafor" not in checked.redirect_chain[-1][0].lower()
    search = search_url.split("search=")[1]
    undone = client.post(
        reverse("events:check_in", kwargs={"pk": event.pk}),
        {"registration": ana_registration.pk, "search": search, "undo": "1"},
    )
    assert undone["Location"] == search_url.split("?")[0] + f"?search={search}"
    ana = ana_registration.user.get_full_name()
    assert [(m.level_tag, m.message) for m in get_messages(undone.wsgi_request)] == [
        ("info", f"{ana} is no longer checked in.")
    ]
    client.post(reverse("events:check_in", kwargs={"pk": event.pk}), {"registration": ana_registration.pk})
    code_url = reverse("events:check_in_code", kwargs={"pk": event.pk, "code": ben_registration.checkin_token})
    assert "Ben Price" in client.get(code_url).content.decode()
    confirmed = client.post(code_url)
    assert Registration.objects.filter(event=event, checked_in_at__isnull=False).count() == 2
    assert confirmed["Location"] == reverse("events:check_in", kwargs={"pk": event.pk})
    checked_in = f"{ben_registration.user.get_full_name()} is checked in."
    assert [m.message for m in get_messages(confirmed.wsgi_request)][-1] == checked_in


def test_check_in_is_404_for_someone_elses_event(client):
    from django.test import Client

    organisation = OrganisationFactory()
    event = happening_now(organisation=OrganisationFactory())
    nominator = UserFactory(roles=[Role.NOMINATOR])
    nominator_grant(user=nominator, organisation=organisation, by=programme_team())
    other = Client()
    other.force_login(nominator)
    assert other.get(reverse("events:check_in", kwargs={"pk": event.pk})).status_code == 404
    assert other.get(reverse("events:wall_json", kwargs={"pk": event.pk})).status_code == 404


def test_wall_json_shows_first_name_and_organisation_only_when_allowed(client):
    event = happening_now()
    named = MemberFactory(full_name="Priya Shah", organisation=OrganisationFactory(name="Birmingham Trust"))
    quiet = MemberFactory(full_name="Tom Quiet")
    registered(event, named)
    registered(event, quiet)
    services.event_pledge_create(event=event, member=named, text="Mentor two members", show_name=True, by=named.user)
    services.event_pledge_create(event=event, member=quiet, text="Host a visit", show_name=False, by=quiet.user)
    body = _client_for(client, named.user).get(reverse("events:wall_json", kwargs={"pk": event.pk})).json()
    assert [(p["text"], p["name"], p["organisation"]) for p in body["pledges"]] == [
        ("Mentor two members", "Priya", "Birmingham Trust"),
        ("Host a visit", "", ""),
    ]
    assert "Shah" not in str(body) and "Quiet" not in str(body) and named.user.email not in str(body)


def test_pledges_appear_on_the_members_profile(client):
    event = happening_now(title="Midlands welcome")
    member = MemberFactory()
    registered(event, member)
    EventPledge.objects.create(event=event, member=member, text="Run a QI clinic")
    Registration.objects.filter(event=event, user=member.user).update(checked_in_at=timezone.now())
    viewer = MemberFactory()
    page = _client_for(client, viewer.user).get(reverse("members:profile", kwargs={"pk": member.pk})).content.decode()
    assert "Run a QI clinic" in page and "Midlands welcome" in page


def test_member_home_shows_next_events(client):
    member = MemberFactory()
    registered(EventFactory(title="Coming soon"), member)
    page = _client_for(client, member.user).get(reverse("members:home")).content.decode()
    assert "Coming soon" in page and "Your next events" in page


def test_organiser_page_shows_attendance_feedback_and_pledges(client):
    event = happening_now(capacity=10)
    members = [MemberFactory() for _ in range(4)]
    registrations = [registered(event, m) for m in members]
    Registration.objects.filter(pk__in=[r.pk for r in registrations[:3]]).update(checked_in_at=timezone.now())
    EventPledge.objects.create(event=event, member=members[0], text="Share my toolkit")
    page = _client_for(client, with_totp(programme_team())).get(reverse("events:manage", kwargs={"pk": event.pk}))
    text = page.content.decode()
    assert "75%" in text and "Share my toolkit" in text


@pytest.mark.parametrize("size", [2, 12])
def test_events_list_query_count_is_flat(client, django_assert_num_queries, size):
    for _ in range(size):
        event = EventFactory()
        registered(event, MemberFactory())
    client.force_login(MemberFactory().user)
    with django_assert_num_queries(10):
        response = client.get(reverse("events:list"))
    assert len(response.context["events"]) == size


@pytest.mark.parametrize("size", [1, 6])
def test_events_by_region_counts_and_flat_queries(client, django_assert_num_queries, size):
    from tests.factories import RegionFactory

    region = RegionFactory(name="Wessex")
    for _ in range(size):
        event = EventFactory(region=region)
        event.starts_at, event.ends_at = event.starts_at - timedelta(days=30), event.ends_at - timedelta(days=30)
        event.save()
        came, missed = MemberFactory(), MemberFactory()
        registered(event, came)
        registered(event, missed)
        Registration.objects.filter(event=event, user=came.user).update(checked_in_at=timezone.now())
        EventPledge.objects.create(event=event, member=came, text="Mentor")
    client.force_login(with_totp(programme_team()))
    with django_assert_num_queries(11):
        response = client.get(reverse("events:insight"))
    [row] = response.context["rows"]
    assert (row["region"].name, row["held"], row["attended"], row["attendance_rate"], row["pledges"]) == (
        "Wessex",
        size,
        size,
        50,
        size,
    )
