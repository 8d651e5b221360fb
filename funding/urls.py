"""The member vote and funded projects, mounted under `/exchange/` (after the exchange's own URLs)."""

from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("vote/<int:pk>/", views.BallotView.as_view(), name="ballot"),
    path("vote/<int:pk>/cast/", views.CastView.as_view(), name="cast"),
    path("vote/<int:pk>/results/", views.ResultsView.as_view(), name="results"),
    path("vote/<int:pk>/ballots.csv", views.BallotFileView.as_view(), name="ballot_file"),
    path("vote/<int:pk>/room/", views.RoomView.as_view(), name="room"),
    path("vote/<int:pk>/room.json", views.RoomJsonView.as_view(), name="room_json"),
    path("shortlisted/<int:pk>/", views.ShortlistedView.as_view(), name="shortlisted"),
    path("projects/<int:pk>/", views.ProjectView.as_view(), name="project"),
    path("projects/<int:pk>/update/", views.UpdatePostView.as_view(), name="update_post"),
    path("projects/<int:pk>/report/", views.ReportView.as_view(), name="report"),
    path("updates/<int:pk>/comment/", views.UpdateCommentView.as_view(), name="update_comment"),
    path("updates/<int:pk>/image/", views.UpdateImageView.as_view(), name="update_image"),
    path("programme/vote/<int:pk>/", views.ProgrammeVoteView.as_view(), name="programme_vote"),
    path("programme/vote/<int:pk>/publish/", views.PublishView.as_view(), name="programme_publish"),
    path("programme/vote/<int:pk>/funding/", views.FundingView.as_view(), name="programme_funding"),
    path("programme/vote/<int:pk>/confirm/", views.ConfirmView.as_view(), name="programme_confirm"),
    path("programme/vote/<int:pk>/announce/", views.AnnounceView.as_view(), name="programme_announce"),
    path("programme/vote/<int:pk>/insight/", views.InsightView.as_view(), name="programme_insight"),
    path("programme/projects/", views.ProgrammeProjectsView.as_view(), name="programme_projects"),
    path("programme/projects/<int:pk>/", views.ScheduleView.as_view(), name="programme_schedule"),
]
