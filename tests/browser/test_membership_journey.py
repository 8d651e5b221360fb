import datetime
import re

import pytest
from playwright.sync_api import expect

from members.models import ContactMessage
from members.services import member_create
from q_portal.outbox.models import OutboundEmail
from tests.browser.accounts import sign_in
from tests.factories import OrganisationFactory, RegionFactory, UserFactory
from tests.factories.members import CommunityFactory, InterestFactory, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_accepted_applicant_becomes_member_and_contacts_another_member(page):
    wessex = RegionFactory(name="Wessex", slug="wessex")
    RegionFactory(name="West Midlands", slug="west-midlands")
    sepsis = InterestFactory(name="Sepsis", slug="sepsis")
    InterestFactory(name="Frailty", slug="frailty")
    CommunityFactory(name="Medication safety", slug="medication-safety")
    rae = MemberFactory(
        full_name="Rae Recipient", user__email="rae.private@example.org", region=wessex, interests=[sepsis]
    )
    MemberFactory(full_name="Someone Elsewhere", interests=[sepsis])
    jo = UserFactory(email="jo.private@example.org", display_name="Jo Morgan")

    # The selection app releases the decision: Jo becomes a member.
    member_create(
        user=jo,
        by=None,
        cohort_name="Wider recruitment 2026",
        joined_on=datetime.date(2026, 5, 1),
        job_title="Pharmacist",
        role_category="clinician",
        organisation=OrganisationFactory(name="Wessex AHSN", region=wessex),
        region=wessex,
        source="application",
    )
    welcome = OutboundEmail.objects.get(to="jo.private@example.org")
    assert welcome.status == "sent"
    profile_path = re.search(r"https?://[^/\s]+(/members/me/)", welcome.body_text).group(1)

    sign_in(page, "jo.private@example.org")
    page.goto(profile_path)
    expect(page.get_by_role("heading", name="Your profile", exact=True)).to_be_visible()

    # Complete the profile, with one mistake on the way that loses nothing.
    page.get_by_role("link", name="Edit your profile").click()
    page.get_by_label("About you").fill("I lead medicines safety work on our wards.")
    page.get_by_label("Sepsis").check()
    page.get_by_label("Links").fill("not a web address")
    page.get_by_role("button", name="Save your profile").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    expect(page.get_by_label("About you")).to_have_value("I lead medicines safety work on our wards.")
    page.get_by_label("Links").fill("https://example.org/our-work")
    page.get_by_role("button", name="Save your profile").click()
    expect(page.get_by_role("status").filter(has_text="Your profile is saved")).to_be_visible()

    page.get_by_role("link", name="Make a pledge").click()
    page.get_by_label("Your pledge", exact=True).fill("I will mentor two new members this year.")
    page.get_by_label("Kind of pledge").select_option(label="Mentoring")
    page.get_by_role("button", name="Save your pledge").click()
    expect(page.get_by_role("status").filter(has_text="pledge wall")).to_be_visible()

    page.get_by_role("navigation", name="Members").get_by_role("link", name="Communities").click()
    page.get_by_role("link", name="Medication safety").click()
    page.get_by_role("button", name="Join this community").click()
    expect(page.get_by_role("status").filter(has_text="You have joined Medication safety")).to_be_visible()

    # Find Rae by region and interest.
    page.get_by_role("navigation", name="Members").get_by_role("link", name="Directory").click()
    page.get_by_label("Region").select_option(label="Wessex")
    page.get_by_role("combobox", name=re.compile("^Interest")).select_option(label="Sepsis")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="2 members")).to_be_visible()
    expect(page.get_by_role("link", name="Someone Elsewhere")).to_have_count(0)
    page.get_by_role("link", name="Rae Recipient").click()

    page.get_by_role("link", name="Send Rae Recipient a message").click()
    page.get_by_label("Your message").fill("Could we compare notes on sepsis screening?")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("status").filter(has_text="Your message is on its way to Rae Recipient")).to_be_visible()

    to_rae = OutboundEmail.objects.get(to="rae.private@example.org")
    assert "Could we compare notes on sepsis screening?" in to_rae.body_text
    assert "Jo Morgan" in to_rae.subject
    assert "jo.private@example.org" not in to_rae.body_text + to_rae.subject + str(to_rae.headers)
    assert ContactMessage.objects.get().recipient == rae
