"""The members' area, mounted at `/members/`."""

from django.urls import path

from .views import groups, member, programme

app_name = "members"

urlpatterns = [
    path("", member.DirectoryView.as_view(), name="directory"),
    path("home/", member.MemberHomeView.as_view(), name="home"),
    path("me/", member.MyProfileView.as_view(), name="me"),
    path("me/edit/", member.ProfileEditView.as_view(), name="me_edit"),
    path("me/settings/", member.SettingsView.as_view(), name="settings"),
    path("me/photo/", member.PhotoEditView.as_view(), name="me_photo"),
    path("me/pledge/", member.PledgeEditView.as_view(), name="me_pledge"),
    path("<int:pk>/", member.ProfileView.as_view(), name="profile"),
    path("<int:pk>/photo/", member.PhotoView.as_view(), name="photo"),
    path("<int:pk>/contact/", member.ContactView.as_view(), name="contact"),
    path("<int:pk>/report/", member.ReportView.as_view(), name="report"),
    path("messages/", member.MessageListView.as_view(), name="messages"),
    path("messages/<int:pk>/", member.MessageView.as_view(), name="message"),
    path("messages/<int:message>/report/", member.ReportView.as_view(), name="message_report"),
    path("pledges/", member.PledgeWallView.as_view(), name="pledges"),
    path("communities/", member.CommunityListView.as_view(), name="communities"),
    path("communities/propose/", groups.GroupProposeView.as_view(), name="group_propose"),
    path("communities/<slug:slug>/", member.CommunityDetailView.as_view(), name="community"),
    path("communities/<slug:slug>/discussions/", groups.DiscussionListView.as_view(), name="community_discussions"),
    path("communities/<slug:slug>/discussions/new/", groups.ThreadCreateView.as_view(), name="thread_new"),
    path("communities/<slug:slug>/discussions/<int:pk>/", groups.ThreadView.as_view(), name="thread"),
    path(
        "communities/<slug:slug>/discussions/<int:pk>/moderate/",
        groups.ThreadModerateView.as_view(),
        name="thread_moderate",
    ),
    path("communities/<slug:slug>/posts/<int:pk>/report/", groups.PostReportView.as_view(), name="post_report"),
    path("communities/<slug:slug>/notifications/", groups.GroupNotifyView.as_view(), name="group_notify"),
    path("communities/<slug:slug>/members/<int:pk>/", groups.GroupMemberManageView.as_view(), name="group_member"),
    path("groups/unsubscribe/<str:token>/", groups.GroupUnsubscribeView.as_view(), name="group_unsubscribe"),
    path("communities/<slug:slug>/membership/", member.CommunityMembershipView.as_view(), name="community_membership"),
    # The programme team
    path("programme/", programme.ProgrammeHomeView.as_view(), name="programme_home"),
    path("programme/members/", programme.MemberListView.as_view(), name="programme_members"),
    path("programme/members/<int:pk>/status/", programme.MemberStatusView.as_view(), name="programme_member_status"),
    path("programme/import/", programme.ImportView.as_view(), name="programme_import"),
    path("programme/import/check/", programme.ImportPreviewView.as_view(), name="programme_import_preview"),
    path("programme/communities/new/", programme.CommunityCreateView.as_view(), name="programme_community_create"),
    path(
        "programme/communities/<slug:slug>/edit/",
        programme.CommunityEditView.as_view(),
        name="programme_community_edit",
    ),
    path("programme/onboarding/", programme.OnboardingListView.as_view(), name="programme_onboarding"),
    path("programme/onboarding/<int:pk>/", programme.OnboardingEditView.as_view(), name="programme_onboarding_edit"),
    path("programme/groups/", groups.GroupProposalsView.as_view(), name="programme_groups"),
    path("programme/interests/", programme.InterestModerationView.as_view(), name="programme_interests"),
    path("programme/reports/", programme.ReportListView.as_view(), name="reports"),
    path("programme/reports/<int:pk>/resolve/", programme.ReportResolveView.as_view(), name="report_resolve"),
    path("programme/growth/", programme.GrowthView.as_view(), name="programme_growth"),
]
