"""allauth's social account adapter for the portal."""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # The portal has no first/last name: the provider's name is how to address them.
        if not user.display_name and data.get("display_name"):
            user.display_name = data["display_name"]
        return user
