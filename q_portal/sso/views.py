from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from .session import SIGNED_OUT_KEY, end_session_offer


class SignedOutView(TemplateView):
    """After signing out of an SSO session: the portal session has ended; offer
    to sign out of the identity provider too, where it publishes how."""

    template_name = "socialaccount/signed_out.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        signed_in = self.request.session.get(SIGNED_OUT_KEY) or {}
        home = self.request.build_absolute_uri(reverse("home"))
        return super().get_context_data(
            provider_name=signed_in.get("name", ""),
            end_session=end_session_offer(signed_in, post_logout_redirect_uri=home),
            **kwargs,
        )
