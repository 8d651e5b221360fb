"""The OpenID Connect client side: the adapter that talks to the provider, and the
login and callback views (allauth's, with the portal's adapter)."""

import hmac
import logging

from allauth.account.internal.decorators import login_not_required
from allauth.core.internal.deferred import jwt
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .config import provider_asserts_mfa

logger = logging.getLogger(__name__)

# Asymmetric algorithms only: a symmetric one (HS256) would let anyone holding the
# client secret mint tokens, and "none" is no signature at all.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
CLOCK_SKEW_SECONDS = 60


class SignInRefused(OAuth2Error):
    """The provider's answer failed a check; `message` is what the person is told."""

    MESSAGES = {
        "issuer": _("The answer did not come from the identity provider the portal is set up to trust."),
        "signature": _("The answer was not signed with the identity provider's published key."),
        "expired": _("The answer from the identity provider had expired. Please try again."),
        "audience": _("The answer from the identity provider was meant for another service."),
        "nonce": _(
            "The answer from the identity provider did not belong to this sign-in; "
            "it may have been replayed. Please start again."
        ),
        "subject": _("The identity provider described two different people in one answer."),
        "invalid": _("The identity provider's answer could not be read."),
    }

    def __init__(self, reason: str):
        self.reason = reason
        self.message = self.MESSAGES[reason]
        super().__init__(f"OpenID Connect sign-in refused: {reason}")


class PortalOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    state: dict | None = None

    def complete_login(self, request, app, token, **kwargs):
        id_token = kwargs["response"].get("id_token")
        if not id_token:
            raise SignInRefused("invalid")
        claims = self.verify_id_token(app, id_token)
        userinfo = self._fetch_user_info(token.token)
        if str(userinfo.get("sub")) != str(claims["sub"]):
            raise SignInRefused("subject")
        provider = self.get_provider()
        if self.state is not None:
            # Read by the portal's MFA stage, sign-in audit and sign-out, never stored.
            self.state["portal_mfa"] = provider_asserts_mfa(app.settings, claims)
            self.state["portal_end_session"] = self.openid_config.get("end_session_endpoint", "")
        return provider.sociallogin_from_response(request, {"userinfo": userinfo, "id_token": claims})

    def verify_id_token(self, app, id_token: str) -> dict:
        config = self.openid_config
        issuer = config.get("issuer", "")
        configured = app.settings.get("issuer") or app.settings.get("server_url", "")
        if issuer.rstrip("/") != configured.rstrip("/"):
            logger.warning("OIDC %s: discovery issuer %r is not the configured %r", app.provider_id, issuer, configured)
            raise SignInRefused("issuer")
        try:
            header = jwt.get_unverified_header(id_token)
            if header.get("alg") not in SIGNING_ALGORITHMS:
                raise SignInRefused("signature")
            algorithm, key = jwtkit.fetch_key(id_token, config["jwks_uri"], jwtkit.lookup_kid_jwk)
            claims = jwt.decode(
                id_token,
                key=key,
                algorithms=[algorithm],
                issuer=issuer,
                audience=app.client_id,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidSignatureError as error:
            raise self._refused(app, "signature", error) from error
        except jwt.ExpiredSignatureError as error:
            raise self._refused(app, "expired", error) from error
        except jwt.InvalidAudienceError as error:
            raise self._refused(app, "audience", error) from error
        except jwt.InvalidIssuerError as error:
            raise self._refused(app, "issuer", error) from error
        except (jwt.PyJWTError, KeyError, ValueError) as error:
            raise self._refused(app, "invalid", error) from error
        except OAuth2Error as error:  # no published key with the token's `kid`
            if isinstance(error, SignInRefused):
                raise
            raise self._refused(app, "signature", error) from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != app.client_id:
            raise self._refused(app, "audience", None)
        expected_nonce = (self.state or {}).get("nonce") or ""
        if not expected_nonce or not hmac.compare_digest(str(claims.get("nonce", "")), expected_nonce):
            raise self._refused(app, "nonce", None)
        return claims

    def _refused(self, app, reason: str, error) -> SignInRefused:
        logger.warning("OIDC %s: ID token refused (%s): %s", app.provider_id, reason, error)
        return SignInRefused(reason)


class PortalCallbackView(OAuth2CallbackView):
    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.state = state
        return state, response


@login_not_required
def login(request, provider_id):
    try:
        return OAuth2LoginView.adapter_view(PortalOpenIDConnectAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist as error:
        raise Http404 from error


@login_not_required
def callback(request, provider_id):
    try:
        return PortalCallbackView.adapter_view(PortalOpenIDConnectAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist as error:
        raise Http404 from error
