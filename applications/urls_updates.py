"""`/updates/`: register for updates, confirm, unsubscribe. The unsubscribe path is
a contract point (DESIGN.md §4): `q_portal.outbox.unsubscribe` builds it literally."""

from django.urls import path

from .views import updates as views

app_name = "updates"

urlpatterns = [
    path("", views.RegisterView.as_view(), name="register"),
    path("check-your-email/", views.CheckEmailView.as_view(), name="check_email"),
    path("confirm/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
    path("resubscribe/<str:token>/", views.ResubscribeView.as_view(), name="resubscribe"),
]
