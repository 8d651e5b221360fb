import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from q_portal.outbox.models import OutboundEmail

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
