from functools import wraps

from allauth.account.decorators import secure_admin_login
from django.contrib.admin import AdminSite

from .roles import needs_mfa_setup, redirect_to_mfa_setup


class PortalAdminSite(AdminSite):
    """The Django admin, signed into through allauth (rate limits, MFA) and closed
    to an administrator who has not set up MFA while REQUIRE_MFA_FOR_STAFF is on."""

    site_header = "Q Portal administration"
    site_title = "Q Portal administration"
    index_title = "Configuration"

    def login(self, request, extra_context=None):
        return secure_admin_login(super().login)(request, extra_context)

    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)

        @wraps(view)
        def inner(request, *args, **kwargs):
            if needs_mfa_setup(request.user):
                return redirect_to_mfa_setup(request)
            return protected(request, *args, **kwargs)

        return inner
