from .session import SESSION_KEY, provider_mfa_for


class ProviderMfaMiddleware:
    """A staff member signed in through a provider that asserted MFA has met
    REQUIRE_MFA_FOR_STAFF for this session (`q_portal.roles.has_mfa`). Costs
    nothing for anyone else: the user is only looked at when the session says so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = request.session.get(SESSION_KEY, {})
        if signed_in.get("mfa") and request.user.is_authenticated and provider_mfa_for(request, request.user):
            request.user._portal_has_mfa = True
        return self.get_response(request)
