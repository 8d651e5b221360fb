"""Signing in from a browser test. Each helper waits until the sign-in has
finished: a `page.goto` straight after the click would abort the form's
submission and leave the test signed out, now and then."""

import re
import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from playwright.sync_api import expect

from tests.factories import PASSWORD


def sign_in(page, email, password=PASSWORD):
    page.context.clear_cookies()  # whoever was signed in before, and a sign-out still on its way
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def with_secret(user) -> str:
    """Give the user an authenticator (TOTP) and return its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


_steps_used: dict[str, set[int]] = {}


def fresh_code(secret) -> str:
    """A TOTP code this test has not used yet. The portal refuses a code used
    before (a replay), so a second sign-in within the same 30-second step takes
    the next step's code, which the one-step tolerance accepts."""
    now = int(time.time()) // 30
    used = _steps_used.setdefault(secret, set())
    step = next(step for step in (now, now + 1, now - 1, now + 2) if step not in used)
    used.add(step)
    return format_hotp_value(hotp_value(secret, step))


def sign_in_with_mfa(page, email, secret, password=PASSWORD):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Code").fill(fresh_code(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_up_and_verify(page, email, name="Jo Morgan", password=PASSWORD):
    """Create an account and follow the link in the verification email."""
    from q_portal.outbox.models import OutboundEmail

    page.goto("/accounts/signup/")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    body = OutboundEmail.objects.filter(to=email, key__startswith="account:").get().body_text
    page.goto(re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", body).group(1))
    page.get_by_role("button", name="Confirm").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/confirm-email/"))


def submit_and_wait(page, button_name):
    """Press a button that moves on to another page, and wait until it has: the
    next step's fields must not be filled in on the page being left."""
    left = page.url
    page.get_by_role("button", name=button_name).click()
    expect(page).not_to_have_url(left)
