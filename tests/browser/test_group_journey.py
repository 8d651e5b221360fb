"""A member proposes a special interest group, the programme team approves it,
the convenor starts a discussion, a member replies with an @mention, and the
mentioned member gets exactly one email."""

import re

import pytest
from playwright.sync_api import expect

from members.models import Community, CommunityMembership
from q_portal.outbox.models import OutboundEmail
from tests.browser.accounts import sign_in, sign_in_with_mfa, with_secret
from tests.factories import programme_team
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_group_proposed_approved_and_discussed_with_a_mention(page):
    MemberFactory(full_name="Cara Convenor", user__email="cara@example.org")
    MemberFactory(full_name="Rob Reply", user__email="rob@example.org")
    priya = MemberFactory(full_name="Priya Shah", user__email="priya@example.org")
    team = programme_team(email="team@example.org")
    secret = with_secret(team)

    sign_in(page, "cara@example.org")
    page.goto("/members/communities/")
    page.get_by_role("link", name="Propose a special interest group").click()
    page.get_by_label("Name of the group").fill("Frailty and medicines")
    page.get_by_label("What the group is about").fill("For pharmacists, geriatricians and carers.")
    page.get_by_role("button", name="Send your proposal").click()
    expect(page.get_by_role("alert").filter(has_text="Enter the learning question")).to_be_visible()
    expect(page.get_by_label("Name of the group")).to_have_value("Frailty and medicines")
    page.get_by_label("The learning question it explores").fill("How do we stop over-prescribing in frailty?")
    page.get_by_role("button", name="Send your proposal").click()
    expect(page.get_by_role("status").filter(has_text="The programme team will look at your proposal")).to_be_visible()

    sign_in_with_mfa(page, "team@example.org", secret)
    page.goto("/members/programme/groups/")
    page.get_by_role("button", name="Approve Frailty and medicines").click()
    expect(page.get_by_role("status").filter(has_text="decision saved")).to_be_visible()
    group = Community.objects.get(name="Frailty and medicines")
    assert group.status == "approved"

    # Rob and Priya join; Priya asks for a daily digest (the default), not every post.
    for email in ("rob@example.org", "priya@example.org"):
        sign_in(page, email)
        page.goto(f"/members/communities/{group.slug}/")
        page.get_by_role("button", name="Join this community").click()
        expect(page.get_by_role("status").filter(has_text="You have joined")).to_be_visible()

    sign_in(page, "cara@example.org")
    page.goto(f"/members/communities/{group.slug}/discussions/")
    page.get_by_role("link", name="Start a discussion").click()
    page.get_by_label("Title").fill("Where do we start with deprescribing?")
    page.get_by_label("Your post").fill("Share **one** thing that worked for you.")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_role("heading", name="Where do we start with deprescribing?")).to_be_visible()
    expect(page.locator(".groups-post__body strong")).to_have_text("one")

    sign_in(page, "rob@example.org")
    page.goto(f"/members/communities/{group.slug}/discussions/")
    page.get_by_role("link", name="Where do we start with deprescribing?").click()
    page.get_by_label("Your reply").fill("@Priya Shah ran a great medication review clinic. <script>alert(1)</script>")
    page.get_by_role("button", name="Post your reply").click()
    expect(page.get_by_role("status").filter(has_text="Your reply is posted")).to_be_visible()
    expect(page.get_by_role("link", name="@Priya Shah")).to_be_visible()
    expect(page.get_by_text("<script>alert(1)</script>")).to_be_visible()  # shown as text

    to_priya = OutboundEmail.objects.filter(to="priya@example.org", key__startswith="members.post.")
    assert [email.subject for email in to_priya] == ["Rob Reply mentioned you in Frailty and medicines"]
    assert re.search(r"/members/communities/frailty-and-medicines/discussions/\d+/", to_priya[0].body_text)
    assert CommunityMembership.objects.get(member=priya).notify == "digest"
