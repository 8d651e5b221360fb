"""Identity providers from the environment, as django-allauth's `openid_connect` apps.

`SSO_PROVIDERS` is a JSON list, one object per provider (see the README):

    [{"id": "nhs", "name": "NHS account", "issuer": "https://login.example/tenant/v2.0",
      "client_id": "…", "secret": "…", "domains": ["nhs.net"],
      "mfa_amr": ["mfa", "otp", "hwk"], "mfa_acr": [], "organisation_claim": "org_name"}]

A secret may instead come from `SSO_SECRET_<ID>` (upper case), so it need not sit in
the JSON. With no providers nothing about signing in changes.
"""

import json

from django.core.exceptions import ImproperlyConfigured

# Authentication method references (RFC 8176) that say a second factor was used.
DEFAULT_MFA_AMR = ("mfa", "otp", "hwk")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"


def apps_from_environment(env) -> list[dict]:
    import re

    raw = env("SSO_PROVIDERS", default="") or "[]"
    try:
        entries = json.loads(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"SSO_PROVIDERS is not valid JSON: {error}") from error
    if not isinstance(entries, list):
        raise ImproperlyConfigured("SSO_PROVIDERS must be a JSON list of providers.")
    apps = []
    for entry in entries:
        missing = {"id", "name", "issuer", "client_id"} - set(entry)
        if missing:
            raise ImproperlyConfigured(f"SSO_PROVIDERS entry lacks {', '.join(sorted(missing))}.")
        if not re.match(ID_PATTERN, entry["id"]):
            raise ImproperlyConfigured(f"SSO provider id {entry['id']!r} must be lower-case letters, digits, '-'.")
        secret = env(f"SSO_SECRET_{entry['id'].upper().replace('-', '_')}", default="") or entry.get("secret", "")
        apps.append(provider_app(entry, secret=secret))
    return apps


def provider_app(entry: dict, *, secret: str) -> dict:
    """One provider's allauth app. The portal's own keys live in its `settings`."""
    return {
        "provider_id": entry["id"],
        "name": entry["name"],
        "client_id": entry["client_id"],
        "secret": secret,
        "settings": {
            # Where discovery is fetched, when the portal reaches the provider by
            # another name than browsers do (docker compose's Keycloak).
            "server_url": entry.get("discovery_url") or entry["issuer"],
            "issuer": entry["issuer"],
            "domains": [domain.lower().lstrip("@") for domain in entry.get("domains", [])],
            "mfa_amr": list(entry.get("mfa_amr", DEFAULT_MFA_AMR)),
            "mfa_acr": list(entry.get("mfa_acr", [])),
            "organisation_claim": entry.get("organisation_claim", ""),
            "oauth_pkce_enabled": True,
            "fetch_userinfo": True,
            **({"token_auth_method": entry["token_auth_method"]} if entry.get("token_auth_method") else {}),
        },
    }


def provider_asserts_mfa(app_settings: dict, claims: dict) -> bool:
    """True when the verified ID token says a second factor was used: one of the
    provider's trusted `amr` values is present, or its `acr` is one of the trusted
    ones. Nothing else (userinfo, a custom claim) counts."""
    trusted_amr = set(app_settings.get("mfa_amr", DEFAULT_MFA_AMR))
    trusted_acr = set(app_settings.get("mfa_acr", []))
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if trusted_amr & {value for value in amr if isinstance(value, str)}:
        return True
    acr = claims.get("acr")
    return isinstance(acr, str) and acr in trusted_acr


def configured_apps() -> list[dict]:
    """The providers configured now (settings, so tests may change them)."""
    from django.conf import settings

    return list(settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", []))


def provider_origins(apps: list[dict]) -> list[str]:
    """Where sign-in forms go: starting an SSO sign-in is a form POST that redirects
    to the provider, which the CSP's form-action must allow."""
    from urllib.parse import urlsplit

    origins = []
    for app in apps:
        for url in (app["settings"]["issuer"], app["settings"]["server_url"]):
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins
