"""Q Exchange, mounted at `/exchange/`."""

from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.CallListView.as_view(), name="calls"),
    path("calls/<int:pk>/", views.CallView.as_view(), name="call"),
    path("calls/<int:pk>/ideas/new/", views.IdeaCreateView.as_view(), name="idea_create"),
    path("ideas/<int:pk>/", views.IdeaView.as_view(), name="idea"),
    path("ideas/<int:pk>/edit/", views.IdeaEditView.as_view(), name="idea_edit"),
    path("ideas/<int:pk>/history/", views.IdeaHistoryView.as_view(), name="idea_history"),
    path("ideas/<int:pk>/withdraw/", views.IdeaWithdrawView.as_view(), name="idea_withdraw"),
    path("ideas/<int:pk>/comment/", views.CommentView.as_view(), name="comment"),
    path("ideas/<int:pk>/support/", views.SupportView.as_view(), name="support"),
    path("ideas/<int:pk>/join/", views.JoinView.as_view(), name="join"),
    path("ideas/<int:pk>/team/", views.TeamView.as_view(), name="team"),
    path("ideas/<int:pk>/proposal/", views.ProposalStartView.as_view(), name="proposal_start"),
    path("requests/<int:pk>/", views.JoinDecideView.as_view(), name="join_decide"),
    path("proposals/<int:pk>/", views.ProposalView.as_view(), name="proposal"),
    path("proposals/<int:pk>/check/", views.ProposalCheckView.as_view(), name="proposal_check"),
    path("preferences/", views.PreferenceView.as_view(), name="preferences"),
    path("programme/", views.ProgrammeCallListView.as_view(), name="programme_calls"),
    path("programme/calls/new/", views.CallEditView.as_view(), name="programme_call_create"),
    path("programme/calls/<int:pk>/", views.CallEditView.as_view(), name="programme_call_edit"),
    path("programme/calls/<int:pk>/questions/", views.QuestionsView.as_view(), name="programme_questions"),
    path("programme/questions/<int:pk>/", views.QuestionEditView.as_view(), name="programme_question_edit"),
    path("calls/<int:pk>/panel/volunteer/", views.VolunteerView.as_view(), name="volunteer"),
    path("panel/", views.PanelQueueView.as_view(), name="panel"),
    path("panel/assessments/<int:pk>/", views.AssessmentView.as_view(), name="assessment"),
    path("programme/calls/<int:pk>/panel/", views.ProgrammePanelView.as_view(), name="programme_panel"),
    path("programme/assessors/<int:pk>/", views.AssessorDecideView.as_view(), name="programme_assessor_decide"),
    path("programme/calls/<int:pk>/panel/assign/", views.PanelAssignView.as_view(), name="programme_panel_assign"),
    path("programme/calls/<int:pk>/shortlist/", views.ShortlistView.as_view(), name="programme_shortlist"),
    path(
        "programme/calls/<int:pk>/shortlist/announce/",
        views.ShortlistAnnounceView.as_view(),
        name="programme_shortlist_announce",
    ),
    path(
        "programme/proposals/<int:pk>/moderation/",
        views.ModerationRequestView.as_view(),
        name="programme_moderation_request",
    ),
    path("programme/proposals/<int:pk>/feedback/", views.FeedbackView.as_view(), name="programme_feedback"),
]
