"""django-allauth's OpenID Connect provider, held to the checks OpenID Connect Core
§3.1.3.7 asks of a client: the ID token's signature is always checked against the
provider's published keys (allauth skips it when the token came straight from the
token endpoint), the issuer must be the configured one, and a per-sign-in nonce
must come back. Registered through `SOCIALACCOUNT_PROVIDERS["openid_connect"]
["provider_class"]`, so allauth's flows (login, signup, connect) are unchanged."""

import secrets

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider

from .oidc import PortalOpenIDConnectAdapter


class PortalOpenIDConnectProvider(OpenIDConnectProvider):
    oauth2_adapter_class = PortalOpenIDConnectAdapter
    package = "q_portal.sso"  # its login and callback URLs: q_portal/sso/urls.py

    def get_auth_params_from_request(self, request, action):
        # Only the configured parameters: none from the request's query string, which
        # allauth would otherwise merge into (and let override) the authorisation request.
        return self.get_auth_params()

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(24)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params["nonce"] = nonce
        # The nonce is kept in allauth's state for this sign-in (one use, in the session).
        return super().redirect(request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs)

    def extract_email_addresses(self, data):
        addresses = super().extract_email_addresses(data)
        for address in addresses:
            # Only an explicit `email_verified: true` makes the address verified.
            address.verified = address.verified is True
        return addresses

    def extract_common_fields(self, data):
        fields = super().extract_common_fields(data)
        name = fields.get("name") or " ".join(filter(None, [fields.get("first_name"), fields.get("last_name")]))
        fields["display_name"] = " ".join((name or "").split())[:150]
        return fields


provider_classes = []  # registered through the setting above, not by app discovery
