from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from applications.views.public import HomeView

from . import account_pages, views
from .retention import views as retention_views
from .sso.views import SignedOutView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("privacy/retention/", retention_views.PublicRetentionView.as_view(), name="privacy_retention"),
    path("programme/retention/", retention_views.RetentionScheduleView.as_view(), name="programme_retention"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
    path("accounts/signed-out/", SignedOutView.as_view(), name="sso_signed_out"),
    path(
        "accounts/confirm-email/again/",
        account_pages.ResendVerificationView.as_view(),
        name="account_resend_verification",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("applications.urls")),
    path("apply/", include("equality.urls")),
    path("updates/", include("applications.urls_updates")),
    path("nominate/", include("applications.urls_nominate")),
    path("members/", include("members.urls")),
    path("events/", include("events.urls")),
    path("exchange/", include("exchange.urls")),
    path("exchange/", include("funding.urls")),
    path("programme/rounds/", include("applications.urls_programme")),
    path("programme/waves/", include("outreach.urls")),
    path("", include("selection.urls")),
]

handler500 = "q_portal.views.server_error"

# The email provider's delivery webhooks (production, with a webhook secret):
# bounces and complaints become suppressions (q_portal.outbox.provider_events).
if getattr(settings, "ANYMAIL_WEBHOOKS", False):
    urlpatterns += [path("email/provider/", include("anymail.urls"))]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
