"""Single sign-on in browser tests: a real OpenID Connect provider on loopback
(tests/oidc_provider), the portal configured to trust it, and signing in there."""

import copy

import pytest
from playwright.sync_api import expect

from q_portal.sso.config import provider_app, provider_origins
from tests.oidc_provider.server import PASSWORD as IDP_PASSWORD
from tests.oidc_provider.server import IdentityProvider, subject_of

LEEDS = "Leeds Teaching Hospitals NHS Trust"

# The provider's people. `amr` says how they signed in there (RFC 8176).
IDP_USERS = {
    "sam": {
        "email": "sam.okafor@nhs.net",
        "email_verified": True,
        "name": "Sam Okafor",
        "amr": ["pwd"],
        "organisation": LEEDS,
    },
    "jo": {"email": "jo.morgan@nhs.net", "email_verified": True, "name": "Jo Morgan", "amr": ["pwd"]},
    "rita": {"email": "rita.evans@nhs.net", "email_verified": True, "name": "Rita Evans", "amr": ["pwd", "mfa"]},
    "ravi": {"email": "ravi.shah@nhs.net", "email_verified": True, "name": "Ravi Shah", "amr": ["pwd"]},
    "ceri": {
        "email": "ceri.jones@nhs.net",
        "email_verified": True,
        "name": "Ceri Jones",
        "acr": "urn:example:loa:high",
    },
    # An account on the provider carrying someone else's (verified-looking) address.
    "mallory": {"email": "victim@nhs.net", "email_verified": True, "name": "Mallory", "amr": ["pwd", "mfa"]},
}
MISBEHAVIOURS = ("wrong-issuer", "wrong-audience", "expired", "replayed-nonce", "bad-signature")
IDP_CLIENTS = {
    "portal-nhs": {"provider_id": "nhs", "mode": ""},
    **{f"portal-{mode}": {"provider_id": mode, "mode": mode} for mode in MISBEHAVIOURS},
}


@pytest.fixture(scope="session")
def identity_provider(live_server, tmp_path_factory):
    provider = IdentityProvider(
        tmp_path_factory.mktemp("identity-provider"), portal_url=live_server.url, users=IDP_USERS, clients=IDP_CLIENTS
    ).start()
    yield provider
    provider.stop()


def portal_app(identity_provider, client_id: str, **settings_overrides) -> dict:
    client = IDP_CLIENTS[client_id]
    app = provider_app(
        {
            "id": client["provider_id"],
            "name": "NHS account",
            "issuer": identity_provider.issuer,
            "client_id": client_id,
            "domains": ["nhs.net"],
            "mfa_acr": ["urn:example:loa:high"],
            "organisation_claim": "organisation",
        },
        secret=identity_provider.secret_for(client_id),
    )
    app["settings"].update(settings_overrides)
    return app


def trust(settings, *apps) -> None:
    """Configure the portal with exactly these providers (as SSO_PROVIDERS would)."""
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["openid_connect"]["APPS"] = list(apps)
    settings.SOCIALACCOUNT_PROVIDERS = providers
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = ["'self'", *provider_origins(list(apps))]
    settings.CONTENT_SECURITY_POLICY = policy


@pytest.fixture
def nhs_sso(settings, identity_provider):
    """The portal trusting the well-behaved provider, as "NHS account"."""
    trust(settings, portal_app(identity_provider, "portal-nhs"))
    return identity_provider


def link(user, identity_provider, username: str, provider_id: str = "nhs"):
    """Link a provider account to a portal account, as the connections page does."""
    from allauth.socialaccount.models import SocialAccount

    return SocialAccount.objects.create(user=user, provider=provider_id, uid=subject_of(identity_provider, username))


def start_sso(page, button="Sign in with your NHS account"):
    page.context.clear_cookies()  # the portal's session and the provider's
    page.goto("/accounts/login/")
    page.get_by_role("button", name=button).click()


def sign_in_at_provider(page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Sign in to the identity provider").click()


def sso_sign_in(page, username: str) -> None:
    """Sign in through the provider and wait until back at the portal, signed in."""
    start_sso(page)
    sign_in_at_provider(page, username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
