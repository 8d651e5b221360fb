from allauth.socialaccount.models import SocialAccount

from .config import configured_apps


def organisation_claim_for(*, user) -> dict | None:
    """The organisation a linked identity says the person works for, from the
    provider's configured organisation claim (never from the email domain), as
    {"organisation": name, "provider": display name}; None when no provider sends one.
    The most recently used identity wins. No query when no provider has the claim."""
    claims = {app["provider_id"]: app for app in configured_apps() if app["settings"].get("organisation_claim")}
    if not claims or not user.is_authenticated:
        return None
    accounts = SocialAccount.objects.filter(user=user, provider__in=claims).order_by("-last_login")
    for account in accounts:
        app = claims[account.provider]
        claim = app["settings"]["organisation_claim"]
        identity = {**account.extra_data.get("userinfo", {}), **account.extra_data.get("id_token", {})}
        value = identity.get(claim)
        if isinstance(value, str) and " ".join(value.split()):
            return {"organisation": " ".join(value.split())[:200], "provider": app["name"]}
    return None
