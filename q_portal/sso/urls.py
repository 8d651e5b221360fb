"""The OpenID Connect login and callback URLs, named as allauth's are, at
/accounts/oidc/<provider id>/login/ and …/login/callback/."""

from allauth.socialaccount import app_settings
from django.urls import include, path, re_path

from . import oidc

urlpatterns = [
    re_path(
        r"^(?P<provider_id>[^/]+)/",
        include(
            [
                path("login/", oidc.login, name="openid_connect_login"),
                path("login/callback/", oidc.callback, name="openid_connect_callback"),
            ]
        ),
    )
]

if app_settings.OPENID_CONNECT_URL_PREFIX:
    urlpatterns = [path(f"{app_settings.OPENID_CONNECT_URL_PREFIX}/", include(urlpatterns))]
