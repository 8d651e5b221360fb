from django.urls import path

from .views import (
    applicant,
    board,
    decisions,
    equality,
    feedback,
    insight,
    positive_action,
    practice,
    privacy,
    programme,
    release,
    reviewer,
)

app_name = "selection"

selection = "programme/selection/"
insight_round = "programme/insight/rounds/<int:pk>/"

urlpatterns = [
    path("review/", reviewer.ReviewerHomeView.as_view(), name="reviewer_home"),
    path("review/assignment/<int:pk>/", reviewer.ReviewView.as_view(), name="review"),
    path("review/assignment/<int:pk>/conflict/", reviewer.DeclareConflictView.as_view(), name="declare_conflict"),
    path("review/assignment/<int:pk>/abstain/", reviewer.AbstainView.as_view(), name="abstain"),
    path("review/assignment/<int:pk>/agreement/", reviewer.AgreementView.as_view(), name="reviewer_agreement"),
    path("review/next/", reviewer.ReviewNextView.as_view(), name="review_next"),
    path("review/practice/<int:pk>/", practice.PracticeScoreView.as_view(), name="practice_score"),
    path("review/practice/<int:pk>/compare/", practice.PracticeCompareView.as_view(), name="practice_compare"),
    path("programme/", programme.ProgrammeHomeView.as_view(), name="programme_home"),
    path(selection, programme.SelectionRoundListView.as_view(), name="round_list"),
    path(selection + "rounds/<int:pk>/", programme.SelectionRoundView.as_view(), name="round"),
    path(selection + "rounds/<int:pk>/assign/", programme.AssignAutomaticallyView.as_view(), name="assign"),
    path(selection + "rounds/<int:pk>/settings/", programme.SelectionSettingsView.as_view(), name="settings"),
    path(selection + "rounds/<int:pk>/reviewers/", programme.ReviewerListView.as_view(), name="reviewers"),
    path(selection + "rounds/<int:pk>/practice/", practice.PracticeListView.as_view(), name="practice_list"),
    path(
        selection + "rounds/<int:pk>/reviewers/<int:user_pk>/capacity/",
        programme.CapacityView.as_view(),
        name="capacity",
    ),
    # The selection board, moderation, the decision room and decisions (6A).
    path(selection + "rounds/<int:pk>/board/", board.BoardView.as_view(), name="board"),
    path(selection + "rounds/<int:pk>/scores/refresh/", board.ScoresRefreshView.as_view(), name="scores_refresh"),
    path(selection + "rounds/<int:pk>/moderation/", board.ModerationQueueView.as_view(), name="moderation"),
    path(
        selection + "applications/<int:pk>/moderation/",
        board.ModerationApplicationView.as_view(),
        name="moderation_application",
    ),
    path(
        selection + "applications/<int:pk>/moderation/request-reviewer/",
        board.RequestReviewerView.as_view(),
        name="moderation_request_reviewer",
    ),
    path(selection + "rounds/<int:pk>/decisions/", decisions.DecisionRoomView.as_view(), name="decision_room"),
    path(
        selection + "rounds/<int:pk>/decisions/preview/",
        decisions.DecisionsPreviewView.as_view(),
        name="decisions_preview",
    ),
    path(selection + "applications/<int:pk>/decision/", decisions.DecisionSetView.as_view(), name="decision_set"),
    path(
        selection + "rounds/<int:pk>/positive-action/",
        positive_action.PositiveActionView.as_view(),
        name="positive_action",
    ),
    path(selection + "reviewers/<int:pk>/", programme.ReviewerProfileView.as_view(), name="reviewer_profile"),
    path(selection + "applications/<int:pk>/", programme.ApplicationSelectionView.as_view(), name="application"),
    path(selection + "assignments/<int:pk>/", programme.AssignmentActionView.as_view(), name="assignment_action"),
    path(selection + "reviews/<int:pk>/reopen/", programme.ReviewReopenView.as_view(), name="review_reopen"),
    # Releasing decisions, feedback, places and the waiting list (6B).
    path(selection + "rounds/<int:pk>/release/", release.ReleaseView.as_view(), name="release"),
    path(
        selection + "rounds/<int:pk>/release/progress/", release.ReleaseProgressView.as_view(), name="release_progress"
    ),
    path(selection + "rounds/<int:pk>/places/", release.PlacesView.as_view(), name="places"),
    path(selection + "rounds/<int:pk>/waiting-list/", release.WaitingListView.as_view(), name="waiting_list"),
    path(selection + "rounds/<int:pk>/waiting-list/offer/", release.PromoteView.as_view(), name="promote"),
    path(selection + "rounds/<int:pk>/feedback/", feedback.FeedbackListView.as_view(), name="feedback_list"),
    path(selection + "applications/<int:pk>/feedback/", feedback.FeedbackView.as_view(), name="feedback"),
    path(
        selection + "applications/<int:pk>/feedback/approve/",
        feedback.FeedbackApproveView.as_view(),
        name="feedback_approve",
    ),
    path(selection + "applications/<int:pk>/reverse/", release.DecisionReverseView.as_view(), name="decision_reverse"),
    path("apply/application/<int:pk>/place/", applicant.PlaceView.as_view(), name="place"),
    path("apply/application/<int:pk>/place/decline/", applicant.PlaceDeclineView.as_view(), name="place_decline"),
    # Subject access and erasure: one's own data, and the programme team's.
    path("account/data/", privacy.YourDataView.as_view(), name="your_data"),
    path("account/data/download/", privacy.YourDataDownloadView.as_view(), name="your_data_download"),
    path("programme/people/", privacy.PeopleView.as_view(), name="people"),
    path("programme/people/<str:person>/", privacy.PersonView.as_view(), name="person"),
    path("programme/people/<str:person>/export/", privacy.PersonExportView.as_view(), name="person_export"),
    path("programme/people/<str:person>/erase/", privacy.PersonEraseView.as_view(), name="person_erase"),
    # Insight for the programme team (issue 9).
    path("programme/insight/", insight.InsightHomeView.as_view(), name="insight"),
    path("programme/insight/growth/", insight.InsightGrowthView.as_view(), name="insight_growth"),
    path(insight_round, insight.InsightRoundView.as_view(), name="insight_round"),
    path(insight_round + "funnel/", insight.InsightFunnelView.as_view(), name="insight_funnel"),
    path(insight_round + "representation/", insight.InsightRepresentationView.as_view(), name="insight_representation"),
    path(insight_round + "reviewers/", insight.InsightCalibrationView.as_view(), name="insight_calibration"),
    path(insight_round + "scores/", insight.InsightScoresView.as_view(), name="insight_scores"),
    path(insight_round + "nominations/", insight.InsightNominationsView.as_view(), name="insight_nominations"),
    path(insight_round + "equality/", equality.InsightEqualityView.as_view(), name="insight_equality"),
    path("programme/insight/equality/", equality.InsightEqualityAcrossView.as_view(), name="insight_equality_all"),
    *(
        path(
            insight_round + f"download/{kind}.csv",
            insight.InsightExportView.as_view(kind=kind),
            name=f"insight_export_{kind}",
        )
        for kind in insight.ExportKind.ALL
    ),
]
