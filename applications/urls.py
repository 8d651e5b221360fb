from django.urls import path

from .views import adjustments, applicant

app_name = "applications"

application = "apply/application/<int:pk>/"

urlpatterns = [
    path("apply/", applicant.ApplicantHomeView.as_view(), name="applicant_home"),
    path("apply/round/<int:round_pk>/eligibility/", applicant.EligibilityView.as_view(), name="eligibility"),
    path(application, applicant.TaskListView.as_view(), name="task_list"),
    path(application + "about/", applicant.AboutYouView.as_view(), name="about"),
    path(application + "route/", applicant.RouteView.as_view(), name="route"),
    path(application + "criterion/<slug:letter>/", applicant.CriterionView.as_view(), name="criterion"),
    path(application + "declarations/", applicant.DeclarationsView.as_view(), name="declarations"),
    path(application + "adjustments/", applicant.AdjustmentView.as_view(), name="adjustments"),
    path(application + "check/", applicant.CheckAnswersView.as_view(), name="check"),
    path(application + "submitted/", applicant.SubmittedView.as_view(), name="submitted"),
    path(application + "status/", applicant.StatusView.as_view(), name="status"),
    path(application + "withdraw/", applicant.WithdrawView.as_view(), name="withdraw"),
    path(application + "reopen/", applicant.ReopenView.as_view(), name="reopen"),
    path(application + "delete/", applicant.DeleteDraftView.as_view(), name="delete"),
    path("apply/my-data/", applicant.DownloadView.as_view(), name="download"),
    path("apply/keep-alive/", applicant.KeepAliveView.as_view(), name="keep_alive"),
    path("programme/adjustments/", adjustments.AdjustmentListView.as_view(), name="adjustment_list"),
    path("programme/adjustments/<int:pk>/", adjustments.AdjustmentAnswerView.as_view(), name="adjustment_answer"),
]
