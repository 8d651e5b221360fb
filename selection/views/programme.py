"""The programme team's selection pages under `/programme/selection/`: rounds to
review, their settings, reviewers and capacities, automatic assignment, and
one application's assignments, conflicts, reviews and audit trail.
Every view is for the programme team only; each change is one service call."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import ListView, TemplateView

from applications.models import Round
from members.models import User
from q_portal.exceptions import PortalError
from q_portal.forms import page_number
from q_portal.roles import ProgrammeTeamMixin, Role
from q_portal.views import ServiceActionView, ServiceFormOnPageMixin, ServiceFormView

from ..forms.board import DecisionForm
from ..forms.programme import AddReviewerForm, CapacityForm, ReviewerProfileForm, SelectionSettingsForm
from ..models import Assignment, Review
from ..selectors.dashboard import morning_view
from ..selectors.decisions import decision_panel_of
from ..selectors.programme import (
    SELECTION_ROUND_STATUSES,
    application_for_selection,
    assignments_of,
    audit_of,
    conflicts_of,
    reviewers_for_round,
    round_stepped_aside,
    rounds_for_selection,
)
from ..services import assignments as assignment_services
from ..services import progress as progress_services
from ..services import reviews as review_services
from ..services import settings as settings_services


class ProgrammeHomeView(ProgrammeTeamMixin, TemplateView):
    """The team's morning view: what needs doing today in each live round, then
    every area the team runs."""

    template_name = "selection/programme_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(morning=morning_view(), **kwargs)


class SelectionRoundMixin(ProgrammeTeamMixin):
    @cached_property
    def round(self) -> Round:
        return get_object_or_404(
            Round.objects.filter(status__in=SELECTION_ROUND_STATUSES).select_related("selection_settings"),
            pk=self.kwargs["pk"],
        )

    @cached_property
    def settings(self):
        # Read with the round (one query fewer on every page), created if missing.
        return getattr(self.round, "selection_settings", None) or settings_services.selection_settings_for(
            round=self.round
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(round=self.round, settings=self.settings, **kwargs)


class SelectionRoundListView(ProgrammeTeamMixin, ListView):
    template_name = "selection/programme/round_list.html"
    context_object_name = "rounds"
    paginate_by = 25

    def get_queryset(self):
        return rounds_for_selection(now=timezone.now())


class SelectionRoundView(SelectionRoundMixin, TemplateView):
    template_name = "selection/programme/round.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            progress=progress_services.round_progress(round=self.round),
            stepped_aside=round_stepped_aside(round=self.round),
            report=self.settings.assignment_report,
            **kwargs,
        )


class AssignAutomaticallyView(SelectionRoundMixin, ServiceActionView):
    def call_service(self):
        return assignment_services.assignments_auto(round=self.round, by=self.request.user)

    def get_success_message(self):
        result = self.outcome
        text = ngettext("%(count)d assignment made.", "%(count)d assignments made.", result.created) % {
            "count": result.created
        }
        if not result.unassignable:
            return text + " " + _("Every application has its reviewers.")
        return (
            text
            + " "
            + ngettext(
                "%(count)d application could not be given all its reviewers: see below.",
                "%(count)d applications could not be given all their reviewers: see below.",
                result.unassignable_total,
            )
            % {"count": result.unassignable_total}
        )

    def get_success_level(self):
        return messages.WARNING if self.outcome.unassignable else messages.SUCCESS

    def get_success_url(self):
        return reverse("selection:round", kwargs={"pk": self.round.pk})


class SelectionSettingsView(SelectionRoundMixin, ServiceFormView):
    template_name = "selection/programme/settings_form.html"
    form_class = SelectionSettingsForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.settings,
            "criteria": sorted(self.round.criteria.all(), key=lambda c: c.letter),
        }

    def call_service(self, form):
        changes = form.changes()
        # ModelForm validation wrote the values onto the instance: the service compares with the stored row.
        self.settings.refresh_from_db()
        return settings_services.selection_settings_update(round=self.round, by=self.request.user, **changes)

    def get_success_message(self):
        return _("The selection settings of %(round)s are saved.") % {"round": self.round}

    def get_success_url(self):
        return reverse("selection:round", kwargs={"pk": self.round.pk})


class ReviewerListView(SelectionRoundMixin, ListView):
    template_name = "selection/programme/reviewer_list.html"
    context_object_name = "reviewers"
    paginate_by = 50

    def get_queryset(self):
        return reviewers_for_round(round=self.round, default_capacity=self.settings.default_capacity)


class CapacityView(SelectionRoundMixin, ServiceActionView):
    @cached_property
    def reviewer(self):
        return get_object_or_404(User.objects.filter(groups__name=Role.REVIEWER), pk=self.kwargs["user_pk"])

    def call_service(self):
        reviewer = self.reviewer  # an unknown one is a 404 whatever was posted
        form = CapacityForm(self.request.POST)
        if not form.is_valid():
            raise PortalError(_("Enter a capacity for %(name)s as a whole number, 0 or more.") % {"name": reviewer})
        self.capacity = form.cleaned_data["capacity"]
        return settings_services.reviewer_capacity_set(
            round=self.round, reviewer=reviewer, capacity=self.capacity, by=self.request.user
        )

    def get_success_message(self):
        return _("%(name)s can take %(capacity)d applications in this round.") % {
            "name": self.reviewer,
            "capacity": self.capacity,
        }

    def get_success_url(self):
        page = self.request.POST.get("page", "")
        url = reverse("selection:reviewers", kwargs={"pk": self.round.pk})
        return f"{url}?page={page}" if page.isdigit() else url


class ReviewerProfileView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "selection/programme/reviewer_profile.html"
    form_class = ReviewerProfileForm
    success_url = "selection:round_list"

    @cached_property
    def reviewer(self):
        return get_object_or_404(
            User.objects.filter(groups__name=Role.REVIEWER).select_related("reviewer_profile"), pk=self.kwargs["pk"]
        )

    def get_initial(self):
        profile = getattr(self.reviewer, "reviewer_profile", None)
        return {
            "organisation": profile.organisation if profile else None,
            "region": profile.region if profile else None,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(reviewer=self.reviewer, **kwargs)

    def call_service(self, form):
        return settings_services.reviewer_profile_set(reviewer=self.reviewer, by=self.request.user, **form.cleaned_data)

    def get_success_message(self):
        return _("%(name)s's organisation and region are saved.") % {"name": self.reviewer}


class ApplicationSelectionMixin(ProgrammeTeamMixin):
    @cached_property
    def application(self):
        return get_object_or_404(
            application_for_selection().filter(round__status__in=SELECTION_ROUND_STATUSES), pk=self.kwargs["pk"]
        )


class ApplicationSelectionView(ApplicationSelectionMixin, ServiceFormOnPageMixin, TemplateView):
    """One application for the programme team: who reviews it, their scores, the
    conflicts of interest, and every audited change."""

    template_name = "selection/programme/application.html"
    audit_page_size = 50

    def get_context_data(self, **kwargs):
        audit = Paginator(audit_of(application=self.application), self.audit_page_size).get_page(
            page_number(self.request.GET)
        )
        return super().get_context_data(
            application=self.application,
            assignments=list(assignments_of(application=self.application)),
            conflicts=list(conflicts_of(application=self.application)),
            criteria=sorted(self.application.round.criteria.all(), key=lambda c: c.letter),
            audit=audit,
            page_obj=audit,
            paginator=audit.paginator,
            is_paginated=audit.paginator.num_pages > 1,
            add_form=kwargs.pop("add_form", None) or AddReviewerForm(application=self.application),
            decision_form=DecisionForm(
                initial={"outcome": getattr(getattr(self.application, "decision", None), "outcome", DecisionForm.NONE)}
            ),
            **decision_panel_of(application=self.application),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        return self.post_service_form(
            AddReviewerForm(request.POST, application=self.application),
            self.add_reviewer,
            success_url=reverse("selection:application", kwargs={"pk": self.application.pk}),
            context_name="add_form",
        )

    def add_reviewer(self, form):
        reviewer = form.cleaned_data["reviewer"]
        assignment_services.assignment_add(application=self.application, reviewer=reviewer, by=self.request.user)
        return _("%(name)s is assigned to this application.") % {"name": reviewer}


class AssignmentActionView(ProgrammeTeamMixin, ServiceActionView):
    """Remove or reassign one reviewer of an application."""

    @cached_property
    def assignment(self):
        return get_object_or_404(
            Assignment.objects.select_related("round", "application", "reviewer"), pk=self.kwargs["pk"]
        )

    @property
    def reassigning(self) -> bool:
        return self.request.POST.get("action") == "reassign"

    def call_service(self):
        assignment = self.assignment  # an unknown one is a 404 whatever was posted
        if self.reassigning:
            return assignment_services.assignment_reassign(assignment=assignment, by=self.request.user)
        if self.request.POST.get("action") == "remove":
            return assignment_services.assignment_remove(assignment=assignment, by=self.request.user)
        raise PortalError(_("Choose to remove or reassign the reviewer."))

    def get_success_message(self):
        old = self.assignment.reviewer
        if self.reassigning:
            return _("%(old)s is replaced by %(new)s.") % {"old": old, "new": self.outcome.reviewer}
        return _("%(name)s is no longer assigned.") % {"name": old}

    def get_success_url(self):
        return reverse("selection:application", kwargs={"pk": self.assignment.application_id})


class ReviewReopenView(ProgrammeTeamMixin, ServiceActionView):
    @cached_property
    def review(self):
        return get_object_or_404(Review.objects.select_related("assignment__reviewer"), pk=self.kwargs["pk"])

    def call_service(self):
        return review_services.review_reopen(review=self.review, by=self.request.user)

    def get_success_message(self):
        return _("The review by %(name)s is reopened: they can change and submit it again.") % {
            "name": self.review.assignment.reviewer
        }

    def get_success_url(self):
        return reverse("selection:application", kwargs={"pk": self.review.assignment.application_id})
