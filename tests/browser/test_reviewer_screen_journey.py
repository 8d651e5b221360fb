"""A reviewer's session (#14): the queue opens on what is to do with the round's
progress; the first application waits behind the round's confidentiality and
conflicts agreement; they score with the number keys, Submit and next carries
them on (one application on a phone), they abstain from one, and the last
Submit and next says all done."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from selection.models import Conflict, ReviewerAgreement
from selection.services.settings import selection_settings_for
from tests.browser.accounts import sign_in_with_mfa, with_secret
from tests.factories.selection import assign, review_round, reviewer_with_profile, submitted_application

pytestmark = pytest.mark.django_db(transaction=True)


def score_group(page, letter):
    return page.get_by_role("group", name=re.compile(rf"Score for criterion \({letter}\)"))


def score_with_keys(page, scores):
    """Focus each criterion's scores and press the level's number key."""
    for letter, value in zip("abc", scores, strict=True):
        group = score_group(page, letter)
        group.get_by_role("radio").first.focus()
        page.keyboard.press(str(value))
        expect(group.get_by_label(re.compile(rf"^{value}:"))).to_be_checked()


def recommend(page, recommendation):
    page.get_by_role("group", name="Your recommendation").get_by_label(recommendation, exact=True).check()


def test_reviewer_accepts_the_agreement_scores_by_keys_submits_and_moves_on_and_abstains(page):
    round = review_round(name="Spring round")
    settings = selection_settings_for(round=round)
    settings.review_due_on = timezone.localdate() + timedelta(days=2)
    settings.save(update_fields=["review_due_on"])
    applications = [submitted_application(round) for _ in range(4)]
    rob = reviewer_with_profile(email="rob@example.org", display_name="Rob Evans", mfa=False)
    reviewer_with_profile(display_name="Sam Spare", mfa=False)  # takes the one Rob abstains from
    for application in applications:
        assign(application, rob)
    first, second, third, fourth = (a.reference for a in sorted(applications, key=lambda a: a.reference))
    secret = with_secret(rob)

    sign_in_with_mfa(page, "rob@example.org", secret)
    page.goto("/review/")
    weekday = date_format(timezone.localdate() + timedelta(days=2), "l")
    expect(page.get_by_text(f"0 of 4 done, due {weekday}")).to_be_visible()
    expect(page.get_by_label("Show")).to_have_value("to_do")
    page.get_by_role("link", name="Start the next application").click()

    # The agreement, once for the round, before any answer shows.
    expect(page.get_by_role("heading", name="Confidentiality and conflicts of interest")).to_be_visible()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page.get_by_text("Tick the box to accept the agreement").first).to_be_visible()
    page.get_by_label("I accept this agreement for the round").check()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page.get_by_role("heading", name=f"Application {first}")).to_be_visible()
    assert ReviewerAgreement.objects.get().reviewer == rob

    # Answer and rubric side by side on a wide screen.
    answer = page.locator(".portal-inset").filter(has_text="improvement").first.bounding_box()
    rubric = score_group(page, "a").bounding_box()
    assert rubric["x"] > answer["x"] + answer["width"] - 1
    expect(page.get_by_text("press 1 to 4 to choose a level")).to_be_visible()
    score_with_keys(page, (3, 4, 2))
    recommend(page, "Accept")
    page.get_by_role("button", name="Submit and next").click()
    expect(page.get_by_text(f"Your review of {first} is submitted.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Application {second}")).to_be_visible()

    # The second on a phone: answer and rubric stacked.
    page.set_viewport_size({"width": 375, "height": 800})
    answer = page.locator(".portal-inset").filter(has_text="improvement").first.bounding_box()
    rubric = score_group(page, "a").bounding_box()
    assert rubric["y"] >= answer["y"] + answer["height"] - 1
    for letter, value in zip("abc", (2, 2, 3), strict=True):
        score_group(page, letter).get_by_label(re.compile(rf"^{value}:")).check()
    recommend(page, "Maybe")
    page.get_by_role("button", name="Submit and next").click()
    expect(page.get_by_role("heading", name=f"Application {third}")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 720})

    # The third is outside Rob's experience: he abstains, and it goes to Sam.
    page.get_by_role("link", name="Abstain from this application").click()
    page.get_by_role("button", name="Abstain").click()
    expect(page.get_by_role("alert").filter(has_text="Tell us why you are abstaining.")).to_be_visible()
    page.get_by_label("Why are you abstaining?").fill("Outside my experience: this is about social care commissioning.")
    page.get_by_role("button", name="Abstain").click()
    expect(page.get_by_text(f"You have abstained from {third}.")).to_be_visible()
    expect(page.get_by_role("link", name=third)).to_have_count(0)
    assert Conflict.objects.get(reviewer=rob).application.assignments.get().reviewer.display_name == "Sam Spare"

    page.get_by_role("link", name="Start the next application").click()
    expect(page.get_by_role("heading", name=f"Application {fourth}")).to_be_visible()
    score_with_keys(page, (4, 4, 4))
    recommend(page, "Accept")
    page.get_by_role("button", name="Submit and next").click()
    expect(page.get_by_role("heading", name="All done")).to_be_visible()
    expect(page.get_by_text("3 of 3 done")).to_be_visible()

    page.goto("/review/?state=abstained")
    expect(
        page.get_by_role("cell", name="Outside my experience: this is about social care commissioning.")
    ).to_be_visible()
