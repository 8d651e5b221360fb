import pytest
from django.urls import reverse

from tests.factories import UserFactory, programme_team, reviewer, with_totp

pytestmark = pytest.mark.django_db


def test_reviewer_page_without_mfa_redirects_to_mfa_setup(client):
    client.force_login(reviewer())

    response = client.get(reverse("selection:reviewer_home"), follow=True)

    assert response.redirect_chain[0] == (reverse("mfa_activate_totp"), 302)
    assert "must protect their account with two-factor authentication" in response.content.decode()


def test_reviewer_page_with_mfa_shows_queue(client):
    client.force_login(with_totp(reviewer()))

    response = client.get(reverse("selection:reviewer_home"))

    assert response.status_code == 200
    assert "Your review queue" in response.content.decode()


def test_programme_page_without_mfa_redirects_to_mfa_setup(client):
    client.force_login(programme_team())

    response = client.get(reverse("selection:programme_home"))

    assert response["Location"] == reverse("mfa_activate_totp")


def test_reviewer_page_without_mfa_allowed_when_setting_off(client, settings):
    settings.REQUIRE_MFA_FOR_STAFF = False
    client.force_login(reviewer())

    response = client.get(reverse("selection:reviewer_home"))

    assert response.status_code == 200
    assert "Your review queue" in response.content.decode()


def test_reviewer_page_refuses_applicant(client):
    client.force_login(with_totp(UserFactory()))

    response = client.get(reverse("selection:reviewer_home"))

    assert response.status_code == 403
    assert "Your review queue" not in response.content.decode()


def test_reviewer_page_refuses_programme_team(client):
    client.force_login(with_totp(programme_team()))

    response = client.get(reverse("selection:reviewer_home"))

    assert response.status_code == 403


def test_staff_page_sends_visitor_to_sign_in_and_back(client):
    response = client.get(reverse("selection:programme_home"))

    assert response["Location"] == f"{reverse('account_login')}?next=/programme/"


def test_admin_without_mfa_redirects_superuser_to_mfa_setup(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    response = client.get(reverse("admin:index"))

    assert response["Location"] == reverse("mfa_activate_totp")


def test_admin_with_mfa_opens_for_superuser(client):
    client.force_login(with_totp(UserFactory(is_superuser=True, is_staff=True)))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Q Portal administration" in response.content.decode()


def test_navigation_shows_each_role_only_its_areas(client):
    client.force_login(with_totp(reviewer()))

    page = client.get(reverse("home")).content.decode()

    assert 'href="/review/"' in page
    assert 'href="/programme/"' not in page
    assert 'href="/nominate/"' not in page
    assert 'href="/admin/"' not in page


def test_nominator_page_refuses_applicant(client):
    client.force_login(UserFactory())

    response = client.get(reverse("nominations:home"))

    assert response.status_code == 403


def test_applicant_area_requires_verified_email(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(verified=False)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("applications:applicant_home"))

    assert "confirm your email address" in response.content.decode().lower()
    assert [message.to for message in mailoutbox] == [[user.email]]
