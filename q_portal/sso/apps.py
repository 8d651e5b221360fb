from django.apps import AppConfig


class SsoConfig(AppConfig):
    """Single sign-on with OpenID Connect identity providers (NHSmail, Entra ID,
    Keycloak) through django-allauth's `openid_connect` provider."""

    name = "q_portal.sso"
    label = "sso"
    verbose_name = "Single sign-on"

    def ready(self):
        from . import receivers  # noqa: F401
