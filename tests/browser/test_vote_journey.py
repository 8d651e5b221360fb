"""The member vote on a phone, its limits told to the voter, two tabs, the results
published by the programme team, a funded project's page, an update and a comment."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from funding.models import CallVote, Vote
from funding.services import votes_open_and_close_due
from q_portal.outbox.models import OutboundEmail
from tests.browser.accounts import sign_in, sign_in_with_mfa, with_secret
from tests.factories import programme_team
from tests.factories.funding import CallVoteFactory, opened, shortlisted
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def button(page, action, title):
    """A button whose visible text is the action, its hidden rest naming the proposal."""
    return page.get_by_role("button", name=re.compile(rf"^{action}\s*:\s*{re.escape(title)}$"))


def vote_for(page, title):
    button(page, "Vote", title).click()


def test_a_member_votes_within_the_limits_then_the_funded_team_reports_back(page):
    call_vote = CallVoteFactory(
        call__title="Q Exchange 2026", call__themes=["Digital", "Patient safety", "Inequalities"]
    )
    call = call_vote.call
    themes = {theme.name: theme for theme in call.themes.all()}
    dana = MemberFactory(full_name="Dana Voter", user__email="dana@example.org")
    lead = MemberFactory(full_name="Lee Lead", user__email="lee@example.org")
    rank = iter(range(1, 20))
    for number in range(1, 5):
        shortlisted(
            call,
            panel_rank=next(rank),
            theme=themes["Digital"],
            title=f"Digital idea {number}",
            lead=lead if number == 1 else None,
        )
    for number in range(1, 4):
        shortlisted(call, panel_rank=next(rank), theme=themes["Patient safety"], title=f"Safety idea {number}")
    shortlisted(call, panel_rank=next(rank), theme=themes["Patient safety"], title="Dana's own idea", lead=dana)
    for number in range(1, 3):
        shortlisted(call, panel_rank=next(rank), theme=themes["Inequalities"], title=f"Fairer idea {number}")
    opened(call_vote)

    # Dana votes on her phone: three in Digital, then a fourth is refused with the reason.
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, dana.user.email)
    page.goto(f"/exchange/vote/{call.pk}/")
    expect(page.get_by_role("heading", name="You have 6 votes left")).to_be_visible()
    for number in (1, 2, 3):
        vote_for(page, f"Digital idea {number}")
        expect(page.get_by_text(f"You voted for “Digital idea {number}”.")).to_be_visible()
    expect(page.get_by_text("Digital: 0 votes left (3 used)")).to_be_visible()
    vote_for(page, "Digital idea 4")
    expect(page.get_by_text("the most allowed in one theme")).to_be_visible()

    # She withdraws one and votes in another theme; her own team's proposal has no vote button.
    button(page, "Withdraw vote", "Digital idea 2").click()
    expect(page.get_by_text("Your vote for “Digital idea 2” is withdrawn.")).to_be_visible()
    vote_for(page, "Safety idea 1")
    vote_for(page, "Safety idea 2")
    expect(
        page.locator("#proposal-{} [data-own-team]".format(call.proposals.get(title="Dana's own idea").pk))
    ).to_have_text("Your team's proposal: you cannot vote for it.")
    expect(button(page, "Vote", "Dana's own idea")).to_have_count(0)
    vote_for(page, "Digital idea 4")
    expect(page.get_by_role("heading", name="You have 1 vote left")).to_be_visible()

    # Two tabs showing one vote left cannot together place two.
    other_tab = page.context.new_page()
    other_tab.goto(f"/exchange/vote/{call.pk}/")
    vote_for(page, "Fairer idea 1")
    expect(page.get_by_role("heading", name="You have 0 votes left")).to_be_visible()
    vote_for(other_tab, "Fairer idea 2")
    expect(other_tab.get_by_text("You have used all your 6 votes")).to_be_visible()
    other_tab.close()
    assert Vote.objects.filter(voter__member=dana).count() == 6

    # The room's screen shows turnout, live, and no totals while they are hidden.
    page.goto(f"/exchange/vote/{call.pk}/room/")
    expect(page.locator('[data-field="voted"]')).to_have_text("1")
    expect(page.get_by_text("Totals stay hidden until the vote closes.")).to_be_visible()

    # The vote closes and is counted; the programme team publishes, decides and announces.
    votes_open_and_close_due(now=call_vote.closes_at + timedelta(minutes=1))
    staff = programme_team(email="programme.vote@example.org")
    secret = with_secret(staff)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_with_mfa(page, staff.email, secret)
    page.goto(f"/exchange/programme/vote/{call.pk}/")
    expect(page.locator("[data-vote-status]")).to_have_text("Counted, not yet published")
    page.get_by_role("button", name="Publish the results to members").click()
    expect(page.get_by_text("The results are published to members")).to_be_visible()
    page.get_by_role("link", name="Funding decision").click()
    page.get_by_role("button", name="Confirm this funding").click()
    page.get_by_role("link", name="Announce").click()
    page.get_by_role("button", name="Announce").click()
    expect(page.get_by_text("funded projects now have their pages")).to_be_visible()
    page.get_by_role("link", name="Digital idea 1", exact=True).click()
    expect(page.get_by_role("heading", name="Digital idea 1")).to_be_visible()
    expect(page.locator("[data-team]")).to_contain_text("Lee Lead")
    assert CallVote.objects.get(pk=call_vote.pk).announced_at is not None

    # The team's lead posts an update; Dana comments, on her phone.
    sign_in(page, lead.user.email)
    project_url = f"/exchange/projects/{call.proposals.get(title='Digital idea 1').project.pk}/"
    page.goto(project_url)
    page.get_by_role("link", name="Post an update").click()
    page.get_by_label("Title").fill("First three months")
    page.get_by_label("What happened").fill("We ran **two workshops**.")
    page.get_by_role("button", name="Post the update").click()
    expect(page.locator("[data-update] strong").first).to_have_text("two workshops")

    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, dana.user.email)
    page.goto(project_url)
    page.get_by_label("Your comment").fill("Could you share the slides?")
    button(page, "Comment", "First three months").click()
    expect(page.locator("[data-comment]")).to_contain_text("Could you share the slides?")
    # The team hears of it by email.
    email = OutboundEmail.objects.get(key__startswith="funding.update_comment.")
    assert email.to == lead.user.email and "Could you share the slides?" in email.body_text
