from django.urls import path

from .views import programme, reviewer

app_name = "selection"

selection = "programme/selection/"

urlpatterns = [
    path("review/", reviewer.ReviewerHomeView.as_view(), name="reviewer_home"),
    path("review/assignment/<int:pk>/", reviewer.ReviewView.as_view(), name="review"),
    path("review/assignment/<int:pk>/conflict/", reviewer.DeclareConflictView.as_view(), name="declare_conflict"),
    path("programme/", programme.ProgrammeHomeView.as_view(), name="programme_home"),
    path(selection, programme.SelectionRoundListView.as_view(), name="round_list"),
    path(selection + "rounds/<int:pk>/", programme.SelectionRoundView.as_view(), name="round"),
    path(selection + "rounds/<int:pk>/assign/", programme.AssignAutomaticallyView.as_view(), name="assign"),
    path(selection + "rounds/<int:pk>/settings/", programme.SelectionSettingsView.as_view(), name="settings"),
    path(selection + "rounds/<int:pk>/reviewers/", programme.ReviewerListView.as_view(), name="reviewers"),
    path(
        selection + "rounds/<int:pk>/reviewers/<int:user_pk>/capacity/",
        programme.CapacityView.as_view(),
        name="capacity",
    ),
    path(selection + "rounds/<int:pk>/ranking/", programme.RankingView.as_view(), name="ranking"),
    path(selection + "reviewers/<int:pk>/", programme.ReviewerProfileView.as_view(), name="reviewer_profile"),
    path(selection + "applications/<int:pk>/", programme.ApplicationSelectionView.as_view(), name="application"),
    path(selection + "assignments/<int:pk>/", programme.AssignmentActionView.as_view(), name="assignment_action"),
    path(selection + "reviews/<int:pk>/reopen/", programme.ReviewReopenView.as_view(), name="review_reopen"),
]
