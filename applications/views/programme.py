"""The programme team's rounds, `/programme/rounds/`: list, create, change, open
and close, and nomination quotas. Every view is for the programme team only (and
administrators); each change is one service call."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from q_portal.exceptions import PortalError
from q_portal.roles import ProgrammeTeamMixin
from q_portal.views import ServiceActionView, ServiceFormView

from ..choices import RoundStatus
from ..forms.rounds import QuotaForm, QuotaRemoveForm, RoundForm, RoundTransitionForm
from ..models import Round
from ..selectors.rounds import quotas_of, rounds_for_programme, rounds_with_setup, route_application_counts
from ..services import rounds as services

# The button for each move, and what it means, in the words of the page.
TRANSITION_BUTTONS = {
    (RoundStatus.DRAFT, RoundStatus.OPEN): (
        gettext_lazy("Open the round"),
        gettext_lazy("Applicants can apply from the opening date until the closing date."),
    ),
    (RoundStatus.OPEN, RoundStatus.CLOSED): (
        gettext_lazy("Close the round"),
        gettext_lazy("No more applications can be started or submitted, even before the closing date."),
    ),
    (RoundStatus.CLOSED, RoundStatus.OPEN): (
        gettext_lazy("Reopen the round"),
        gettext_lazy("For a deadline moved later: applicants can apply again until the closing date."),
    ),
    (RoundStatus.CLOSED, RoundStatus.IN_REVIEW): (
        gettext_lazy("Start review"),
        gettext_lazy("Reviewers assess the submitted applications. The round cannot be reopened after this."),
    ),
    (RoundStatus.IN_REVIEW, RoundStatus.DECIDED): (
        gettext_lazy("Mark decisions made"),
        gettext_lazy("Every application in the round has its decision. This cannot be undone."),
    ),
}

TRANSITION_DONE = {
    RoundStatus.OPEN: gettext_lazy("%(round)s is open."),
    RoundStatus.CLOSED: gettext_lazy("%(round)s is closed."),
    RoundStatus.IN_REVIEW: gettext_lazy("%(round)s is in review."),
    RoundStatus.DECIDED: gettext_lazy("Decisions are made for %(round)s."),
}


class RoundMixin(ProgrammeTeamMixin):
    """The round named in the URL, loaded only after the role check (404 if
    unknown)."""

    def round_queryset(self):
        return Round.objects.all()

    @cached_property
    def round(self) -> Round:
        return get_object_or_404(self.round_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(round=self.round, **kwargs)


class RoundListView(ProgrammeTeamMixin, ListView):
    template_name = "applications/programme/round_list.html"
    context_object_name = "rounds"
    paginate_by = 25

    def get_queryset(self):
        return rounds_for_programme()


class RoundCreateView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "applications/programme/round_form.html"
    form_class = RoundForm

    def call_service(self, form):
        return services.round_create(by=self.request.user, **form.cleaned_data)

    def get_success_message(self):
        return _("%(round)s is saved as a draft. Open it when it is ready.") % {"round": self.outcome.name}

    def get_success_url(self):
        return reverse("rounds:detail", kwargs={"pk": self.outcome.pk})


class RoundDetailView(RoundMixin, TemplateView):
    template_name = "applications/programme/round_detail.html"

    def round_queryset(self):
        return rounds_with_setup()

    def get_context_data(self, **kwargs):
        status = RoundStatus(self.round.status)
        # Reopening needs a closing date still to come: offer it only then.
        reopen_needs_later_date = status == RoundStatus.CLOSED and self.round.closes_at <= timezone.now()
        route_counts = route_application_counts(round=self.round)
        return super().get_context_data(
            transitions=[
                (to, *TRANSITION_BUTTONS[(status, to)])
                for to in services.round_next_statuses(self.round)
                if not (to == RoundStatus.OPEN and reopen_needs_later_date)
            ],
            reopen_needs_later_date=reopen_needs_later_date,
            routes=[(route, route_counts.get(route.pk, 0)) for route in self.round.routes.all()],
            **kwargs,
        )


class RoundEditView(RoundMixin, ServiceFormView):
    template_name = "applications/programme/round_form.html"
    form_class = RoundForm
    unchanged_message = gettext_lazy("You did not change anything.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "round": self.round}

    def call_service(self, form):
        changes = form.changes()
        services.round_update(round=self.round, by=self.request.user, **changes)
        return changes

    def get_success_message(self):
        return _("Your changes to %(round)s are saved.") % {"round": self.round.name}

    def get_success_url(self):
        return reverse("rounds:detail", kwargs={"pk": self.round.pk})


class RoundTransitionView(RoundMixin, ServiceActionView):
    def call_service(self):
        round = self.round  # an unknown one is a 404 whatever was posted
        form = RoundTransitionForm(self.request.POST)
        if not form.is_valid():
            raise PortalError(_("Choose a status the round can move to."))
        self.to = RoundStatus(form.cleaned_data["to"])
        return services.round_transition(round=round, to=self.to, by=self.request.user)

    def get_success_message(self):
        return TRANSITION_DONE[self.to] % {"round": self.outcome.name}

    def get_success_url(self):
        return reverse("rounds:detail", kwargs={"pk": self.round.pk})


class RoundQuotasView(RoundMixin, ServiceFormView):
    """Add, change (set again) or remove the round's nomination quotas."""

    template_name = "applications/programme/round_quotas.html"
    form_class = QuotaForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            quotas=quotas_of(round=self.round),
            quotas_fixed=self.round.status in services.QUOTAS_FIXED_FROM,
            **kwargs,
        )

    buttons = {"remove": "remove_quota"}

    def call_service(self, form):
        return services.quota_set(round=self.round, by=self.request.user, **form.cleaned_data)

    def get_success_message(self):
        quota = self.outcome
        return _("%(name)s may nominate %(places)s people in this round.") % {
            "name": quota.organisation or quota.region,
            "places": quota.places,
        }

    def get_success_url(self):
        return reverse("rounds:quotas", kwargs={"pk": self.round.pk})

    def remove_quota(self):
        form = QuotaRemoveForm(self.request.POST, round=self.round)
        if not form.is_valid():
            raise PortalError(_("That quota has already been removed."))
        quota = form.cleaned_data["quota"]
        services.quota_remove(
            round=self.round, by=self.request.user, organisation=quota.organisation, region=quota.region
        )
        return _("The quota of %(name)s is removed.") % {"name": quota.organisation or quota.region}
