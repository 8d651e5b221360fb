import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exchange.models import Call, Proposal
from tests.browser.accounts import sign_in, sign_in_with_mfa, with_secret
from tests.factories import RegionFactory, programme_team
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def local(when):
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def test_a_call_opens_ideas_are_refined_in_the_open_and_the_lead_submits_on_a_phone(page):
    staff = programme_team(email="programme.exchange@example.org")
    secret = with_secret(staff)
    asha = MemberFactory(full_name="Asha Lead", user__email="asha@example.org", region=RegionFactory())
    ben = MemberFactory(full_name="Ben Other", user__email="ben@example.org")
    cara = MemberFactory(full_name="Cara Helper", user__email="cara@example.org", region=RegionFactory())

    # The programme team opens a call with its themes, dates and a proposal question.
    sign_in_with_mfa(page, staff.email, secret)
    page.goto("/exchange/programme/calls/new/")
    now = timezone.now()
    page.get_by_label("Title").fill("Q Exchange 2026")
    page.get_by_label("Summary").fill("Members fund each other's improvement work.")
    page.get_by_label("Themes").fill("Digital\nPatient safety")
    page.get_by_label("Total funding (£)").fill("500000")
    page.get_by_label("Largest grant (£)").fill("30000")
    for label, days in [
        ("Ideas open", -1),
        ("Refinement starts", 10),
        ("Proposals open", 20),
        ("Proposals due", 30),
        ("Vote opens", 40),
        ("Results announced", 50),
    ]:
        page.get_by_label(label).fill(local(now + timedelta(days=days)))
    page.get_by_role("button", name="Save the call").click()
    expect(page.get_by_role("heading", name="Proposal questions")).to_be_visible()
    page.get_by_label("Question").fill("What will change for patients?")
    page.get_by_label("Word limit").fill("200")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("What will change for patients? (up to 200 words)")).to_be_visible()
    call = Call.objects.get(title="Q Exchange 2026")

    # Two members post ideas.
    for member, title, theme in [
        (asha, "Same-day discharge letters", "Patient safety"),
        (ben, "Run charts", "Digital"),
    ]:
        sign_in(page, member.user.email)
        page.goto(f"/exchange/calls/{call.pk}/")
        expect(page.locator("[data-stage]")).to_have_text("Ideas open")
        page.get_by_role("link", name="Post an idea").click()
        page.get_by_label("Title").fill(title)
        page.get_by_label(theme).check()
        page.get_by_label("The problem").fill("Letters reach care homes days late.")
        page.get_by_label("What you would do").fill("Send them the same day.")
        page.get_by_label("Rough budget (£)").fill("12000")
        page.get_by_role("button", name="Post the idea").click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    asha_idea = call.ideas.get(title="Same-day discharge letters")

    # A third member comments, supports one and asks to join.
    sign_in(page, cara.user.email)
    page.goto(f"/exchange/calls/{call.pk}/")
    page.get_by_role("link", name="Same-day discharge letters").click()
    page.get_by_label("Your comment").fill("Have you asked the **discharge team**?")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".exchange-comment__body strong")).to_have_text("discharge team")
    page.get_by_role("button", name="Support this idea").click()
    expect(page.get_by_role("button", name="Withdraw your support")).to_be_visible()
    expect(page.locator("[data-figure=supporters]")).to_have_text("1")
    page.get_by_role("link", name="Ask to join the team").click()
    page.get_by_label(re.compile("Message to the lead")).fill("I can build the measurement plan.")
    page.get_by_role("button", name="Ask to join").click()
    expect(page.get_by_text("You have asked to join this team.")).to_be_visible()

    # The lead accepts, and edits the idea.
    sign_in(page, asha.user.email)
    page.goto(asha_idea.get_absolute_url())
    page.get_by_role("link", name="Team and requests to join").click()
    expect(page.get_by_text("I can build the measurement plan.")).to_be_visible()
    page.get_by_role("button", name="Accept Cara Helper").click()
    expect(page.get_by_role("status").filter(has_text="Cara Helper is in the team")).to_be_visible()
    page.goto(asha_idea.get_absolute_url())
    page.get_by_role("link", name="Edit the idea").click()
    page.get_by_label("What you would do").fill("Send them the same day, by secure email.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Your changes are saved")).to_be_visible()

    # The new team member edits too; the history shows both.
    sign_in(page, cara.user.email)
    page.goto(asha_idea.get_absolute_url())
    page.get_by_role("link", name="Edit the idea").click()
    page.get_by_label(re.compile("Skills wanted")).fill("care home experience")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("link", name="Full revision history").click()
    expect(page.locator("[data-revision]")).to_have_count(2)
    expect(page.locator("[data-revision]").first).to_contain_text("Cara Helper")
    expect(page.locator("[data-revision]").last).to_contain_text("Asha Lead")
    expect(page.locator("[data-revision]").last).to_contain_text("by secure email")

    # Time passes: proposals open. The lead completes and submits the proposal on a phone.
    Call.objects.filter(pk=call.pk).update(
        ideas_open_at=now - timedelta(days=30),
        refinement_from=now - timedelta(days=20),
        proposals_from=now - timedelta(days=1),
    )
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, asha.user.email)
    page.goto(asha_idea.get_absolute_url())
    page.get_by_role("button", name="Turn this idea into a proposal").click()
    expect(page.get_by_role("heading", name="Proposal", exact=True)).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Same-day discharge letters")
    page.get_by_label("What will change for patients?").fill("Fewer readmissions from care homes.")
    page.get_by_role("button", name="Save and check your answers").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text("Fewer readmissions from care homes.")).to_be_visible()
    page.get_by_role("button", name="Submit the proposal").click()
    expect(page.get_by_text("Confirm that the team has checked the answers.").first).to_be_visible()
    page.get_by_label(re.compile("The team has checked these answers")).check()
    page.get_by_role("button", name="Submit the proposal").click()
    expect(page.locator("[data-proposal-status]")).to_have_text("Submitted")
    assert Proposal.objects.get(idea=asha_idea).status == "submitted"
