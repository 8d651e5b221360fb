"""Account journeys through allauth as a person meets them: signup, confirmation,
sign-in, password reset, rate limits, and no account enumeration."""

import re

import pytest
from django.urls import reverse

from members.models import User
from q_portal.outbox.models import OutboundEmail
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_up(client, email="new.person@example.org", name="Sam Patel"):
    return client.post(
        reverse("account_signup"),
        {"display_name": name, "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_signup_queues_confirmation_through_outbox_and_confirming_signs_in(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)

    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new.person@example.org")
    assert user.display_name == "Sam Patel"
    assert list(OutboundEmail.objects.values_list("to", "status")) == [("new.person@example.org", "sent")]
    assert len(mailoutbox) == 1
    confirm_url = link_in(mailoutbox[0])

    page = client.get(confirm_url)
    assert "new.person@example.org" in page.content.decode()
    client.post(confirm_url)

    assert user.emailaddress_set.get().verified is True
    assert client.get(reverse("applications:applicant_home")).status_code == 200


def test_signup_with_bad_input_shows_errors_and_keeps_what_was_typed(client):
    response = client.post(
        reverse("account_signup"),
        {"display_name": "  ", "email": "not-an-email", "password1": "short", "password2": "different"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter your name." in page or "This field is required." in page
    assert "Enter a valid email address." in page
    assert 'value="not-an-email"' in page
    assert User.objects.count() == 0


def test_signup_with_existing_email_reveals_nothing_and_tells_the_owner(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="taken@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, email="Taken@example.org")

    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1
    assert [message.to for message in mailoutbox] == [[owner.email]]
    assert "already" in mailoutbox[0].body


def test_password_reset_answers_the_same_for_unknown_addresses(client, mailoutbox, django_capture_on_commit_callbacks):
    UserFactory(email="known@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
        unknown = client.post(reverse("account_reset_password"), {"email": "unknown@example.org"})

    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    assert sorted(message.to[0] for message in mailoutbox) == ["known@example.org", "unknown@example.org"]
    unknown_message = next(message for message in mailoutbox if message.to == ["unknown@example.org"])
    assert "/accounts/password/reset/key/" not in unknown_message.body


def test_password_reset_link_sets_a_new_password(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="forgetful@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})

    key_url = client.get(link_in(mailoutbox[0]))["Location"]
    client.post(key_url, {"password1": "a-brand-new-password", "password2": "a-brand-new-password"})

    user.refresh_from_db()
    assert user.check_password("a-brand-new-password")


def test_login_is_refused_after_repeated_failures_for_one_account(client):
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"})

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_rate_limit_counts_the_client_behind_a_trusted_proxy(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    for attempt in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"someone{attempt}@example.org", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    blocked = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    allowed = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    assert "Too many failed login attempts" in blocked.content.decode()
    assert allowed["Location"] == reverse("applications:applicant_home")


def test_admin_login_goes_through_the_portal_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"


def test_signing_out_needs_a_post(client):
    client.force_login(UserFactory())

    client.get(reverse("account_logout"))
    assert "_auth_user_id" in client.session

    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_visitor_who_signs_up_from_a_protected_page_comes_back_to_it(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    login_url = client.get("/apply/")["Location"]
    login_page = client.get(login_url).content.decode()
    signup_url = re.search(r'href="(/accounts/signup/\?next=[^"]*)"', login_page).group(1)
    assert "next=%2Fapply%2F" in signup_url

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            signup_url,
            {"display_name": "Sam", "email": "sam@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
    response = client.post(link_in(mailoutbox[0]))

    assert response["Location"] == "/apply/"
