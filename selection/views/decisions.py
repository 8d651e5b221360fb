"""The decision room and decisions, under `/programme/selection/`: where the
cut-off line falls and the cohort it gives (the line is in the address, so it
moves without JavaScript), places held per group, the preview of a bulk
decision and applying it, and one decision at a time. Programme team only;
each change is one service call."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from applications.models import Application
from q_portal.exceptions import PortalError
from q_portal.forms import page_number
from q_portal.roles import ProgrammeTeamMixin
from q_portal.views import ServiceActionView, ServiceFormOnPageMixin

from ..choices import DecisionOutcome
from ..forms.board import ApplyDecisionsForm, DecisionForm, LineForm, PlaceHoldForm, rule_query
from ..selectors.decision_room import (
    LineRule,
    dimension_label,
    group_choices,
    holds_of,
    near_the_line,
    outcome_totals,
)
from ..selectors.equality import cohort_equality_for_plan, positive_action_of, suppress_below
from ..selectors.programme import SELECTION_ROUND_STATUSES
from ..services import decisions as decision_services
from .programme import SelectionRoundMixin

PREVIEW_PAGE_SIZE = 250


def _room_url(round_pk: int, query: dict | None = None) -> str:
    url = reverse("selection:decision_room", kwargs={"pk": round_pk})
    return f"{url}?{urlencode(query)}" if query else url


class DecisionRoomView(SelectionRoundMixin, ServiceFormOnPageMixin, TemplateView):
    """Where the line falls. GET draws it (the form's values in the address);
    POST holds places for a group, keeping the line."""

    template_name = "selection/programme/decision_room.html"

    @cached_property
    def line_form(self) -> LineForm:
        return LineForm(self.request.GET or None, capacity=self.round.capacity)

    def rule(self) -> LineRule | None:
        if not self.line_form.is_bound:
            return LineRule(places=self.round.capacity)
        return self.line_form.rule() if self.line_form.is_valid() else None

    def hold_form(self, data=None) -> PlaceHoldForm:
        return PlaceHoldForm(data, group_choices=group_choices(round=self.round))

    def get_context_data(self, **kwargs):
        rule = self.rule()
        context = {"line_form": self.line_form, "rule": rule, "holds": holds_of(round=self.round)}
        if rule is not None:
            preview = decision_services.decisions_bulk_preview(round=self.round, rule=rule)
            plan = preview.plan
            query = rule_query(rule)
            context.update(
                plan=plan,
                preview=preview,
                near_line=[(rank, candidate, plan.outcome_of(candidate)) for rank, candidate in near_the_line(plan)],
                line_position=plan.position_of_line(),
                groups=[
                    (dimension, dimension_label(dimension), rows) for dimension, rows in plan.groups.items() if rows
                ],
                totals=outcome_totals(plan),
                equality_tables=cohort_equality_for_plan(round=self.round, plan=plan),
                positive_action=positive_action_of(round=self.round),
                positive_action_effects=[
                    effect.shown(threshold=suppress_below()) for effect in plan.characteristic_effects
                ],
                suppress_below=suppress_below(),
                preview_url=reverse("selection:decisions_preview", kwargs={"pk": self.round.pk})
                + "?"
                + urlencode(query),
                query=urlencode(query),
            )
        return super().get_context_data(
            hold_form=kwargs.pop("hold_form", None) or self.hold_form(), **context, **kwargs
        )

    def post(self, request, *args, **kwargs):
        return self.post_service_form(
            self.hold_form(request.POST),
            self.hold_places,
            success_url=f"{request.path}?{request.GET.urlencode()}" if request.GET else request.path,
            context_name="hold_form",
        )

    def hold_places(self, form):
        dimension, value = form.dimension_and_value()
        decision_services.place_hold_set(
            round=self.round, dimension=dimension, value=value, places=form.cleaned_data["places"], by=self.request.user
        )
        return _("The held places are saved.")


class DecisionsPreviewView(SelectionRoundMixin, TemplateView):
    """Exactly what a bulk decision would change, and (POST) making it."""

    template_name = "selection/programme/decisions_preview.html"

    def get(self, request, *args, **kwargs):
        form = LineForm(request.GET or None, capacity=self.round.capacity)
        if not form.is_valid():
            messages.error(request, _("Draw the line in the decision room first."))
            return redirect(_room_url(self.round.pk, request.GET.dict()) if form.is_bound else _room_url(self.round.pk))
        preview = decision_services.decisions_bulk_preview(round=self.round, rule=form.rule())
        page = Paginator(preview.changes, PREVIEW_PAGE_SIZE).get_page(page_number(request.GET))
        query = form.query()
        return self.render_to_response(
            self.get_context_data(
                preview=preview,
                plan=preview.plan,
                rule=form.rule(),
                query=query,
                totals={
                    "accept": preview.count(DecisionOutcome.ACCEPT),
                    "waitlist": preview.count(DecisionOutcome.WAITLIST),
                    "unsuccessful": preview.count(DecisionOutcome.UNSUCCESSFUL),
                    "cleared": preview.count(None),
                },
                after=outcome_totals(preview.plan),
                room_url=_room_url(self.round.pk, query),
                page_obj=page,
                paginator=page.paginator,
                is_paginated=page.paginator.num_pages > 1,
            )
        )

    def post(self, request, *args, **kwargs):
        form = ApplyDecisionsForm(request.POST, capacity=self.round.capacity)
        if not form.is_valid():
            messages.error(request, _("The preview could not be read. Check it again before deciding."))
            return redirect(_room_url(self.round.pk))
        query = form.query()
        try:
            preview = decision_services.decisions_bulk_apply(
                round=self.round, rule=form.rule(), fingerprint=form.cleaned_data["fingerprint"], by=request.user
            )
        except PortalError as error:
            messages.error(request, error.message)
            return redirect(
                reverse("selection:decisions_preview", kwargs={"pk": self.round.pk}) + "?" + urlencode(query)
            )
        messages.success(
            request,
            _(
                "%(count)d decisions made: %(accept)d accepted, %(waitlist)d on the waiting list, "
                "%(unsuccessful)d unsuccessful, %(cleared)d taken back. Applicants hear nothing until release."
            )
            % {
                "count": len(preview.changes),
                "accept": preview.count(DecisionOutcome.ACCEPT),
                "waitlist": preview.count(DecisionOutcome.WAITLIST),
                "unsuccessful": preview.count(DecisionOutcome.UNSUCCESSFUL),
                "cleared": preview.count(None),
            },
        )
        return redirect(_room_url(self.round.pk, query))


class DecisionSetView(ProgrammeTeamMixin, ServiceActionView):
    """One application's decision, from its page."""

    @cached_property
    def application(self):
        return get_object_or_404(
            Application.objects.select_related("round").filter(round__status__in=SELECTION_ROUND_STATUSES),
            pk=self.kwargs["pk"],
        )

    def call_service(self):
        application = self.application  # an unknown one is a 404 whatever was posted
        form = DecisionForm(self.request.POST)
        if not form.is_valid():
            raise PortalError(_("Choose accept, waiting list, unsuccessful or no decision yet."))
        self.decided = form.chosen_outcome()
        return decision_services.decision_set(application=application, outcome=self.decided, by=self.request.user)

    def get_success_message(self):
        return _("Decision on %(reference)s: %(outcome)s. The applicant hears nothing until release.") % {
            "reference": self.application.reference,
            "outcome": DecisionOutcome(self.decided).label if self.decided else _("no decision yet"),
        }

    def get_success_url(self):
        return reverse("selection:application", kwargs={"pk": self.application.pk})
