from django.urls import path

from . import views

app_name = "equality"

# Mounted under /apply/ (the applicant's area) by q_portal/urls.py.
urlpatterns = [
    path("equality/", views.MonitoringFormView.as_view(), name="form"),
    path("equality/delete/", views.MonitoringDeleteView.as_view(), name="delete"),
]
