"""The service works with JavaScript off: JavaScript only enhances."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accounts import sign_in
from tests.factories import UserFactory
from tests.factories.applications import ApplicationFactory, complete

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page_without_javascript(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_applicant_corrects_an_answer_and_submits_with_javascript_off(page_without_javascript):
    page = page_without_javascript
    application = complete(ApplicationFactory(applicant=UserFactory(email="no.js@example.org")))

    sign_in(page, "no.js@example.org")
    page.goto(f"/apply/application/{application.pk}/criterion/a/")
    page.get_by_role("textbox").fill(" ".join(["word"] * 301))
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("It is 301 words: remove 1 word.").first).to_be_visible()
    page.get_by_role("textbox").fill("A shorter answer about working with others.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).not_to_have_url(re.compile(r"/criterion/a/$"))

    page.goto(f"/apply/application/{application.pk}/check/")
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("heading", name="Application submitted")).to_be_visible()
    application.refresh_from_db()
    expect(page.get_by_text(application.reference)).to_be_visible()
    # With JavaScript off the session warning never shows, and nothing is hidden behind it.
    expect(page.get_by_role("alertdialog")).to_have_count(0)
