"""The members' area, `/members/`: the directory, profiles, one's own profile,
pledges, communities and messages. Each change is one service call."""

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from q_portal.roles import needs_mfa_setup
from q_portal.views import ServiceActionView, ServiceFormOnPageMixin, ServiceFormView

from .. import services
from ..forms import (
    ContactForm,
    DirectorySearchForm,
    PhotoForm,
    PledgeForm,
    PledgeWallFilterForm,
    ProfileForm,
    ReplyForm,
    ReportForm,
    SettingsForm,
)
from ..models import Community, Pledge
from ..panels import home_panels, profile_sections
from ..permissions import (
    can_contact,
    can_view_profile,
    get_message_for_user_or_404,
    get_profile_for_user_or_404,
)
from ..selectors import (
    coffee_partner,
    communities_with_counts,
    community_members,
    directory_filter_options,
    directory_matches_up_to,
    directory_search,
    listed_member_count,
    messages_for,
    people_to_meet,
    pledge_wall,
    profile_completeness,
    profile_for_owner,
    recent_group_posts,
    suggested_groups,
)
from ..services.contact import contact_allowance_left
from .mixins import ActiveMemberMixin, MemberAreaMixin, ProfileOwnerMixin

# A search or filter of the directory counts its matches up to this many. Past it
# the page says "more than 1,000" and its pages reach the first 1,000 (the best
# matches, or the first in the order asked for): counting every match of a word
# nearly every member uses read all 50,000 profiles at ten times the size.
DIRECTORY_COUNT_CAP = 1_000


class DirectoryPaginator(Paginator):
    """The directory's pages. Unfiltered, the number of listed members comes from
    the cache (`listed_member_count`). Searched or filtered, matches are counted
    up to `cap`: past it `more_than_cap` is true, `count` is the cap and the pages
    reach the first `cap` matches (a page past them is beyond the end, as for any
    list), so "page 3 of 50" is the truth about what can be paged through."""

    def __init__(self, object_list, per_page, *, filtered: bool, cap: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.filtered, self.cap = filtered, cap

    @cached_property
    def matches(self) -> int:
        if not self.filtered:
            return listed_member_count()
        return directory_matches_up_to(self.object_list, cap=self.cap)

    @cached_property
    def more_than_cap(self) -> bool:
        return self.filtered and self.matches > self.cap

    @cached_property
    def count(self) -> int:
        return self.cap if self.more_than_cap else self.matches


class DirectoryView(MemberAreaMixin, ListView):
    template_name = "members/directory.html"
    context_object_name = "profiles"
    paginate_by = 20

    @cached_property
    def filters(self):
        return directory_filter_options()

    @cached_property
    def form(self):
        return DirectorySearchForm(self.request.GET or None, filters=self.filters)

    @cached_property
    def criteria(self) -> dict:
        """What the directory is asked for: `directory_search`'s arguments. A
        filter value that is no longer offered (an old link) is ignored; the
        other filters still apply."""
        cleaned = {}
        if self.form.is_bound:
            self.form.is_valid()
            cleaned = self.form.cleaned_data
        return {
            "query": " ".join(cleaned.get("q", "").split()),
            "region": _by_slug(self.filters.regions, cleaned.get("region")),
            "role_category": cleaned.get("role", ""),
            "interest": _by_slug(self.filters.interests, cleaned.get("interest")),
            "community": _by_slug(self.filters.communities, cleaned.get("community")),
            "cohort": cleaned.get("cohort", ""),
            "sort": cleaned.get("sort", ""),
            "organisation_kind": cleaned.get("organisation_kind", ""),
            "expertise": " ".join(cleaned.get("expertise", "").split()),
        }

    def get_queryset(self):
        return directory_search(**self.criteria)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        # A sort alone lists every member, so it is counted as the plain directory.
        filtered = any(value for name, value in self.criteria.items() if name != "sort")
        return DirectoryPaginator(
            queryset,
            per_page,
            filtered=filtered,
            cap=DIRECTORY_COUNT_CAP,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            **kwargs,
        )

    def get_context_data(self, **kwargs):
        searched = self.form.is_bound and any(getattr(self.form, "cleaned_data", {}).values())
        return super().get_context_data(form=self.form, searched=searched, **kwargs)


def _by_slug(options, slug):
    return next((option for option in options if option.slug == slug), None) if slug else None


class ProfileView(MemberAreaMixin, TemplateView):
    template_name = "members/profile.html"

    def allowed(self, user) -> bool:
        # A paused member may still see their own profile page.
        return super().allowed(user) or getattr(user, "member_profile", None) is not None

    def get_context_data(self, **kwargs):
        profile = get_profile_for_user_or_404(self.request.user, self.kwargs["pk"])
        return super().get_context_data(
            profile=profile,
            is_own=profile.user_id == self.request.user.pk,
            can_contact=can_contact(self.request.user, profile),
            sections=profile_sections(member=profile, viewer=self.request.user),
            **kwargs,
        )


class PhotoView(View):
    """A member's photo, served only to those who may see the profile."""

    def get(self, request, pk):
        # Staff who must set up MFA see no member data until they have, as elsewhere.
        if not request.user.is_authenticated or needs_mfa_setup(request.user):
            raise Http404
        profile = get_profile_for_user_or_404(request.user, pk)
        if not profile.photo.name or not can_view_profile(request.user, profile):
            raise Http404
        try:
            handle = default_storage.open(profile.photo.name, "rb")
        except FileNotFoundError as error:
            raise Http404 from error
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response


class MyProfileView(ProfileOwnerMixin, TemplateView):
    template_name = "members/me.html"

    def get_context_data(self, **kwargs):
        profile = profile_for_owner(user=self.request.user)
        return super().get_context_data(
            profile=profile, sections=profile_sections(member=profile, viewer=self.request.user), **kwargs
        )


class ProfileEditView(ActiveMemberMixin, ServiceFormView):
    template_name = "members/me_edit.html"
    form_class = ProfileForm
    success_message = gettext_lazy("Your profile is saved.")
    success_url = "members:me"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member": self.member}

    def get_initial(self):
        member = self.member
        return {
            "full_name": member.full_name,
            "job_title": member.job_title,
            "role_category": member.role_category,
            "organisation": member.organisation_id,
            "organisation_other": member.organisation_other,
            "region": member.region_id,
            "bio": member.bio,
            "skills": member.skills,
            "methods": member.methods,
            "links": "\n".join(member.links),
            "interests": list(member.interests.values_list("pk", flat=True)),
        }

    def call_service(self, form):
        data = dict(form.cleaned_data)
        suggested = data.pop("other_interests")
        interests = list(data.pop("interests"))
        return services.profile_update(
            member=self.member, by=self.request.user, interests=interests, suggested_interests=suggested, **data
        )


class SettingsView(ProfileOwnerMixin, ServiceFormView):
    template_name = "members/me_settings.html"
    form_class = SettingsForm
    success_message = gettext_lazy("Your settings are saved.")
    success_url = "members:me"

    def get_initial(self):
        return {
            "visibility": self.member.visibility,
            "contact_enabled": self.member.contact_enabled,
            "coffee_opt_in": self.member.coffee_opt_in,
        }

    def call_service(self, form):
        return services.profile_settings_update(member=self.member, by=self.request.user, **form.cleaned_data)


class PhotoEditView(ActiveMemberMixin, ServiceFormView):
    template_name = "members/me_photo.html"
    form_class = PhotoForm
    success_message = gettext_lazy("Your photo is saved.")
    success_url = "members:me"

    def post(self, request, *args, **kwargs):
        if "remove" in request.POST:
            services.profile_photo_remove(member=self.member, by=request.user)
            messages.success(request, _("Your photo is removed."))
            return redirect("members:me")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(profile=self.member, **kwargs)

    def call_service(self, form):
        return services.profile_photo_set(member=self.member, upload=form.cleaned_data["photo"], by=self.request.user)


class PledgeEditView(ActiveMemberMixin, ServiceFormView):
    template_name = "members/me_pledge.html"
    form_class = PledgeForm
    success_message = gettext_lazy("Your pledge is on the pledge wall.")
    success_url = "members:me"

    def get_initial(self):
        pledge = Pledge.objects.filter(member=self.member).first()
        return {"text": pledge.text, "category": pledge.category} if pledge else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(has_pledge=Pledge.objects.filter(member=self.member).exists(), **kwargs)

    def post(self, request, *args, **kwargs):
        if "withdraw" in request.POST:
            services.pledge_withdraw(member=self.member, by=request.user)
            messages.success(request, _("Your pledge is withdrawn."))
            return redirect("members:me")
        return super().post(request, *args, **kwargs)

    def call_service(self, form):
        return services.pledge_set(member=self.member, by=self.request.user, **form.cleaned_data)


class PledgeWallView(MemberAreaMixin, ListView):
    template_name = "members/pledges.html"
    context_object_name = "pledges"
    paginate_by = 25

    @cached_property
    def form(self):
        return PledgeWallFilterForm(self.request.GET or None)

    def get_queryset(self):
        region = self.form.cleaned_data.get("region") if self.form.is_valid() else None
        return pledge_wall(region=region)

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, **kwargs)


class CommunityListView(MemberAreaMixin, ListView):
    template_name = "members/communities.html"
    context_object_name = "communities"
    paginate_by = 25

    def get_queryset(self):
        return communities_with_counts(member=self.member)


class CommunityDetailView(MemberAreaMixin, ListView):
    template_name = "members/community.html"
    context_object_name = "profiles"
    paginate_by = 25

    @cached_property
    def community(self):
        return get_object_or_404(communities_with_counts(member=self.member), slug=self.kwargs["slug"])

    def get_queryset(self):
        return community_members(community=self.community)

    def get_context_data(self, **kwargs):
        from ..services.groups import can_moderate

        return super().get_context_data(
            community=self.community, can_moderate=can_moderate(self.request.user, self.community), **kwargs
        )


class CommunityMembershipView(ActiveMemberMixin, ServiceActionView):
    """Join a community, or leave it (saying so only if the member was in it)."""

    @cached_property
    def community(self):
        return get_object_or_404(Community, slug=self.kwargs["slug"])

    @property
    def leaving(self) -> bool:
        return "leave" in self.request.POST

    def call_service(self):
        if self.leaving:
            return services.community_leave(community=self.community, member=self.member, by=self.request.user)
        return services.community_join(community=self.community, member=self.member, by=self.request.user)

    def get_success_message(self):
        name = {"community": self.community.name}
        if not self.leaving:
            return _("You have joined %(community)s.") % name
        return _("You have left %(community)s.") % name if self.outcome else ""

    def get_success_url(self):
        return reverse("members:community", kwargs={"slug": self.community.slug})


class ContactView(ActiveMemberMixin, ServiceFormView):
    template_name = "members/contact.html"
    form_class = ContactForm

    @cached_property
    def recipient(self):
        profile = get_profile_for_user_or_404(self.request.user, self.kwargs["pk"])
        if not can_contact(self.request.user, profile):
            raise Http404
        return profile

    def get(self, request, *args, **kwargs):
        self.recipient  # noqa: B018 - 404 before showing the form
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            recipient=self.recipient, allowance_left=contact_allowance_left(sender=self.member), **kwargs
        )

    def call_service(self, form):
        return services.contact_send(
            sender=self.member, recipient=self.recipient, body=form.cleaned_data["body"], by=self.request.user
        )

    def get_success_message(self):
        return _("Your message is on its way to %(name)s. If they reply, you will get their reply by email.") % {
            "name": self.recipient.full_name
        }

    def get_success_url(self):
        return reverse("members:profile", kwargs={"pk": self.recipient.pk})


class MessageListView(ProfileOwnerMixin, ListView):
    template_name = "members/messages.html"
    context_object_name = "conversations"
    paginate_by = 25

    def get_queryset(self):
        return messages_for(member=self.member)


class MessageView(ProfileOwnerMixin, ServiceFormOnPageMixin, TemplateView):
    """One message: the recipient can reply (sharing addresses) or report it."""

    template_name = "members/message.html"

    @cached_property
    def message(self):
        return get_message_for_user_or_404(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        is_recipient = self.message.recipient_id == self.member.pk
        kwargs.setdefault("reply_form", ReplyForm() if is_recipient and not self.message.replied_at else None)
        return super().get_context_data(
            message=self.message, is_recipient=is_recipient, addresses_shared=bool(self.message.replied_at), **kwargs
        )

    def post(self, request, *args, **kwargs):
        return self.post_service_form(
            ReplyForm(request.POST),
            self.reply,
            success_url=reverse("members:message", kwargs={"pk": self.message.pk}),
            context_name="reply_form",
        )

    def reply(self, form):
        services.contact_reply(message=self.message, body=form.cleaned_data["body"], by=self.request.user)
        return _("Your reply is sent to %(name)s, with your email address.") % {"name": self.message.sender.full_name}


class ReportView(ActiveMemberMixin, ServiceFormView):
    """Report a member (from their profile) or a message sent to you."""

    template_name = "members/report.html"
    form_class = ReportForm
    success_message = gettext_lazy("Thank you. The programme team will look at your report.")
    success_url = "members:directory"

    @cached_property
    def target(self):
        if "message" in self.kwargs:
            message = get_message_for_user_or_404(self.request.user, self.kwargs["message"])
            if message.recipient_id != self.member.pk:
                raise Http404
            return message.sender, message
        profile = get_profile_for_user_or_404(self.request.user, self.kwargs["pk"])
        if profile.pk == self.member.pk:
            raise Http404
        return profile, None

    def get(self, request, *args, **kwargs):
        self.target  # noqa: B018 - 404 before showing the form
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        reported, message = self.target
        return super().get_context_data(reported=reported, reported_message=message, **kwargs)

    def call_service(self, form):
        reported, message = self.target
        return services.abuse_report_create(
            reporter=self.member,
            reported=reported,
            message=message,
            reason=form.cleaned_data["reason"],
            by=self.request.user,
        )


class MemberHomeView(ActiveMemberMixin, TemplateView):
    """The member's home: what the apps above add (their next events, ...) and
    what members itself knows (profile completeness, people to meet, coffee)."""

    template_name = "members/home.html"

    def get_context_data(self, **kwargs):
        member = self.member
        return super().get_context_data(
            member=member,
            completeness=profile_completeness(member=member),
            suggested_people=people_to_meet(member=member),
            coffee=coffee_partner(member=member),
            group_posts=recent_group_posts(member=member),
            groups_to_join=suggested_groups(member=member),
            panels=home_panels(member=member),
            **kwargs,
        )
