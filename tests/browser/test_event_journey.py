"""Events from the browser: a regional partner's nominator creates an event with
two places, three members register (one waits), one cancels and the waiting
member is offered the place and accepts; check-in at the door on a phone; two
members pledge from their phones and the room's wall shows both without reload."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.services.nominations import nominator_grant
from events.models import Event, Registration
from q_portal.outbox.models import OutboundEmail
from q_portal.roles import Role
from tests.browser.accounts import sign_in
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, programme_team
from tests.factories.events import happening_now, registered
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _nominator(region):
    organisation = OrganisationFactory(name="West Midlands AHSN", region=region)
    nominator = UserFactory(email="nominator@example.org", roles=[Role.NOMINATOR])
    nominator_grant(user=nominator, organisation=organisation, by=programme_team())
    return nominator, organisation


def test_nominator_event_fills_waits_and_offers_the_freed_place(page):
    region = RegionFactory(name="West Midlands", slug="west-midlands")
    _nominator(region)
    MemberFactory(full_name="Ana First", user__email="ana@example.org")
    MemberFactory(full_name="Ben Second", user__email="ben@example.org")
    MemberFactory(full_name="Cat Third", user__email="cat@example.org")
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(hour=10, minute=0)

    sign_in(page, "nominator@example.org")
    page.goto("/events/")
    page.get_by_role("link", name="Create an event").click()
    page.get_by_label("Title").fill("Welcome to Q in the West Midlands")
    page.get_by_label("What happens").fill("Meet new members and make your pledge on the wall.")
    page.get_by_label("In person", exact=True).check()
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    # A mistake on the way: the end before the start. Nothing typed is lost.
    page.get_by_label("Ends").fill((start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Venue").fill("The Studio, Birmingham")
    page.get_by_label("Places").fill("2")
    page.get_by_label("Members of Q", exact=True).check()
    page.get_by_role("button", name="Publish the event").click()
    expect(page.get_by_role("alert").filter(has_text="The end must be after the start")).to_be_visible()
    expect(page.get_by_label("Venue")).to_have_value("The Studio, Birmingham")
    page.get_by_label("Ends").fill((start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Publish the event").click()
    expect(page.get_by_role("status").filter(has_text="The event is published")).to_be_visible()
    event = Event.objects.get(title="Welcome to Q in the West Midlands")
    assert (event.capacity, event.region, event.organisation.name) == (2, region, "West Midlands AHSN")

    for email in ("ana@example.org", "ben@example.org"):
        sign_in(page, email)
        page.goto(f"/events/{event.pk}/")
        page.get_by_role("button", name="Register").click()
        expect(page.get_by_text("You are registered.", exact=True)).to_be_visible()
    sign_in(page, "cat@example.org")
    page.goto(f"/events/{event.pk}/")
    expect(page.get_by_text("The event is full.")).to_be_visible()
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.get_by_text("You are on the waiting list (number 1).")).to_be_visible()

    sign_in(page, "ana@example.org")
    page.goto(f"/events/{event.pk}/")
    page.get_by_role("button", name="Cancel your place").click()
    expect(page.get_by_role("status").filter(has_text="Your registration is cancelled")).to_be_visible()

    offer = OutboundEmail.objects.get(to="cat@example.org", subject__startswith="A place is free for you")
    offer_path = re.search(r"https?://[^/\s]+(/events/\d+/)", offer.body_text).group(1)
    sign_in(page, "cat@example.org")
    page.goto(offer_path)
    page.get_by_role("button", name="Accept the place").click()
    expect(page.get_by_text("You are registered.", exact=True)).to_be_visible()
    assert dict(Registration.objects.filter(event=event).values_list("user__email", "status")) == {
        "ana@example.org": "cancelled",
        "ben@example.org": "confirmed",
        "cat@example.org": "confirmed",
    }


def test_check_in_on_a_phone(page):
    region = RegionFactory()
    _user, organisation = _nominator(region)
    event = happening_now(organisation=organisation, region=region, title="Welcome evening")
    for name in ("Dee Okafor", "Eli Price", "Fay Singh"):
        registered(event, MemberFactory(full_name=name))

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "nominator@example.org")
    page.goto(f"/events/{event.pk}/check-in/")
    expect(page.get_by_text("0 of 3 checked in")).to_be_visible()
    page.get_by_label("Search by name").fill("price")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Dee Okafor")).to_have_count(0)
    page.get_by_role("button", name="Check in Eli Price").click()
    expect(page.get_by_role("status").filter(has_text="is checked in")).to_be_visible()
    expect(page.get_by_text("1 of 3 checked in")).to_be_visible()
    # The page fits the phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_two_pledges_reach_the_wall_without_reload(page, chromium, live_server):
    region = RegionFactory()
    _user, organisation = _nominator(region)
    event = happening_now(organisation=organisation, region=region, title="Welcome evening")
    gina = MemberFactory(full_name="Gina Adams", user__email="gina@example.org", organisation=organisation)
    hal = MemberFactory(full_name="Hal Brown", user__email="hal@example.org")
    registered(event, gina)
    registered(event, hal)

    sign_in(page, "nominator@example.org")
    page.goto(f"/events/{event.pk}/wall/")
    expect(page.get_by_text("The first pledge will appear here.")).to_be_visible()
    page.evaluate("window.__sameWall = true")

    for email, text, show in (
        ("gina@example.org", "I will mentor two new members", True),
        ("hal@example.org", "I will host a visit", False),
    ):
        phone = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
        phone_page = phone.new_page()
        sign_in(phone_page, email)
        phone_page.goto(f"/events/{event.pk}/")
        phone_page.get_by_role("link", name="Make your pledge").click()
        phone_page.get_by_label("Your pledge").fill(text)
        if not show:
            phone_page.get_by_label("Show my first name and organisation on the wall").uncheck()
        phone_page.get_by_role("button", name="Put it on the wall").click()
        expect(phone_page.get_by_role("status").filter(has_text="your pledge is on the wall")).to_be_visible()
        phone.close()

    pledges = page.locator(".events-wall__pledge")
    expect(pledges).to_have_count(2, timeout=15_000)
    expect(pledges.nth(0)).to_contain_text("I will mentor two new members")
    expect(pledges.nth(0)).to_contain_text("Gina, West Midlands AHSN")
    expect(pledges.nth(1)).to_contain_text("I will host a visit")
    expect(page.get_by_text("Hal")).to_have_count(0)
    assert page.evaluate("window.__sameWall") is True  # updated in place, not reloaded
