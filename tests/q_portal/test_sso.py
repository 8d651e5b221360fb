"""Single sign-on's configuration and the MFA rule (q_portal/sso), without a browser.
The flows themselves run against a real provider in tests/browser/test_sso_journey.py
and tests/quality/test_sso_sessions.py."""

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

from q_portal.sso.config import apps_from_environment, provider_asserts_mfa
from q_portal.sso.selectors import organisation_claim_for
from q_portal.sso.session import SESSION_KEY, end_session_offer
from tests.factories import UserFactory, reviewer

PROVIDER = '{"id": "nhs", "name": "NHS account", "issuer": "https://login.example/t/v2.0", "client_id": "portal"'


def test_providers_come_from_the_environment_with_the_secret_apart(monkeypatch):
    monkeypatch.setenv("SSO_PROVIDERS", f'[{PROVIDER}, "domains": ["@NHS.net"], "organisation_claim": "org"}}]')
    monkeypatch.setenv("SSO_SECRET_NHS", "from-its-own-variable")
    [app] = apps_from_environment(environ.Env())
    assert app["provider_id"] == "nhs"
    assert app["secret"] == "from-its-own-variable"
    assert app["settings"]["server_url"] == "https://login.example/t/v2.0"
    assert app["settings"]["domains"] == ["nhs.net"]
    assert app["settings"]["mfa_amr"] == ["mfa", "otp", "hwk"]
    assert app["settings"]["mfa_acr"] == []
    assert app["settings"]["oauth_pkce_enabled"] is True


def test_no_providers_by_default(monkeypatch):
    monkeypatch.delenv("SSO_PROVIDERS", raising=False)
    assert apps_from_environment(environ.Env()) == []


@pytest.mark.parametrize(
    "value",
    ["{not json", '{"id": "nhs"}', '[{"id": "nhs"}]', f"[{PROVIDER.replace('nhs', 'NHS Mail')}}}]"],
)
def test_a_misconfigured_provider_stops_the_portal_starting(monkeypatch, value):
    monkeypatch.setenv("SSO_PROVIDERS", value)
    with pytest.raises(ImproperlyConfigured):
        apps_from_environment(environ.Env())


@pytest.mark.parametrize(
    ("claims", "asserted"),
    [
        ({"amr": ["pwd", "mfa"]}, True),
        ({"amr": ["hwk"]}, True),
        ({"amr": ["otp"]}, True),
        ({"amr": ["pwd"]}, False),
        ({"amr": "mfa"}, True),
        ({"amr": [{"mfa": True}]}, False),
        ({}, False),
        ({"acr": "urn:example:loa:high"}, True),
        ({"acr": "urn:example:loa:low"}, False),
        ({"acr": ["urn:example:loa:high"]}, False),
        # A custom claim saying "mfa" is not trusted: only amr and acr are.
        ({"mfa": True, "amr": ["pwd"]}, False),
    ],
)
def test_only_the_trusted_amr_or_acr_values_count_as_mfa(claims, asserted):
    settings = {"mfa_amr": ["mfa", "otp", "hwk"], "mfa_acr": ["urn:example:loa:high"]}
    assert provider_asserts_mfa(settings, claims) is asserted


def test_mfa_trust_is_per_provider():
    assert provider_asserts_mfa({"mfa_amr": [], "mfa_acr": []}, {"amr": ["mfa"]}) is False


@pytest.mark.django_db
def test_a_provider_mfa_flag_counts_only_for_the_person_it_was_given_to(client):
    staff, other = reviewer(), UserFactory()
    client.force_login(staff)
    session = client.session
    session[SESSION_KEY] = {"user": other.pk, "provider": "nhs", "name": "NHS account", "mfa": True}
    session.save()
    response = client.get("/review/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"

    session[SESSION_KEY]["user"] = staff.pk
    session.save()
    assert client.get("/review/").status_code == 200


@pytest.mark.django_db
def test_signing_in_with_a_password_forgets_an_earlier_sso_sign_in(client):
    staff = reviewer()
    session = client.session  # a session that somehow still says so, signed out
    session[SESSION_KEY] = {"user": staff.pk, "provider": "nhs", "name": "NHS account", "mfa": True}
    session.save()
    client.post("/accounts/login/", {"login": staff.email, "password": "a-long-test-password"})
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert SESSION_KEY not in client.session
    assert client.get("/review/")["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.django_db
def test_with_no_provider_the_sign_in_page_is_as_before(client):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with your" not in page
    assert "sso-suggest.js" not in page


@pytest.mark.django_db
def test_no_organisation_suggestion_and_no_query_without_a_provider(django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(0):
        assert organisation_claim_for(user=user) is None


def test_the_providers_sign_out_is_offered_only_where_it_publishes_one():
    signed_in = {"name": "NHS account", "client_id": "portal", "end_session": "https://idp.example/logout"}
    offer = end_session_offer(signed_in, post_logout_redirect_uri="https://q.example/")
    assert offer == {
        "name": "NHS account",
        "url": "https://idp.example/logout?client_id=portal&post_logout_redirect_uri=https%3A%2F%2Fq.example%2F",
    }
    assert end_session_offer({**signed_in, "end_session": ""}, post_logout_redirect_uri="https://q.example/") is None


@pytest.mark.django_db
def test_linked_identities_are_in_the_subject_access_export_and_go_with_erasure():
    from allauth.socialaccount.models import SocialAccount

    from selection.selectors.privacy import data_subject_for, personal_data_of
    from selection.services.privacy import person_erase
    from tests.factories import programme_team

    user = UserFactory(email="sam.okafor@nhs.net")
    SocialAccount.objects.create(
        user=user, provider="nhs", uid="42", extra_data={"userinfo": {"email": "sam.okafor@nhs.net"}}
    )
    [linked] = personal_data_of(subject=data_subject_for(user=user))["account"]["linked_work_accounts"]
    assert (linked["provider"], linked["identifier"], linked["claims"]) == (
        "nhs",
        "42",
        {"userinfo": {"email": "sam.okafor@nhs.net"}},
    )

    person_erase(subject=data_subject_for(user=user), reason="Asked to be forgotten", by=programme_team())
    assert SocialAccount.objects.filter(user=user).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("linked", [1, 3])
def test_linked_work_accounts_page_costs_the_same_whatever_is_linked(
    client, settings, django_assert_num_queries, linked
):
    from allauth.socialaccount.models import SocialAccount

    from q_portal.sso.config import provider_app

    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
            "APPS": [
                provider_app(
                    {"id": f"p{n}", "name": f"Account {n}", "issuer": "https://idp.example", "client_id": "q"},
                    secret="",
                )
                for n in range(3)
            ],
        }
    }
    user = UserFactory()
    for n in range(linked):
        SocialAccount.objects.create(
            user=user, provider=f"p{n}", uid=str(n), extra_data={"userinfo": {"email": f"{n}@nhs.net"}}
        )
    client.force_login(user)
    with django_assert_num_queries(7):
        page = client.get("/accounts/3rdparty/").content.decode()
    assert page.count("Linked on") == linked
    assert "Account 0: 0@nhs.net" in page
    assert "Link your Account 2" in page
