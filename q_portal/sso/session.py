"""What the session remembers of an SSO sign-in: which provider, whether it
asserted MFA, and where the provider's own sign-out is. Set at every sign-in
(cleared by one without SSO) and gone with the session at sign-out."""

from urllib.parse import urlencode

SESSION_KEY = "portal_sso"
SIGNED_OUT_KEY = "portal_sso_signed_out"


def remember_sign_in(request, *, user, sociallogin) -> None:
    if sociallogin is None:
        request.session.pop(SESSION_KEY, None)
        return
    app = sociallogin.provider.app
    request.session[SESSION_KEY] = {
        "user": user.pk,
        "provider": app.provider_id,
        "name": app.name,
        "mfa": bool(sociallogin.state.get("portal_mfa")),
        "end_session": sociallogin.state.get("portal_end_session") or "",
        "client_id": app.client_id,
    }


def provider_mfa_for(request, user) -> bool:
    """True when this session's sign-in was an SSO one whose provider asserted MFA."""
    signed_in = request.session.get(SESSION_KEY)
    return bool(signed_in and signed_in.get("mfa") and signed_in.get("user") == user.pk)


def end_session_offer(signed_in: dict, *, post_logout_redirect_uri: str) -> dict | None:
    """The provider's end-session link (OpenID Connect RP-Initiated Logout), or None
    when the provider publishes no end-session endpoint."""
    if not signed_in or not signed_in.get("end_session"):
        return None
    query = urlencode({"client_id": signed_in["client_id"], "post_logout_redirect_uri": post_logout_redirect_uri})
    separator = "&" if "?" in signed_in["end_session"] else "?"
    return {"name": signed_in["name"], "url": f"{signed_in['end_session']}{separator}{query}"}
