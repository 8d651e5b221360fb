"""allauth's social account adapter for the portal."""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # The portal has no first/last name: the provider's name is how to address them.
        if not user.display_name and data.get("display_name"):
            user.display_name = data["display_name"]
        return user

    def list_apps(self, request, provider=None, client_id=None):
        # Providers come from the environment only (SSO_PROVIDERS): no SocialApp rows
        # are read, so no page pays a query per provider or linked identity.
        from allauth.socialaccount.adapter import _build_apps_from_settings

        by_provider = _build_apps_from_settings(provider=provider, client_id=client_id)
        return [app for apps in by_provider.values() for app in apps]
