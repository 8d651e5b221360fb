from django.urls import path

from .views import nominator, nominee

app_name = "nominations"

round_organisation = "round/<int:round_pk>/organisation/<int:organisation_pk>/"

urlpatterns = [
    path("", nominator.NominatorHomeView.as_view(), name="home"),
    path(round_organisation, nominator.DashboardView.as_view(), name="dashboard"),
    path(round_organisation + "nominate/", nominator.NominateView.as_view(), name="nominate"),
    path(round_organisation + "upload/", nominator.UploadView.as_view(), name="upload"),
    path(round_organisation + "export.csv", nominator.ExportView.as_view(), name="export"),
    path("upload/<uuid:pk>/", nominator.UploadPreviewView.as_view(), name="upload_preview"),
    path("template.csv", nominator.TemplateCsvView.as_view(), name="csv_template"),
    path("nomination/<int:pk>/resend/", nominator.ResendView.as_view(), name="resend"),
    path("nomination/<int:pk>/withdraw/", nominator.WithdrawView.as_view(), name="withdraw"),
    path("invitation/<str:token>/", nominee.InvitationView.as_view(), name="invitation"),
    path("invitation/<str:token>/accept/", nominee.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("invitation/<str:token>/decline/", nominee.InvitationDeclineView.as_view(), name="invitation_decline"),
    path("programme/", nominator.ProgrammeRoundListView.as_view(), name="programme"),
    path("programme/round/<int:pk>/", nominator.ProgrammeRoundView.as_view(), name="programme_round"),
    path("programme/nominators/", nominator.ProgrammeNominatorsView.as_view(), name="programme_nominators"),
]
