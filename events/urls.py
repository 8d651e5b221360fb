"""Events, mounted at `/events/`."""

from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.EventListView.as_view(), name="list"),
    path("new/", views.EventCreateView.as_view(), name="create"),
    path("insight/", views.EventInsightView.as_view(), name="insight"),
    path("calendar/", views.CalendarFeedSettingsView.as_view(), name="calendar"),
    path("calendar/<str:token>.ics", views.CalendarFeedView.as_view(), name="feed"),
    path("<int:pk>/", views.EventDetailView.as_view(), name="detail"),
    path("<int:pk>/register/", views.RegistrationActionView.as_view(action="register"), name="register"),
    path("<int:pk>/cancel/", views.RegistrationActionView.as_view(action="cancel"), name="cancel"),
    path("<int:pk>/accept/", views.RegistrationActionView.as_view(action="accept"), name="accept"),
    path("<int:pk>/confirmation/", views.ConfirmationView.as_view(), name="confirmation"),
    path("<int:pk>/event.ics", views.EventIcsView.as_view(), name="ics"),
    path("<int:pk>/pledge/", views.PledgeCreateView.as_view(), name="pledge"),
    path("<int:pk>/feedback/", views.FeedbackView.as_view(), name="feedback"),
    path("<int:pk>/wall/", views.PledgeWallView.as_view(), name="wall"),
    path("<int:pk>/wall.json", views.PledgeWallJsonView.as_view(), name="wall_json"),
    path("<int:pk>/edit/", views.EventEditView.as_view(), name="edit"),
    path("<int:pk>/cancel-event/", views.EventCancelView.as_view(), name="cancel_event"),
    path("<int:pk>/manage/", views.ManageView.as_view(), name="manage"),
    path("<int:pk>/pledges/<int:pledge>/hide/", views.PledgeHideView.as_view(), name="pledge_hide"),
    path("<int:pk>/check-in/", views.CheckInView.as_view(), name="check_in"),
    path("<int:pk>/check-in/<uuid:code>/", views.CheckInCodeView.as_view(), name="check_in_code"),
]
