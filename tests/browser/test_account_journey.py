import re

import pytest
from playwright.sync_api import expect

from q_portal.outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)


def test_person_signs_up_confirms_email_signs_in_and_out(page):
    page.goto("/")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("Your name").fill("Sam Patel")
    page.get_by_label("Email").fill("sam.patel@example.org")
    page.get_by_label("Password", exact=True).fill("a-long-test-password")
    page.get_by_label("Password (again)").fill("a-long-test-password")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    email = OutboundEmail.objects.get(to="sam.patel@example.org")
    assert email.status == "sent"
    confirm_path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", email.body_text).group(1)
    page.goto(confirm_path)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Sam", exact=False).first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("sam.patel@example.org")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
