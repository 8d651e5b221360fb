"""The programme team's membership pages, `/members/programme/`: members and
their status, the founding-cohort import, communities, interests, reports and
membership growth."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView

from q_portal.roles import ProgrammeTeamMixin
from q_portal.session_references import search_redirect, searched_text
from q_portal.views import ServiceConfirmView, ServiceFormOnPageMixin, ServiceFormView

from .. import services
from ..choices import MembershipStatus, ReportStatus
from ..forms import (
    CommunityForm,
    GrowthTargetForm,
    ImportForm,
    InterestForm,
    MemberFilterForm,
    OnboardingStepForm,
    ReportFilterForm,
    ResolveForm,
    StatusForm,
)
from ..models import AbuseReport, Community, Interest, MemberProfile, OnboardingStep
from ..selectors import (
    interests_waiting,
    member_import_pending,
    members_for_programme,
    membership_growth,
    reports_for_programme,
)
from ..services.onboarding import onboarding_step_update

IMPORT_SESSION_KEY = "members_import"
# The programme team's searches of the members list, by reference (q_portal.session_references).
MEMBER_SEARCH_SESSION_KEY = "members.programme.search"


class ProgrammeHomeView(ProgrammeTeamMixin, TemplateView):
    template_name = "members/programme/home.html"


class MemberListView(ProgrammeTeamMixin, ListView):
    """The members, searched by name, membership number or email address. The
    search is posted and kept in the session: the URL carries a random reference
    to it (`?search=`), never the name or address typed (no personal data in URLs)."""

    template_name = "members/programme/member_list.html"
    context_object_name = "profiles"
    paginate_by = 50

    def post(self, request, *args, **kwargs):
        return self._search(MemberFilterForm(request.POST))

    def get(self, request, *args, **kwargs):
        if request.GET.get("q"):  # an old link or a typed URL: moved out of the address at once
            return self._search(MemberFilterForm(request.GET))
        return super().get(request, *args, **kwargs)

    def _search(self, form):
        form.is_valid()
        data = form.cleaned_data
        return search_redirect(
            self.request, MEMBER_SEARCH_SESSION_KEY, data.get("q", ""), status=data.get("status", "")
        )

    @cached_property
    def searched(self) -> tuple[str, bool]:
        """The search held in the session under the reference in the URL, and
        whether that reference has expired."""
        return searched_text(self.request, MEMBER_SEARCH_SESSION_KEY)

    @cached_property
    def filter_form(self) -> MemberFilterForm:
        """The search and the status (from the query string), through the form."""
        form = MemberFilterForm({"q": self.searched[0], "status": self.request.GET.get("status", "")})
        form.is_valid()
        return form

    @cached_property
    def filters(self) -> dict:
        """What the list is filtered by: a value the form refuses is left out."""
        data = self.filter_form.cleaned_data
        return {"q": data.get("q", ""), "status": data.get("status", "")}

    def get_queryset(self):
        return members_for_programme(status=self.filters["status"], query=self.filters["q"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuses=MembershipStatus.choices,
            filter_form=self.filter_form,
            search_expired=self.searched[1],
            **self.filters,
            **kwargs,
        )


class MemberStatusView(ProgrammeTeamMixin, ServiceFormView):
    """Pause, resume or end one membership."""

    template_name = "members/programme/member_status.html"
    form_class = StatusForm

    @cached_property
    def profile(self):
        return get_object_or_404(MemberProfile.objects.select_related("user", "region"), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        moves = services.membership.ALLOWED_TRANSITIONS[MembershipStatus(self.profile.status)]
        return super().get_context_data(
            profile=self.profile, moves=[status for status in MembershipStatus if status in moves], **kwargs
        )

    success_url = "members:programme_members"

    def call_service(self, form):
        return services.member_transition(
            member=self.profile, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"], by=self.request.user
        )

    def get_success_message(self):
        return _("%(name)s's membership is now %(status)s.") % {
            "name": self.outcome.full_name,
            "status": self.outcome.get_status_display().lower(),
        }


class ImportView(ProgrammeTeamMixin, FormView):
    """Upload a CSV of founding members and see a report on every row; nothing
    is imported until the team confirms."""

    template_name = "members/programme/import.html"
    form_class = ImportForm

    def form_valid(self, form):
        report = services.member_import_preview(csv_text=form.cleaned_data["file"])
        if report.problems:
            form.add_error("file", report.problems[0])
            return self.form_invalid(form)
        staged = services.member_import_stage(
            csv_text=form.cleaned_data["file"], cohort_name=form.cleaned_data["cohort_name"], by=self.request.user
        )
        # The session holds which staged file, never the file itself.
        self.request.session[IMPORT_SESSION_KEY] = staged.pk
        return redirect("members:programme_import_preview")


class ImportPreviewView(ProgrammeTeamMixin, ServiceConfirmView):
    """The staged file's rows checked, and (POST) importing them; a refusal goes
    back to the upload."""

    template_name = "members/programme/import_preview.html"
    success_url = "members:programme_members"
    error_url = "members:programme_import"

    @cached_property
    def pending(self):
        return member_import_pending(pk=self.request.session.get(IMPORT_SESSION_KEY), by=self.request.user)

    def nothing_to_import(self):
        if self.pending:
            return None
        messages.info(self.request, _("Upload a file to import."))
        return redirect("members:programme_import")

    def get(self, request, *args, **kwargs):
        return self.nothing_to_import() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.nothing_to_import() or super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        report = services.member_import_preview(csv_text=self.pending.csv_text)
        return super().get_context_data(report=report, cohort_name=self.pending.cohort_name, **kwargs)

    def call_service(self):
        report, created = services.member_import_confirm(staged=self.pending, by=self.request.user)
        del self.request.session[IMPORT_SESSION_KEY]
        return report, created

    def get_success_message(self):
        report, created = self.outcome
        return _("%(count)s members imported into %(cohort)s. %(left)s rows with problems were left out.") % {
            "count": len(created),
            "cohort": self.pending.cohort_name,
            "left": len(report.invalid_rows),
        }


class CommunityCreateView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "members/programme/community_form.html"
    form_class = CommunityForm

    def call_service(self, form):
        return services.community_create(by=self.request.user, **form.cleaned_data)

    def get_success_message(self):
        return _("%(name)s is created.") % {"name": self.outcome.name}

    def get_success_url(self):
        return reverse("members:community", kwargs={"slug": self.outcome.slug})


class CommunityEditView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "members/programme/community_form.html"
    form_class = CommunityForm

    @cached_property
    def community(self):
        return get_object_or_404(Community, slug=self.kwargs["slug"])

    def get_initial(self):
        community = self.community
        return {"name": community.name, "description": community.description, "is_open": community.is_open}

    def get_context_data(self, **kwargs):
        return super().get_context_data(community=self.community, **kwargs)

    def call_service(self, form):
        return services.community_update(community=self.community, by=self.request.user, **form.cleaned_data)

    def get_success_message(self):
        return _("Your changes to %(name)s are saved.") % {"name": self.outcome.name}

    def get_success_url(self):
        return reverse("members:community", kwargs={"slug": self.outcome.slug})


class InterestModerationView(ProgrammeTeamMixin, ServiceFormOnPageMixin, ListView):
    """Add to the curated list, and approve or reject members' suggestions."""

    template_name = "members/programme/interests.html"
    context_object_name = "waiting"
    paginate_by = 50

    def get_queryset(self):
        return interests_waiting()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", InterestForm())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        if "interest" in request.POST:
            interest = get_object_or_404(Interest, pk=request.POST.get("interest") or 0)
            approve = request.POST.get("decision") == "approve"
            services.interest_moderate(interest=interest, approve=approve, by=request.user)
            if approve:
                messages.success(request, _("%(name)s is approved.") % {"name": interest.name})
            else:
                messages.success(request, _("%(name)s is rejected.") % {"name": interest.name})
            return redirect("members:programme_interests")
        return self.post_service_form(InterestForm(request.POST), self.add, success_url="members:programme_interests")

    def add(self, form):
        interest = services.interest_create(name=form.cleaned_data["name"], by=self.request.user)
        return _("%(name)s is on the list.") % {"name": interest.name}


class ReportListView(ProgrammeTeamMixin, ListView):
    template_name = "members/programme/reports.html"
    context_object_name = "reports"
    paginate_by = 25

    @cached_property
    def filter_form(self) -> ReportFilterForm:
        return ReportFilterForm(self.request.GET)

    @cached_property
    def status(self) -> str:
        return (self.filter_form.is_valid() and self.filter_form.cleaned_data["status"]) or ReportStatus.OPEN

    def get_queryset(self):
        return reports_for_programme(status=self.status)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            showing_resolved=self.status == ReportStatus.RESOLVED, filter_form=self.filter_form, **kwargs
        )


class ReportResolveView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "members/programme/report_resolve.html"
    form_class = ResolveForm
    success_message = gettext_lazy("The report is resolved.")
    success_url = "members:reports"

    @cached_property
    def report(self):
        return get_object_or_404(
            AbuseReport.objects.select_related("reporter", "reported", "message"), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=self.report, **kwargs)

    def call_service(self, form):
        return services.abuse_report_resolve(
            report=self.report, resolution=form.cleaned_data["resolution"], by=self.request.user
        )


class GrowthView(ProgrammeTeamMixin, ServiceFormView):
    """Members over time against the target, by region and by role."""

    template_name = "members/programme/growth.html"
    form_class = GrowthTargetForm
    success_message = gettext_lazy("The target is saved.")
    success_url = "members:programme_growth"

    @cached_property
    def growth(self):
        return membership_growth()

    def get_initial(self):
        target = self.growth.target
        return {"members": target.members, "by_date": target.by_date} if target else {}

    def get_context_data(self, **kwargs):
        growth = self.growth
        return super().get_context_data(
            growth=growth,
            chart=_chart(growth),
            percent=round(100 * growth.total / growth.target.members) if growth.target else None,
            **kwargs,
        )

    def call_service(self, form):
        return services.growth_target_set(by=self.request.user, **form.cleaned_data)


def _chart(growth) -> dict | None:
    """Points for a server-drawn SVG line of the running total, scaled to a
    600 by 200 box, with the target as a line across the top when it is higher."""
    if not growth.months:
        return None
    width, height = 600, 200
    peak = max(growth.total, growth.target.members if growth.target else 0, 1)
    count = len(growth.months)
    points = []
    for index, month in enumerate(growth.months):
        x = 0 if count == 1 else round(index * width / (count - 1), 1)
        y = round(height - month.total * height / peak, 1)
        points.append(f"{x},{y}")
    target_y = round(height - growth.target.members * height / peak, 1) if growth.target else None
    return {"width": width, "height": height, "points": " ".join(points), "target_y": target_y}


class OnboardingListView(ProgrammeTeamMixin, TemplateView):
    template_name = "members/programme/onboarding.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(steps=OnboardingStep.objects.order_by("days_after_joining"), **kwargs)


class OnboardingEditView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "members/programme/onboarding_edit.html"
    success_message = gettext_lazy("The email is saved.")
    success_url = "members:programme_onboarding"

    def get_form_class(self):
        return OnboardingStepForm

    @cached_property
    def step(self):
        return get_object_or_404(OnboardingStep, pk=self.kwargs["pk"])

    def get_initial(self):
        return {"subject": self.step.subject, "body": self.step.body, "is_active": self.step.is_active}

    def get_context_data(self, **kwargs):
        return super().get_context_data(step=self.step, **kwargs)

    def call_service(self, form):
        return onboarding_step_update(step=self.step, by=self.request.user, **form.cleaned_data)
