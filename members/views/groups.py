"""Special interest groups and their discussions, under `/members/communities/`:
proposing a group, discussions and replies, notifications and one-click
unsubscribe, reports and moderation; the programme team's proposals page."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import ListView, TemplateView

from q_portal.roles import ProgrammeTeamMixin
from q_portal.views import ServiceActionView, ServiceConfirmView, ServiceFormOnPageMixin, ServiceFormView

from ..choices import CommunityStatus, NotifyChoice
from ..forms import GroupNotifyForm, GroupProposalForm, PostReplyForm, PostReportForm, ThreadForm
from ..models import Community, CommunityMembership, MemberProfile, Post, Thread
from ..selectors import group_proposals, group_threads, thread_posts
from ..services import groups as services
from .mixins import ActiveMemberMixin, MemberAreaMixin


class GroupMixin(MemberAreaMixin):
    """An approved group (proposals and declined ones do not exist here)."""

    @cached_property
    def group(self):
        return get_object_or_404(Community, slug=self.kwargs["slug"], status=CommunityStatus.APPROVED)

    @cached_property
    def membership(self):
        if self.member is None:
            return None
        return CommunityMembership.objects.filter(community=self.group, member=self.member).first()

    @cached_property
    def can_moderate(self):
        return services.can_moderate(self.request.user, self.group)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            group=self.group, membership=self.membership, can_moderate=self.can_moderate, **kwargs
        )


class GroupProposeView(ActiveMemberMixin, ServiceFormView):
    template_name = "members/group_propose.html"
    form_class = GroupProposalForm
    success_message = gettext_lazy("Thank you. The programme team will look at your proposal.")
    success_url = "members:communities"

    def call_service(self, form):
        data = form.cleaned_data
        return services.group_propose(
            member=self.member,
            name=data["name"],
            learning_question=data["learning_question"],
            description=data["description"],
            welcome_message=data["welcome_message"],
            convenors=data["co_convenors"],
            by=self.request.user,
        )


class DiscussionListView(GroupMixin, ListView):
    template_name = "members/discussions.html"
    context_object_name = "threads"
    paginate_by = 25

    def get_queryset(self):
        return group_threads(group=self.group, include_hidden=self.can_moderate)

    def get_context_data(self, **kwargs):
        notify_form = None
        if self.membership is not None:
            notify_form = GroupNotifyForm(initial={"notify": self.membership.notify})
        return super().get_context_data(notify_form=notify_form, **kwargs)


class ThreadCreateView(GroupMixin, ServiceFormView):
    template_name = "members/thread_new.html"
    form_class = ThreadForm
    success_message = gettext_lazy("Your discussion is started.")

    def get(self, request, *args, **kwargs):
        if self.membership is None:
            raise Http404
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.membership is None:
            raise Http404
        return super().post(request, *args, **kwargs)

    def call_service(self, form):
        return services.thread_start(
            group=self.group,
            member=self.member,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            by=self.request.user,
        )

    def get_success_url(self):
        return reverse("members:thread", kwargs={"slug": self.group.slug, "pk": self.outcome.pk})


class ThreadView(GroupMixin, ServiceFormOnPageMixin, ListView):
    template_name = "members/thread.html"
    context_object_name = "posts"
    paginate_by = 50

    @cached_property
    def thread(self):
        thread = get_object_or_404(
            Thread.objects.select_related("community"), pk=self.kwargs["pk"], community=self.group
        )
        if thread.hidden and not self.can_moderate:
            raise Http404
        return thread

    def get_queryset(self):
        return thread_posts(thread=self.thread, include_hidden=self.can_moderate)

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None) or (PostReplyForm() if self.membership is not None else None)
        return super().get_context_data(thread=self.thread, form=form, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.membership is None:
            raise Http404
        return self.post_service_form(
            PostReplyForm(request.POST),
            self.reply,
            success_url=reverse("members:thread", kwargs={"slug": self.group.slug, "pk": self.thread.pk}),
        )

    def reply(self, form):
        services.thread_reply(
            thread=self.thread, member=self.member, body=form.cleaned_data["body"], by=self.request.user
        )
        return _("Your reply is posted.")


class ThreadModerateView(GroupMixin, View):
    """Lock, unlock, hide or show a discussion, or hide or show one post."""

    http_method_names = ["post"]

    def post(self, request, slug, pk):
        thread = get_object_or_404(Thread, pk=pk, community=self.group)
        if not self.can_moderate:
            raise Http404
        action = request.POST.get("action", "")
        post_id = request.POST.get("post", "")
        if action in ("hide_post", "show_post") and post_id.isdigit() and len(post_id) < 12:
            post = get_object_or_404(Post, pk=int(post_id), thread=thread)
            services.post_hide(post=post, by=request.user, hidden=action == "hide_post")
        elif action in ("lock", "unlock"):
            services.thread_moderate(thread=thread, by=request.user, locked=action == "lock")
        elif action in ("hide", "show"):
            services.thread_moderate(thread=thread, by=request.user, hidden=action == "hide")
        messages.success(request, _("Done."))
        return redirect("members:thread", slug=slug, pk=pk)


class PostReportView(GroupMixin, ServiceFormView):
    template_name = "members/post_report.html"
    form_class = PostReportForm

    @cached_property
    def post_reported(self):
        if self.member is None:
            raise Http404
        return get_object_or_404(
            Post.objects.select_related("thread__community"),
            pk=self.kwargs["pk"],
            thread__community=self.group,
            hidden=False,
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(reported=self.post_reported, **kwargs)

    success_message = gettext_lazy("Thank you. The group's convenors have been told.")

    def call_service(self, form):
        return services.post_report(
            post=self.post_reported, member=self.member, reason=form.cleaned_data["reason"], by=self.request.user
        )

    def get_success_url(self):
        return reverse("members:thread", kwargs={"slug": self.group.slug, "pk": self.post_reported.thread_id})


class GroupNotifyView(GroupMixin, View):
    http_method_names = ["post"]

    def post(self, request, slug):
        if self.membership is None:
            raise Http404
        form = GroupNotifyForm(request.POST)
        if form.is_valid():
            services.notify_set(
                group=self.group, member=self.member, notify=form.cleaned_data["notify"], by=request.user
            )
            messages.success(request, _("Your email choice is saved."))
        else:
            messages.error(request, _("Choose how you would like to hear about new posts."))
        return redirect("members:community_discussions", slug=slug)


class GroupMemberManageView(GroupMixin, ServiceActionView):
    """Convenors remove members or name co-convenors."""

    success_message = gettext_lazy("Saved.")

    def call_service(self):
        if not self.can_moderate:
            raise Http404
        member = get_object_or_404(MemberProfile, pk=self.kwargs["pk"], community_memberships__community=self.group)
        action = self.request.POST.get("action", "")
        if action == "remove":
            return services.membership_remove(group=self.group, member=member, by=self.request.user)
        if action in ("convenor", "not_convenor"):
            return services.membership_set_convenor(
                group=self.group, member=member, is_convenor_now=action == "convenor", by=self.request.user
            )
        return None

    def get_success_url(self):
        return reverse("members:community", kwargs={"slug": self.kwargs["slug"]})


@method_decorator(csrf_exempt, name="dispatch")  # RFC 8058 one-click: the mail provider POSTs without a form
class GroupUnsubscribeView(TemplateView):
    """One click stops a group's emails; the signed token is the only key."""

    template_name = "members/group_unsubscribe.html"

    @cached_property
    def membership(self):
        membership = services.membership_from_unsubscribe_token(self.kwargs["token"])
        if membership is None:
            raise Http404
        return membership

    def get_context_data(self, **kwargs):
        return super().get_context_data(membership=self.membership, done=False, **kwargs)

    def post(self, request, token):
        membership = self.membership
        services.notify_set(group=membership.community, member=membership.member, notify=NotifyChoice.NONE, by=None)
        return self.render_to_response({"membership": membership, "done": True})


class GroupProposalsView(ProgrammeTeamMixin, ServiceConfirmView):
    """The groups members have proposed, each with its approve and decline buttons."""

    template_name = "members/programme/group_proposals.html"
    success_url = "members:programme_groups"

    def get_context_data(self, **kwargs):
        return super().get_context_data(proposals=group_proposals(), **kwargs)

    @cached_property
    def group(self):
        group_id = self.request.POST.get("group", "")
        if not group_id.isdigit() or len(group_id) > 12:
            raise Http404
        return get_object_or_404(Community, pk=int(group_id))

    def call_service(self):
        approve = self.request.POST.get("decision") == "approve"
        return services.group_decide(group=self.group, approve=approve, by=self.request.user)

    def get_success_message(self):
        return _("%(name)s: decision saved.") % {"name": self.group.name}
