from django.urls import path

from . import views as waves

app_name = "waves"

urlpatterns = [
    path("", waves.WaveListView.as_view(), name="list"),
    path("new/", waves.WaveCreateView.as_view(), name="create"),
    path("reminders/", waves.ReminderListView.as_view(), name="reminders"),
    path("reminders/<int:pk>/", waves.ReminderEditView.as_view(), name="reminder_edit"),
    path("<int:pk>/", waves.WaveDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", waves.WaveEditView.as_view(), name="edit"),
    path("<int:pk>/preview/", waves.WavePreviewView.as_view(), name="preview"),
    path("<int:pk>/test/", waves.WaveSendTestView.as_view(), name="send_test"),
    path("<int:pk>/schedule/", waves.WaveScheduleView.as_view(), name="schedule"),
    path("<int:pk>/action/", waves.WaveActionView.as_view(), name="action"),
    path("<int:pk>/progress.json", waves.WaveProgressView.as_view(), name="progress"),
]
