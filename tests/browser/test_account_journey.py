import re
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from q_portal.outbox.models import OutboundEmail
from tests.browser.accounts import fresh_code, sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_person_signs_up_asks_for_the_link_again_confirms_email_signs_in_and_out(page):
    page.goto("/")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("Your name").fill("Sam Patel")
    page.get_by_label("Email").fill("sam.patel@example.org")
    page.get_by_label("Password", exact=True).fill("a-long-test-password")
    page.get_by_label("Password (again)").fill("a-long-test-password")
    page.get_by_role("button", name="Create an account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert OutboundEmail.objects.filter(to="sam.patel@example.org").count() == 1

    # The first email went astray: ask for the link again (after the cooldown).
    cache.clear()
    page.get_by_role("link", name="Send the link again").click()
    page.get_by_label("Email address").fill("sam.patel@example.org")
    page.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text("we have sent it a new link")).to_be_visible()

    email = OutboundEmail.objects.filter(to="sam.patel@example.org").order_by("pk").last()
    assert OutboundEmail.objects.filter(to="sam.patel@example.org").count() == 2
    confirm_path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", email.body_text).group(1)
    page.goto(confirm_path)
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_text("Sam", exact=False).first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("sam.patel@example.org")
    page.get_by_label("Password").fill("wrong-password-typed")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_person_adds_an_address_sets_up_mfa_keeps_recovery_codes_and_signs_in_with_one(page):
    """Issue 14: allauth's account and MFA pages in the portal's words, each page
    passing the shared checks (axe, contrast, 375 px) as the `page` fixture runs them."""
    UserFactory(email="robin.shaw@example.org", display_name="Robin Shaw")
    sign_in(page, "robin.shaw@example.org")

    # A second address: a bad one first, which the page says beside the field.
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email addresses")
    page.get_by_label("Email address").fill("robin at work")
    page.get_by_role("button", name="Add this address").click()
    expect(page).to_have_title(re.compile(r"^Error: Email addresses"))
    expect(page.locator("#id_email_error")).to_contain_text("Enter an email address in the right format")
    page.get_by_label("Email address").fill("robin.shaw@work.example.org")
    page.get_by_role("button", name="Add this address").click()
    expect(page.get_by_text("We have sent a link to confirm your email address")).to_be_visible()
    expect(page.get_by_text("Not confirmed yet")).to_be_visible()

    # An address not yet confirmed stops two-factor authentication being turned
    # on (someone else could have added it): the page says so; remove it.
    page.get_by_role("link", name="Two-factor authentication").first.click()
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_text("Confirm each of your email addresses")).to_be_visible()
    page.get_by_role("link", name="Account").click()
    page.get_by_label("robin.shaw@work.example.org").check()
    page.get_by_role("button", name="Remove it").click()
    expect(page.get_by_text("You have removed robin.shaw@work.example.org from your account.")).to_be_visible()

    # Two-factor authentication: confirm it is you, then scan (here: read) the key.
    page.get_by_role("link", name="Two-factor authentication").first.click()
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    page.get_by_label("Authenticator code").fill("123456")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page).to_have_title(re.compile(r"^Error: Set up an authenticator app"))
    expect(page.locator("#id_code_error")).to_contain_text("That code is not right.")
    secret = page.get_by_label("Key to type in").input_value()
    page.get_by_label("Authenticator code").fill(fresh_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    codes = page.get_by_label("Codes you have not used").input_value().split()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your codes").click()
    assert download.value.suggested_filename == "recovery-codes.txt"
    assert Path(download.value.path()).read_text().splitlines()[3:] == codes

    # Phone lost: sign in with a recovery code instead.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("robin.shaw@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    page.get_by_label("Code").fill("00000000")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: Enter your security code"))
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("link", name="Two-factor authentication").first.click()
    expect(page.get_by_text("You have 9 of 10 recovery codes left.")).to_be_visible()
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("While two-factor authentication is on, you cannot add an email address")).to_be_visible()
