"""allauth's pages in the portal's words: plain headings, a way to have the
confirmation link sent again, and "Error:" leading the title of a page whose
form shows errors."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.urls import reverse

from q_portal.outbox.models import OutboundEmail
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def title_of(response) -> str:
    return re.search(r"<title>\s*(.*?)\s*</title>", response.content.decode(), re.S).group(1)


def heading_of(response) -> str:
    return re.sub(r"\s+", " ", re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S).group(1)).strip()


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_login", "Sign in"),
        ("account_signup", "Create an account"),
        ("account_reset_password", "Reset your password"),
        ("account_reset_password_done", "Check your email"),
        ("account_email_verification_sent", "Check your email"),
        ("account_resend_verification", "Send the link to confirm your email address again"),
    ],
)
def test_account_pages_speak_plainly(client, url_name, heading):
    response = client.get(reverse(url_name))

    page = response.content.decode()
    assert heading_of(response) == heading
    assert title_of(response) == f"{heading} \N{EN DASH} Q Portal"
    for allauth_wording in ("Sign In", "Sign Up", "finalize", "contact us", "Verify Your", "Reset My Password"):
        assert allauth_wording not in page


def test_sign_in_page_offers_password_reset_and_the_confirmation_link_again(client):
    page = client.get(reverse("account_login")).content.decode()

    assert reverse("account_reset_password") in page
    assert reverse("account_resend_verification") in page
    assert "Keep me signed in on this device" in page


def test_check_your_email_page_links_to_sending_the_link_again(client):
    page = client.get(reverse("account_email_verification_sent")).content.decode()

    assert f'href="{reverse("account_resend_verification")}"' in page
    assert "Send the link again" in page


def test_resend_sends_a_new_link_to_an_unconfirmed_address(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="waiting@example.org", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_resend_verification"), {"email": "Waiting@example.org"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert "If Waiting@example.org has an account waiting to be confirmed, we have sent it a new link." in (
        response.content.decode()
    )
    assert [message.to for message in mailoutbox] == [["waiting@example.org"]]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mailoutbox[0].body).group(1)
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified is True


@pytest.mark.parametrize("email", ["nobody@example.org", "confirmed@example.org"])
def test_resend_answers_the_same_and_sends_nothing_when_nothing_waits(client, email):
    UserFactory(email="confirmed@example.org")

    response = client.post(reverse("account_resend_verification"), {"email": email}, follow=True)

    assert f"If {email} has an account waiting to be confirmed, we have sent it a new link." in (
        response.content.decode()
    )
    assert OutboundEmail.objects.count() == 0


def test_resend_sends_one_link_in_three_minutes(client):
    user = UserFactory(email="eager@example.org", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    cache.clear()

    for _ in range(3):
        client.post(reverse("account_resend_verification"), {"email": "eager@example.org"})

    assert OutboundEmail.objects.filter(to="eager@example.org").count() == 1


def test_resend_with_bad_input_says_what_to_fix_and_keeps_it(client):
    response = client.post(reverse("account_resend_verification"), {"email": "not an address"})

    page = response.content.decode()
    assert title_of(response).startswith("Error: Send the link")
    assert "Enter an email address in the right format, like name@example.org." in page
    assert 'value="not an address"' in page


def test_sign_up_with_errors_leads_the_title_with_error(client):
    response = client.post(
        reverse("account_signup"), {"display_name": "", "email": "x", "password1": "a", "password2": "b"}
    )

    assert title_of(response) == "Error: Create an account \N{EN DASH} Q Portal"


def test_sign_in_with_a_wrong_password_leads_the_title_with_error(client):
    UserFactory(email="person@example.org")

    response = client.post(reverse("account_login"), {"login": "person@example.org", "password": PASSWORD + "x"})

    assert title_of(response) == "Error: Sign in \N{EN DASH} Q Portal"


def test_a_page_that_already_says_error_is_not_said_twice(client):
    from tests.factories.members import MemberFactory

    member = MemberFactory()
    client.force_login(member.user)
    response = client.post(reverse("members:me_pledge"), {"text": ""})

    assert title_of(response).startswith("Error: ")
    assert "Error: Error:" not in title_of(response)


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_change_password", "Change your password"),
        ("account_reauthenticate", "Confirm it is you"),
        ("mfa_index", "Two-factor authentication"),
    ],
)
def test_signed_in_account_pages_speak_plainly(client, url_name, heading):
    user = UserFactory()
    # Signed in through the form, so allauth knows it was just now (setting up
    # MFA asks for that).
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    response = client.get(reverse(url_name))

    assert heading_of(response) == heading
    page = response.content.decode()
    for allauth_wording in ("Deactivate", "Activate Authenticator", "Change Password", "Confirm Access"):
        assert allauth_wording not in page
