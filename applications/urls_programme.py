from django.urls import path

from .views import programme

app_name = "rounds"

urlpatterns = [
    path("", programme.RoundListView.as_view(), name="list"),
    path("new/", programme.RoundCreateView.as_view(), name="create"),
    path("<int:pk>/", programme.RoundDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", programme.RoundEditView.as_view(), name="edit"),
    path("<int:pk>/status/", programme.RoundTransitionView.as_view(), name="transition"),
    path("<int:pk>/quotas/", programme.RoundQuotasView.as_view(), name="quotas"),
]
