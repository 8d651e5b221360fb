"""The nominator's area, `/nominate/`: their rounds and quotas, the dashboard of
one organisation's nominations in a round, nominating one person or a cohort from
a CSV file, resending an invitation, withdrawing, the CSV export; and, under
`/nominate/programme/`, the programme team's view of nominations and who may
nominate for which organisation. Every view checks the role, and the nominator's
link to the organisation, on the server."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from q_portal.roles import ProgrammeTeamMixin, Role, RoleRequiredMixin
from q_portal.spreadsheets import csv_download
from q_portal.views import ServiceConfirmView, ServiceFormView

from ..choices import NomineeProgress
from ..forms.nominations import (
    CohortUploadForm,
    NominationForm,
    NominatorGrantForm,
    NomineeProgressForm,
    cohort_template_csv,
)
from ..models import NominatorOrganisation, Round
from ..permissions import get_nomination_for_nominator_or_404, get_organisation_for_nominator_or_404
from ..selectors import nominations as selectors
from ..services import nominations as services


class NominatorMixin(RoleRequiredMixin):
    required_roles = (Role.NOMINATOR,)


class NominatorHomeView(NominatorMixin, TemplateView):
    template_name = "applications/nominator_home.html"

    def get_context_data(self, **kwargs):
        lines = selectors.nominator_rounds(user=self.request.user)
        return super().get_context_data(
            lines=lines,
            organisations=selectors.nominator_organisations(user=self.request.user),
            **kwargs,
        )


class _LoadRoundOrganisation:
    # After the role check in the MRO: a visitor or another role never gets this far.
    def dispatch(self, request, *args, **kwargs):
        self.organisation = get_organisation_for_nominator_or_404(request.user, kwargs["organisation_pk"])
        self.round = get_object_or_404(Round, pk=kwargs["round_pk"])
        return super().dispatch(request, *args, **kwargs)


class RoundOrganisationMixin(NominatorMixin, _LoadRoundOrganisation):
    """The round and the organisation in the URL; the organisation must be one of
    the nominator's own (404 otherwise)."""

    @cached_property
    def quota_use(self):
        return selectors.quota_use_for(round=self.round, organisation=self.organisation)

    def dashboard_url(self):
        return reverse(
            "nominations:dashboard", kwargs={"round_pk": self.round.pk, "organisation_pk": self.organisation.pk}
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            round=self.round,
            organisation=self.organisation,
            quota_use=self.quota_use,
            dashboard_url=self.dashboard_url(),
            **kwargs,
        )


class DashboardView(RoundOrganisationMixin, ListView):
    """One organisation's nominations in a round: quota used and left, each
    nominee's progress, paginated, filterable by progress."""

    template_name = "applications/nominations/dashboard.html"
    context_object_name = "nominations"
    paginate_by = 50

    @cached_property
    def progress_form(self) -> NomineeProgressForm:
        return NomineeProgressForm(self.request.GET)

    def progress_filter(self) -> str:
        """The progress to show, from the query string; anything else shows all."""
        form = self.progress_form
        return (form.is_valid() and form.cleaned_data["progress"]) or ""

    def get_queryset(self):
        return selectors.nominations_for_dashboard(
            round=self.round, organisation=self.organisation, progress=self.progress_filter()
        )

    def get_context_data(self, **kwargs):
        counts = selectors.progress_counts(round=self.round, organisation=self.organisation)
        return super().get_context_data(
            progress_counts=[(stage, counts[stage]) for stage in NomineeProgress],
            progress_filter=self.progress_filter(),
            progress_form=self.progress_form,
            accepting=self.round.is_accepting,
            **kwargs,
        )


class NominateView(RoundOrganisationMixin, ServiceFormView):
    template_name = "applications/nominations/nominate.html"
    form_class = NominationForm

    def call_service(self, form):
        return services.nomination_create(
            round=self.round,
            organisation=self.organisation,
            by=self.request.user,
            details=services.NomineeDetails(**form.cleaned_data),
        )

    def get_success_message(self):
        return _("%(name)s is nominated. We have emailed them an invitation to apply.") % {
            "name": self.outcome.full_name
        }

    def get_success_url(self):
        if "another" in self.request.POST:
            return reverse(
                "nominations:nominate", kwargs={"round_pk": self.round.pk, "organisation_pk": self.organisation.pk}
            )
        return self.dashboard_url()


class UploadView(RoundOrganisationMixin, ServiceFormView):
    """Upload a cohort CSV file; its rows are checked and kept for the preview."""

    template_name = "applications/nominations/upload.html"
    form_class = CohortUploadForm

    def call_service(self, form):
        return services.cohort_upload_check(
            round=self.round,
            organisation=self.organisation,
            by=self.request.user,
            filename=form.cleaned_data["file"].name,
            rows=form.rows,
        )

    def get_success_url(self):
        return reverse("nominations:upload_preview", kwargs={"pk": self.outcome.pk})


class _LoadUpload:
    def dispatch(self, request, *args, **kwargs):
        self.upload = selectors.pending_upload_for(user=request.user, pk=kwargs["pk"])
        if self.upload is None:
            raise Http404
        get_organisation_for_nominator_or_404(request.user, self.upload.organisation_id)
        return super().dispatch(request, *args, **kwargs)


class UploadPreviewView(NominatorMixin, _LoadUpload, ServiceConfirmView):
    """Each row of the file as valid or with its errors (row, column, reason);
    confirming imports the valid rows kept on the server, all or none."""

    template_name = "applications/nominations/upload_preview.html"

    def get_context_data(self, **kwargs):
        rows = self.upload.rows
        valid = [row for row in rows if not row["errors"]]
        quota_use = selectors.quota_use_for(round=self.upload.round, organisation=self.upload.organisation)
        return super().get_context_data(
            upload=self.upload,
            round=self.upload.round,
            organisation=self.upload.organisation,
            rows=rows,
            valid_count=len(valid),
            invalid_count=len(rows) - len(valid),
            quota_use=quota_use,
            over_quota=len(valid) > quota_use.left,
            dashboard_url=reverse(
                "nominations:dashboard",
                kwargs={"round_pk": self.upload.round_id, "organisation_pk": self.upload.organisation_id},
            ),
            **kwargs,
        )

    def call_service(self):
        return services.cohort_upload_confirm(upload=self.upload, by=self.request.user)

    def get_success_message(self):
        return _("%(count)s people are nominated. We have emailed each of them an invitation to apply.") % {
            "count": len(self.outcome)
        }

    def get_success_url(self):
        return reverse(
            "nominations:dashboard",
            kwargs={"round_pk": self.upload.round_id, "organisation_pk": self.upload.organisation_id},
        )

    def get_error_url(self):
        return reverse("nominations:upload_preview", kwargs={"pk": self.upload.pk})


class TemplateCsvView(NominatorMixin, View):
    def get(self, request):
        response = HttpResponse(cohort_template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="q-nominations-template.csv"'
        return response


class ExportView(RoundOrganisationMixin, View):
    """The organisation's nominations in the round as a CSV file, streamed."""

    def get(self, request, *args, **kwargs):
        nominations = selectors.nominations_for_dashboard(round=self.round, organisation=self.organisation)
        rows = (
            [
                nomination.full_name,
                nomination.email,
                nomination.job_title,
                nomination.get_role_category_display(),
                nomination.region.name,
                NomineeProgress(nomination.progress).label,
                nomination.nominated_by.display_name if nomination.nominated_by else "",
                timezone.localtime(nomination.created_at).strftime("%Y-%m-%d %H:%M"),
            ]
            for nomination in nominations.iterator(chunk_size=500)
        )
        return csv_download(
            filename=f"nominations-{slugify(self.organisation.name)}-{slugify(self.round.name)}.csv",
            header=["Full name", "Email", "Job title", "Role", "Region", "Status", "Nominated by", "Nominated on"],
            rows=rows,
        )


class _LoadNomination:
    def dispatch(self, request, *args, **kwargs):
        self.nomination = get_nomination_for_nominator_or_404(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class NominationActionView(NominatorMixin, _LoadNomination, ServiceConfirmView):
    """A confirmation page (GET) and the action (POST) on one of the nominator's
    own nominations (404 for anyone else's): `service` is called with the
    nomination; `success_message` names its nominee as `%(name)s`."""

    service = None

    def get_success_url(self):
        return reverse(
            "nominations:dashboard",
            kwargs={"round_pk": self.nomination.round_id, "organisation_pk": self.nomination.organisation_id},
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(nomination=self.nomination, dashboard_url=self.get_success_url(), **kwargs)

    def call_service(self):
        return type(self).service(nomination=self.nomination, by=self.request.user)

    def get_success_message(self):
        return self.success_message % {"name": self.nomination.full_name}


class ResendView(NominationActionView):
    http_method_names = ["post"]
    service = services.nomination_resend
    success_message = gettext_lazy("We have emailed the invitation to %(name)s again.")


class WithdrawView(NominationActionView):
    template_name = "applications/nominations/withdraw.html"
    service = services.nomination_withdraw
    success_message = gettext_lazy("The nomination of %(name)s is withdrawn and the place is free.")


# --- The programme team --------------------------------------------------------------


class ProgrammeRoundListView(ProgrammeTeamMixin, ListView):
    template_name = "applications/nominations/programme_rounds.html"
    context_object_name = "rounds"
    paginate_by = 25

    def get_queryset(self):
        return selectors.rounds_with_nominations()


class ProgrammeRoundView(ProgrammeTeamMixin, TemplateView):
    """A round's nominations by organisation and by region, with quota use."""

    template_name = "applications/nominations/programme_round.html"

    def get_context_data(self, **kwargs):
        round = get_object_or_404(Round, pk=self.kwargs["pk"])
        return super().get_context_data(
            round=round,
            organisations=selectors.nominations_by_organisation(round=round),
            regions=selectors.nominations_by_region(round=round),
            quotas=selectors.quota_use_of_round(round=round),
            totals=selectors.progress_counts(round=round),
            stages=NomineeProgress.choices,
            **kwargs,
        )


class ProgrammeNominatorsView(ProgrammeTeamMixin, ListView):
    """Who nominates for which organisation: grant (adds the Nominators role) and
    remove."""

    template_name = "applications/nominations/programme_nominators.html"
    context_object_name = "links"
    paginate_by = 50

    def get_queryset(self):
        return selectors.nominator_links()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", NominatorGrantForm())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        if "remove" in request.POST:
            pk = request.POST.get("link", "")
            link = NominatorOrganisation.objects.filter(pk=pk).first() if pk.isdigit() else None
            if link is None:
                messages.error(request, _("That nominator had already been removed."))
            else:
                name, organisation = link.user.email, link.organisation.name
                services.nominator_revoke(link=link, by=request.user)
                messages.success(
                    request,
                    _("%(email)s can no longer nominate for %(organisation)s.")
                    % {"email": name, "organisation": organisation},
                )
            return redirect("nominations:programme_nominators")
        form = NominatorGrantForm(request.POST)
        if form.is_valid():
            services.nominator_grant(
                user=form.cleaned_data["user"], organisation=form.cleaned_data["organisation"], by=request.user
            )
            messages.success(
                request,
                _("%(email)s can nominate for %(organisation)s.")
                % {"email": form.cleaned_data["user"].email, "organisation": form.cleaned_data["organisation"].name},
            )
            return redirect("nominations:programme_nominators")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))
