"""The access matrix and the MFA gate hold for sessions begun by single sign-on:
a reviewer and a programme team member without the portal's TOTP sign in through a
real OpenID Connect provider (tests/oidc_provider, on loopback), once where it
asserts MFA and once where it does not, and get on every URL exactly what the
policy gives a staff member with MFA, and one without it."""

import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from members.models import User
from tests.browser.sso import portal_app, trust
from tests.oidc_provider.server import PASSWORD as IDP_PASSWORD
from tests.oidc_provider.server import IdentityProvider, subject_of

from .access import ANY, POLICY, ROLES, outcome, url_for, url_patterns

pytestmark = pytest.mark.django_db

STAFF = {
    "asserts-mfa": {"email": "staff.mfa@nhs.net", "email_verified": True, "amr": ["pwd", "mfa"]},
    "password-only": {"email": "staff.pwd@nhs.net", "email_verified": True, "amr": ["pwd"]},
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    idp = IdentityProvider(
        tmp_path_factory.mktemp("identity-provider"),
        portal_url="http://testserver",
        users=STAFF,
        clients={"portal-nhs": {"provider_id": "nhs", "mode": ""}},
    ).start()
    yield idp
    idp.stop()


def sso_sign_in(client: Client, provider, username: str) -> None:
    """The whole flow, as a browser would: the portal's test client on one side, HTTP
    to the provider on the other (its login form, then the authorisation redirect)."""
    start = client.post("/accounts/oidc/nhs/login/")
    browser = requests.Session()
    login_page = browser.get(start["Location"])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
    signed_in = browser.post(
        login_page.url,
        data={
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": IDP_PASSWORD,
            "next": re.search(r'name="next" value="([^"]*)"', login_page.text).group(1).replace("&amp;", "&"),
        },
        headers={"Referer": login_page.url},
        allow_redirects=False,
    )
    authorised = browser.get(urljoin(login_page.url, signed_in.headers["Location"]), allow_redirects=False)
    callback = authorised.headers["Location"]
    assert callback.startswith("http://testserver/accounts/oidc/nhs/login/callback/")
    client.get(callback.removeprefix("http://testserver"))


@pytest.mark.parametrize("role", ["reviewer", "programme"])
@pytest.mark.parametrize("username", list(STAFF))
def test_sso_session_gets_what_the_policy_gives(world, settings, provider, role, username):
    trust(settings, portal_app(provider, "portal-nhs"))
    user = User.objects.get(pk=world.clients[role].session["_auth_user_id"])
    Authenticator.objects.filter(user=user).delete()  # no portal TOTP: only the provider's word
    SocialAccount.objects.create(user=user, provider="nhs", uid=subject_of(provider, username))
    client = Client()
    sso_sign_in(client, provider, username)
    assert client.session["_auth_user_id"] == str(user.pk)

    like = role if username == "asserts-mfa" else f"{role}_without_mfa"
    assert like in ROLES
    mismatches = []
    for name, pattern in url_patterns():
        expected = POLICY[name][like]
        if expected == ANY:
            continue
        url = url_for(name, pattern, world)
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} answered {response.status_code}"
        if outcome(response) != expected:
            mismatches.append(f"GET {url}: expected {expected}, got {outcome(response)}")
    assert mismatches == [], "\n".join(mismatches)


def test_the_authorisation_request_takes_nothing_from_the_query_string(client, settings, provider):
    trust(settings, portal_app(provider, "portal-nhs"))
    crafted = urlencode({"auth_params": "redirect_uri=https://evil.example/&nonce=fixed&code_challenge=fixed"})
    response = client.post(f"/accounts/oidc/nhs/login/?{crafted}")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(f"{provider.issuer}/authorize/")
    assert query["redirect_uri"] == ["http://testserver/accounts/oidc/nhs/login/callback/"]
    assert query["nonce"] != ["fixed"]
    assert query["code_challenge"] != ["fixed"]
    assert query["code_challenge_method"] == ["S256"]
