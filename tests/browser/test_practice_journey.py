"""Calibration before scoring (#15): the programme team adds a practice
application with agreed scores; a reviewer's queue sends them to it first; they
score it, see the agreed scores and the rationale beside their own, and then
their real queue opens; the team sees their practice error beside their live
bias on the reviewers' insight page."""

import re

import pytest
from playwright.sync_api import expect

from selection.choices import Recommendation
from selection.models import Assignment
from selection.services.reviews import review_save
from tests.browser.accounts import sign_in_with_mfa, with_secret
from tests.factories import programme_team
from tests.factories.selection import assign, review_round, reviewer_with_profile, submitted_application

pytestmark = pytest.mark.django_db(transaction=True)


def choose(page, group_name, value):
    page.get_by_role("group", name=re.compile(group_name)).get_by_label(re.compile(rf"^{value}:")).check()


def test_team_sets_agreed_scores_and_a_reviewer_practises_before_their_queue_opens(page):
    round = review_round(name="Winter round")
    application = submitted_application(round)
    team = programme_team(email="programme@example.org")
    team_secret = with_secret(team)
    rob = reviewer_with_profile(email="rob@example.org", display_name="Rob Evans", mfa=False)
    rob_secret = with_secret(rob)
    assign(application, rob)

    sign_in_with_mfa(page, "programme@example.org", team_secret)
    page.goto(f"/programme/selection/rounds/{round.pk}/")
    page.get_by_role("link", name="Practice applications and calibration").click()
    page.get_by_label("Title").fill("Practice 1: a falls project")
    for letter, text in zip("abc", ["We met weekly.", "I led the audit.", "We used PDSA cycles."], strict=True):
        page.get_by_label(re.compile(rf"Answer to criterion \({letter}\)")).fill(text)
    for letter, value in zip("abc", (3, 2, 4), strict=True):
        choose(page, rf"Agreed score for criterion \({letter}\)", value)
    page.get_by_label("Why these are the agreed scores").fill("Strong on reflection, thin on the role played.")
    page.get_by_role("button", name="Add the practice application").click()
    expect(page.get_by_text("The practice application is added.")).to_be_visible()
    expect(page.get_by_role("cell", name="(a) 3, (b) 2, (c) 4")).to_be_visible()

    sign_in_with_mfa(page, "rob@example.org", rob_secret)
    page.goto("/review/")
    expect(page.get_by_role("heading", name="Before your queue opens: practice")).to_be_visible()
    # The real application waits until the practice is done.
    page.get_by_role("link", name=application.reference).click()
    expect(page.get_by_text("Score the practice applications first")).to_be_visible()
    expect(page.get_by_role("heading", name="Practice 1: a falls project")).to_be_visible()
    expect(page.get_by_text("Strong on reflection")).to_have_count(0)
    for letter, value in zip("abc", (4, 3, 4), strict=True):
        choose(page, rf"Your score for criterion \({letter}\)", value)
    page.get_by_role("button", name="Submit and see the agreed scores").click()

    expect(page.get_by_role("heading", name="Your scores beside the agreed scores")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"\(b\).* 3 2"))).to_be_visible()
    expect(page.get_by_text("Strong on reflection, thin on the role played.")).to_be_visible()
    page.get_by_role("link", name="Go to your queue").click()
    expect(page.get_by_role("heading", name="Before your queue opens: practice")).to_have_count(0)
    page.get_by_role("link", name=application.reference).click()
    # Then, once for the round, the confidentiality and conflicts agreement.
    page.get_by_label("I accept this agreement for the round").check()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page.get_by_role("heading", name=f"Application {application.reference}")).to_be_visible()

    # Rob's review of the real application, then the team's view of calibration.
    review_save(
        assignment=Assignment.objects.get(reviewer=rob, application=application),
        by=rob,
        scores={"a": 3, "b": 3, "c": 2},
        comments={},
        recommendation=Recommendation.MAYBE,
        note_to_panel="",
        submit=True,
    )
    sign_in_with_mfa(page, "programme@example.org", team_secret)
    page.goto(f"/programme/selection/rounds/{round.pk}/practice/")
    page.get_by_role("link", name=re.compile("practice error beside their live bias")).click()
    expect(page.get_by_role("heading", name="Agreement before and after calibration")).to_be_visible()
    # Own minus agreed: +1, +1, 0; the root mean square is sqrt(2 / 3).
    before = page.locator("[data-practice-before]")
    expect(before).to_contain_text("Before calibration, practice scores lay 0.82 points from the agreed scores")
    expect(page.get_by_text("After calibration: no live application has two reviews yet.")).to_be_visible()
    rob_row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Rob Evans"))
    expect(rob_row.locator("[data-practice-error]")).to_contain_text("0.67")
    expect(rob_row.locator("[data-practice-error]")).to_contain_text("+0.67, 1 practice application")
