"""The programme team's pages after deciding: release a round's decisions, the
offers of places and the waiting list, offering a free place to the next on the
list, and reversing a released decision. Programme team only; each change is one
service call."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import ListView

from q_portal.views import ServiceActionView, ServiceFormView

from ..forms.decisions import DecisionReverseForm, PlaceOfferFilterForm, ReleaseConfirmForm
from ..models import Decision
from ..selectors.decisions import place_numbers, place_offers_of, release_run_latest, release_summary, waiting_list
from ..services import places as place_services
from ..services import release as release_services
from .programme import ApplicationSelectionMixin, SelectionRoundMixin

RELEASE_POLL_MILLISECONDS = 1500


class ReleaseView(SelectionRoundMixin, ServiceFormView):
    """What releasing would do, and the confirmation (the round's name typed):
    the release then runs as a task, its progress shown here."""

    template_name = "selection/programme/release.html"
    form_class = ReleaseConfirmForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "round_name": self.round.name}

    def get_context_data(self, **kwargs):
        run = release_run_latest(round=self.round)
        return super().get_context_data(
            summary=release_summary(round=self.round),
            releasable=self.round.status in release_services.RELEASABLE_ROUND_STATUSES,
            run=run,
            poll_ms=RELEASE_POLL_MILLISECONDS,
            **kwargs,
        )

    def call_service(self, form):
        return release_services.release_start(
            round=self.round, by=self.request.user, confirmation=form.cleaned_data["confirmation"]
        )

    def get_success_message(self):
        return ngettext(
            "Releasing %(count)d decision. The applicant is told by email and on their application's page.",
            "Releasing %(count)d decisions. Applicants are told by email and on their application's page.",
            self.outcome.total,
        ) % {"count": self.outcome.total}

    def get_success_url(self):
        return reverse("selection:release", kwargs={"pk": self.round.pk})


class ReleaseProgressView(SelectionRoundMixin, View):
    """The latest release's progress as JSON, for the progress bar."""

    def get(self, request, *args, **kwargs):
        run = release_run_latest(round=self.round)
        if run is None:
            raise Http404
        return JsonResponse(
            {
                "status": run.status,
                "status_label": run.get_status_display(),
                "finished": not run.is_active,
                "released": run.released,
                "total": run.total,
                "percent": run.percent,
                "problem": run.problem,
            },
            headers={"Cache-Control": "no-store"},
        )


class PlacesView(SelectionRoundMixin, ListView):
    """The round's offers of places, filtered by status, with the numbers."""

    template_name = "selection/programme/places.html"
    context_object_name = "offers"
    paginate_by = 50

    @cached_property
    def filter_form(self):
        return PlaceOfferFilterForm(self.request.GET or None)

    def get_queryset(self):
        status = self.filter_form.cleaned_data["status"] if self.filter_form.is_valid() else ""
        return place_offers_of(round=self.round, status=status)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, numbers=place_numbers(round=self.round), **kwargs)


class WaitingListView(SelectionRoundMixin, ListView):
    """The waiting list in the order places are offered."""

    template_name = "selection/programme/waiting_list.html"
    context_object_name = "decisions"
    paginate_by = 50

    def get_queryset(self):
        return waiting_list(round=self.round)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(numbers=place_numbers(round=self.round), **kwargs)
        context["position_offset"] = context["page_obj"].start_index()
        return context


class PromoteView(SelectionRoundMixin, ServiceActionView):
    def call_service(self):
        return place_services.waitlist_promote_next(round=self.round, by=self.request.user)

    def get_success_message(self):
        return _("A place is offered to %(reference)s, the next on the waiting list. They have been emailed.") % {
            "reference": self.outcome.application
        }

    def get_success_url(self):
        return reverse("selection:waiting_list", kwargs={"pk": self.round.pk})


class DecisionReverseView(ApplicationSelectionMixin, ServiceFormView):
    """Change a released decision, with a reason."""

    template_name = "selection/programme/decision_reverse.html"
    form_class = DecisionReverseForm

    @cached_property
    def decision(self) -> Decision:
        decision = Decision.objects.filter(application=self.application).select_related("released_by").first()
        if decision is None:
            raise Http404
        return decision

    def get(self, request, *args, **kwargs):
        if not self.decision.is_released:
            messages.info(request, _("This decision has not been released yet: change it in the decision room."))
            return redirect("selection:application", pk=self.application.pk)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "current": self.decision.outcome}

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, decision=self.decision, **kwargs)

    def call_service(self, form):
        return release_services.decision_reverse(
            decision=self.decision,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
            by=self.request.user,
        )

    def get_success_message(self):
        return _("The decision on %(reference)s is changed and the applicant has been emailed.") % {
            "reference": self.application
        }

    def get_success_url(self):
        return reverse("selection:application", kwargs={"pk": self.application.pk})
