import re

import pytest
from playwright.sync_api import expect

from applications.choices import RouteKind
from applications.models import Application
from members.models import Region, User
from tests.browser.accounts import sign_in, sign_up_and_verify, submit_and_wait
from tests.factories import OrganisationFactory
from tests.factories.applications import RoundFactory, route

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
ANSWER = "I worked with patients and pharmacists to cut missed doses on our wards, using run charts. "


def test_new_applicant_applies_from_sign_up_to_submission(page):
    round = RoundFactory(name="Wider recruitment", routes=[route(RouteKind.PATIENT_CARER), route(RouteKind.OPEN)])
    OrganisationFactory(name="Sheffield Teaching Hospitals")
    Region.objects.get_or_create(slug="yorkshire", defaults={"name": "Yorkshire and Humber", "nation": "england"})

    sign_up_and_verify(page, "jo.morgan@example.org")
    page.goto("/apply/")
    page.get_by_role("link", name="Check if you can apply").click()
    page.get_by_role("group", name=re.compile("patient's or carer's|patient or carer", re.I)).get_by_label("No").check()
    page.get_by_role("group", name=re.compile("open to all", re.I)).get_by_label("Yes").check()
    submit_and_wait(page, "Continue")
    expect(page.get_by_role("heading", name="Your application")).to_be_visible()

    page.get_by_role("link", name="About you").click()
    page.get_by_label("Job title").fill("Pharmacist")
    page.get_by_label("Front-line clinician").check()
    page.get_by_label("Organisation", exact=True).select_option(label="Sheffield Teaching Hospitals")
    page.get_by_label("Region").select_option(label="Yorkshire and Humber")
    submit_and_wait(page, "Save and continue")

    page.get_by_label("Evidence for your route").fill("I lead medicines safety improvement in my trust.")
    submit_and_wait(page, "Save and continue")

    # One validation error on the way: too many words, and nothing is lost.
    too_long = " ".join(["word"] * 320)
    page.get_by_role("textbox").fill(too_long)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_value(too_long)
    page.get_by_role("textbox").fill(ANSWER)
    submit_and_wait(page, "Save and continue")

    page.get_by_role("textbox").fill(ANSWER)
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_role("status").filter(has_text="Your answers are saved")).to_be_visible()

    # Save and return: sign out, sign in, carry on where we left off.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    sign_in(page, "jo.morgan@example.org", PASSWORD)
    page.goto("/apply/")
    page.get_by_role("link", name=re.compile("Continue")).click()
    expect(page.get_by_text("You have completed 4 of 6 sections.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Ability to articulate")).click()
    page.get_by_role("textbox").fill(ANSWER)
    submit_and_wait(page, "Save and continue")
    page.get_by_label("The information in this application is true").check()
    page.get_by_label("I agree to the Q programme team processing").check()
    submit_and_wait(page, "Save and continue")

    expect(page.get_by_role("heading", name="Check your answers before you submit")).to_be_visible()
    expect(page.get_by_text("Pharmacist", exact=True)).to_be_visible()
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("heading", name="Application submitted")).to_be_visible()
    application = Application.objects.get(applicant__email="jo.morgan@example.org", round=round)
    expect(page.get_by_text(application.reference)).to_be_visible()
    page.get_by_role("link", name="View the status of your application").click()
    expect(page.get_by_text("Submitted", exact=True)).to_be_visible()


def test_ineligible_person_is_told_why_and_offered_updates(page):
    RoundFactory(name="Pilot", routes=[route(RouteKind.PATIENT_CARER)])

    sign_up_and_verify(page, "not.eligible@example.org")
    page.goto("/apply/")
    page.get_by_role("link", name="Check if you can apply").click()
    page.get_by_label("No").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="You cannot apply to this round")).to_be_visible()
    expect(page.get_by_role("link", name="Register for updates about the next round")).to_be_visible()


def test_applicant_is_warned_before_the_session_ends_and_can_stay_signed_in(page, settings):
    # Two minutes and three seconds of inactivity allowed: the warning comes after three.
    settings.SESSION_COOKIE_AGE = 123
    round = RoundFactory(routes=[route(RouteKind.OPEN)])
    sign_up_and_verify(page, "slow.writer@example.org")
    application = Application.objects.create(
        applicant=User.objects.get(email="slow.writer@example.org"), round=round, route=round.routes.get()
    )
    page.goto(f"/apply/application/{application.pk}/criterion/a/")
    page.get_by_role("textbox").fill("Half an answer")

    warning = page.get_by_role("alertdialog", name="You will be signed out soon")
    expect(warning).to_be_visible(timeout=8_000)
    page.get_by_role("button", name="Stay signed in").click()

    expect(warning).to_be_hidden()
    expect(page.get_by_role("textbox")).to_have_value("Half an answer")
