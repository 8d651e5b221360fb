"""The programme team closes a round and assigns reviewers automatically; two
reviewers, signed in with MFA, score an application blind, and each sees the
other's scores only after submitting their own."""

import re

import pytest
from playwright.sync_api import expect

from selection.models import Assignment
from tests.browser.accounts import sign_in_with_mfa, with_secret
from tests.factories import OrganisationFactory, programme_team
from tests.factories.applications import ApplicationFactory, RoundFactory, submitted
from tests.factories.selection import reviewer_with_profile

pytestmark = pytest.mark.django_db(transaction=True)


def score(page, scores, recommendation):
    for letter, value in zip("abc", scores, strict=True):
        group = page.get_by_role("group", name=re.compile(rf"Score for criterion \({letter}\)"))
        group.get_by_label(re.compile(rf"^{value}:")).check()
    page.get_by_role("group", name="Your recommendation").get_by_label(recommendation, exact=True).check()
    page.get_by_role("button", name="Submit and next").click()


def accept_the_agreement(page):
    expect(page.get_by_role("heading", name="Confidentiality and conflicts of interest")).to_be_visible()
    page.get_by_label("I accept this agreement for the round").check()
    page.get_by_role("button", name="Accept and continue").click()


def test_programme_team_assigns_and_two_reviewers_score_blind_and_independently(page):
    round = RoundFactory(name="Pilot round")
    application = submitted(ApplicationFactory(round=round, full_name="Jo Bloggs"))
    application.organisation = OrganisationFactory(name="Northumbria Healthcare")
    application.save()
    team = programme_team(email="programme@example.org")
    team_secret = with_secret(team)
    rob = reviewer_with_profile(email="rob@example.org", display_name="Rob Evans", mfa=False)
    rhiannon = reviewer_with_profile(email="rhiannon@example.org", display_name="Rhiannon Jones", mfa=False)
    rob_secret, rhiannon_secret = with_secret(rob), with_secret(rhiannon)

    sign_in_with_mfa(page, "programme@example.org", team_secret)
    page.goto(f"/programme/rounds/{round.pk}/")
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_text("Pilot round is closed.")).to_be_visible()
    page.goto("/programme/")
    page.get_by_role("link", name="Selection").click()
    page.get_by_role("link", name="Pilot round").click()
    page.get_by_role("button", name="Assign reviewers automatically").click()
    expect(page.get_by_text("2 assignments made. Every application has its reviewers.")).to_be_visible()

    sign_in_with_mfa(page, "rob@example.org", rob_secret)
    page.goto("/review/")
    expect(page.get_by_text("0 of 1 done")).to_be_visible()
    page.get_by_role("link", name=application.reference).click()
    accept_the_agreement(page)
    expect(page.get_by_role("heading", name=f"Application {application.reference}")).to_be_visible()
    expect(page.get_by_text("Jo Bloggs")).to_have_count(0)
    expect(page.get_by_text("Northumbria Healthcare")).to_have_count(0)
    expect(page.get_by_text("once you have submitted your own")).to_be_visible()
    score(page, (3, 4, 2), "Accept")
    expect(page.get_by_text(f"Your review of {application.reference} is submitted.")).to_be_visible()
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
    page.goto(f"/review/assignment/{Assignment.objects.get(reviewer=rob).pk}/")
    expect(page.get_by_text("No other reviewer has submitted a review yet.")).to_be_visible()

    sign_in_with_mfa(page, "rhiannon@example.org", rhiannon_secret)
    page.goto("/review/")
    page.get_by_role("link", name=application.reference).click()
    accept_the_agreement(page)
    expect(page.get_by_text("Review by Rob Evans")).to_have_count(0)
    expect(page.get_by_text("once you have submitted your own")).to_be_visible()
    # Submitting without a recommendation keeps the scores chosen and says what is missing.
    for letter, value in zip("abc", (2, 2, 3), strict=True):
        page.get_by_role("group", name=re.compile(rf"Score for criterion \({letter}\)")).get_by_label(
            re.compile(rf"^{value}:")
        ).check()
    page.get_by_role("button", name="Submit and next").click()
    expect(page.get_by_role("alert").filter(has_text="Choose a recommendation before submitting.")).to_be_visible()
    expect(
        page.get_by_role("group", name=re.compile(r"Score for criterion \(c\)")).get_by_label(re.compile("^3:"))
    ).to_be_checked()
    page.get_by_role("group", name="Your recommendation").get_by_label("Maybe", exact=True).check()
    page.get_by_role("button", name="Submit and next").click()
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
    page.goto(f"/review/assignment/{Assignment.objects.get(reviewer=rhiannon).pk}/")
    expect(page.get_by_text("Review by Rob Evans")).to_be_visible()
    expect(page.get_by_text("Recommendation: Accept")).to_be_visible()
