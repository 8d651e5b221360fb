"""The application journey with the keyboard alone: Tab to move, type to answer,
Space and arrow keys for choices, Enter to press buttons and follow links."""

import pytest
from playwright.sync_api import expect

from applications.models import Application
from tests.factories import PASSWORD, OrganisationFactory, RegionFactory, UserFactory
from tests.factories.applications import ApplicationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def tab_to(page, locator, limit=60):
    """Press Tab until the locator has focus, as a keyboard user would."""
    element = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("element => document.activeElement === element", element):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_applicant_completes_the_application_with_the_keyboard_only(page):
    OrganisationFactory(name="Aneurin Bevan University Health Board")
    RegionFactory(name="Wales", slug="wales")
    user = UserFactory(email="keys@example.org")
    application = ApplicationFactory(applicant=user)

    page.goto("/accounts/login/")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type("keys@example.org")
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto(f"/apply/application/{application.pk}/")
    tab_to(page, page.get_by_role("link", name="About you"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Job title"))
    page.keyboard.type("Physiotherapist")
    tab_to(page, page.get_by_label("Front-line clinician"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Organisation", exact=True))
    page.keyboard.type("Aneurin")
    tab_to(page, page.get_by_label("Region"))
    page.keyboard.type("Wales")
    tab_to(page, page.get_by_role("button", name="Save and continue"))
    page.keyboard.press("Enter")

    # The round's only route is stated, not chosen: straight to the evidence.
    expect(page.get_by_text("You are applying by this route: Open to all")).to_be_visible()
    tab_to(page, page.get_by_label("Evidence for your route"))
    page.keyboard.type("I lead a falls prevention project.")
    tab_to(page, page.get_by_role("button", name="Save and continue"))
    page.keyboard.press("Enter")
    for _ in range(3):
        tab_to(page, page.get_by_role("textbox"))
        page.keyboard.type("I improve care with colleagues and patients, and reflect on what works.")
        tab_to(page, page.get_by_role("button", name="Save and continue"))
        page.keyboard.press("Enter")
    for label in ("The information in this application is true", "I agree to the Q programme team processing"):
        tab_to(page, page.get_by_label(label))
        page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Save and continue"))
    page.keyboard.press("Enter")

    tab_to(page, page.get_by_role("button", name="Submit application"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Application submitted")).to_be_visible()
    application = Application.objects.get(pk=application.pk)
    assert (application.job_title, application.organisation.name, application.region.name) == (
        "Physiotherapist",
        "Aneurin Bevan University Health Board",
        "Wales",
    )
