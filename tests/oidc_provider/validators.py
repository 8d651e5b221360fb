"""The test provider's claims, and its deliberate misbehaviours.

Each test user's claims (email, email_verified, name, amr, acr, organisation) come
from the fixture. Each client (the portal's configured provider) has a `mode`:
"" behaves; the others break one thing about the ID token, as a misconfigured or
hostile provider would: wrong-issuer, wrong-audience, expired, replayed-nonce,
bad-signature (signed with a key that is not the published one)."""

import json
import time

from django.conf import settings
from django.db import transaction
from jwcrypto import jwk, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator

CLAIMS = ("email", "email_verified", "name", "amr", "acr", "organisation")


class TestProviderValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim, whatever the scope: the portal asks for openid email profile

    def get_additional_claims(self, request):
        person = settings.IDP_USERS.get(request.user.username, {})
        return {claim: person[claim] for claim in CLAIMS if claim in person}

    def finalize_id_token(self, id_token, token, token_handler, request):
        mode = settings.IDP_CLIENTS.get(request.client.client_id, {}).get("mode", "")
        if not mode:
            return super().finalize_id_token(id_token, token, token_handler, request)
        claims, expiration_time = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce
        key = request.client.jwk_key
        now = int(time.time())
        if mode == "wrong-issuer":
            id_token["iss"] = "http://127.0.0.1:9/someone-else"
        elif mode == "wrong-audience":
            id_token["aud"] = "another-service"
        elif mode == "expired":
            id_token["iat"], id_token["exp"] = now - 7200, now - 3600
        elif mode == "replayed-nonce":
            id_token["nonce"] = "the-nonce-of-an-earlier-sign-in"
        elif mode == "bad-signature":
            key = jwk.JWK.from_pem(settings.IDP_OTHER_KEY.encode())
        # The published key's id, so only the signature itself can give it away.
        header = {"typ": "JWT", "alg": "RS256", "kid": request.client.jwk_key.thumbprint()}
        signed = jwt.JWT(header=json.dumps(header), claims=json.dumps(id_token, default=str))
        signed.make_signed_token(key)
        with transaction.atomic():
            saved = self._save_id_token(id_token["jti"], request, expiration_time)
        request.access_token = saved
        request.id_token = saved
        return signed.serialize()
