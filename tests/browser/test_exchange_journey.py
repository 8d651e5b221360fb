import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exchange.models import Call, Comment, PanelAssignment, Proposal
from q_portal.outbox.models import OutboundEmail
from tests.browser.accounts import sign_in, sign_in_with_mfa, with_secret
from tests.factories import RegionFactory, programme_team
from tests.factories.exchange import CallFactory, IdeaFactory, submitted_proposal
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


def test_a_member_panel_scores_blind_the_shortlist_is_marked_and_the_teams_told(page):
    """Three members put themselves forward and are recruited; one commented on
    an idea, so never sees its proposal; they score blind; the programme team
    marks the shortlist, approves feedback for the other team and tells both."""
    staff = programme_team(email="programme.panel@example.org")
    secret = with_secret(staff)
    call = CallFactory(title="Q Exchange panel call", stage="proposals")
    letters = submitted_proposal(IdeaFactory(call=call, title="Same-day discharge letters"))
    charts = submitted_proposal(IdeaFactory(call=call, title="Run charts for every ward"))
    dev = MemberFactory(full_name="Dev Commenter", user__email="dev@example.org")
    eve = MemberFactory(full_name="Eve Assessor", user__email="eve@example.org")
    finn = MemberFactory(full_name="Finn Assessor", user__email="finn@example.org")
    # Dev commented on the letters idea while it was open.
    Comment.objects.create(idea=letters.idea, author=dev, body="Have you asked the care homes?")

    # Three members put themselves forward for the panel.
    for member in (dev, eve, finn):
        sign_in(page, member.user.email)
        page.goto(call.get_absolute_url())
        page.get_by_role("link", name="Put yourself forward for the shortlisting panel").click()
        page.get_by_label(re.compile("What you would bring")).fill("I have judged QI awards.")
        page.get_by_role("button", name="Put myself forward").click()
        expect(page.locator("[data-panel-places]")).to_contain_text("Put themselves forward")

    # The programme team sets the criteria and recruits all three.
    sign_in_with_mfa(page, staff.email, secret)
    page.goto(f"/exchange/programme/calls/{call.pk}/panel/")
    page.get_by_label("Criteria").fill("Impact for patients\nFeasibility")
    page.get_by_label("Assessors per proposal").fill("2")
    page.get_by_label("Places on the shortlist").fill("1")
    page.get_by_role("button", name="Save the panel's settings").click()
    expect(page.get_by_role("status").filter(has_text="The panel's settings are saved")).to_be_visible()
    for name in ("Dev Commenter", "Eve Assessor", "Finn Assessor"):
        page.get_by_role("button", name=f"Recruit {name}", exact=True).click()
        expect(page.get_by_role("status").filter(has_text=f"{name} is on the panel")).to_be_visible()

    # Proposals are due: shortlisting begins and the proposals are assigned.
    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(proposals_due_at=now - timedelta(hours=1))
    page.reload()
    page.get_by_role("button", name="Assign the proposals to the assessors").click()
    expect(page.get_by_role("status").filter(has_text="1 conflicts of interest found")).to_be_visible()
    assert not PanelAssignment.objects.filter(proposal=letters, assessor__member=dev).exists()

    # Each assessor scores blind what they are given; Dev never sees the letters.
    merit = {letters.title: "4: meets it strongly", charts.title: "2: partly meets it"}
    leads = {letters.title: letters.lead.full_name, charts.title: charts.lead.full_name}
    for member in (dev, eve, finn):
        sign_in(page, member.user.email)
        page.goto("/exchange/panel/")
        queue = page.locator("[data-queue]")
        if member == dev:
            expect(queue).not_to_contain_text(letters.title)
        titles = [title for title in merit if queue.get_by_role("link", name=title).count()]
        for title in titles:
            page.get_by_role("link", name=title).click()
            expect(page.get_by_role("heading", name=title)).to_be_visible()
            expect(page.locator("main")).not_to_contain_text(leads[title])
            for criterion in (r"\(a\) Impact for patients", r"\(b\) Feasibility"):
                page.get_by_role("group", name=re.compile(criterion)).get_by_label(merit[title]).check()
            page.get_by_role("button", name="Submit the assessment").click()
            expect(page.get_by_role("status").filter(has_text="Your assessment is submitted")).to_be_visible()
    for assignment in PanelAssignment.objects.filter(proposal=letters):
        assert assignment.assessor.member != dev

    # The programme team marks the shortlist, approves feedback and tells the teams.
    sign_in_with_mfa(page, staff.email, secret)
    page.goto(f"/exchange/programme/calls/{call.pk}/shortlist/")
    ranking = page.locator("[data-ranking] tbody tr")
    expect(ranking.first).to_contain_text(letters.title)
    page.get_by_role("button", name="Mark the shortlist").click()
    expect(page.get_by_role("status").filter(has_text="The shortlist is marked")).to_be_visible()
    page.get_by_role("link", name=f"Feedback {charts.title}").click()
    page.get_by_label("Feedback to the team").fill("A clear plan; the panel wanted a measure of impact.")
    page.get_by_label("Approve it as written, ready to send").check()
    page.get_by_role("button", name="Save the feedback").click()
    page.get_by_role("button", name="Tell the teams").click()
    expect(page.get_by_role("status").filter(has_text="1 shortlisted, 1 sent their feedback")).to_be_visible()
    letters.refresh_from_db()
    charts.refresh_from_db()
    assert (letters.status, letters.panel_rank, charts.status, charts.panel_rank) == (
        "shortlisted",
        1,
        "not_shortlisted",
        2,
    )
    feedback = OutboundEmail.objects.get(to=charts.lead.user.email)
    assert "wanted a measure of impact" in feedback.body_text
    assert OutboundEmail.objects.get(to=letters.lead.user.email).subject.startswith("Shortlisted")
