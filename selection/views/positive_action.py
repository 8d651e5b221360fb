"""Positive action in a round's selection (issue #16), under `/programme/selection/`:
off unless the programme team enables it for the round with its reason and a
quality bar; then places may be held for a group of an equality monitoring
characteristic. The page shows counts only (suppressed below the threshold),
never who is in a group. Programme team only; each change is one service call."""

from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from equality import services as equality_services
from equality.models import CharacteristicHold
from q_portal.views import ServiceFormOnPageMixin

from ..equality_charts import fewer_than
from ..forms.positive_action import CharacteristicHoldForm, PositiveActionForm
from ..selectors.decision_room import LineRule, plan_cohort, room_facts
from ..selectors.equality import characteristic_holds_for, positive_action_of, suppress_below
from .programme import SelectionRoundMixin


class PositiveActionView(SelectionRoundMixin, ServiceFormOnPageMixin, TemplateView):
    template_name = "selection/programme/positive_action.html"

    @cached_property
    def positive_action(self):
        return positive_action_of(round=self.round)

    def action_form(self, data=None) -> PositiveActionForm:
        action = self.positive_action
        initial = {
            "use": PositiveActionForm.ON if action and action.enabled else PositiveActionForm.OFF,
            "reason": action.reason if action else "",
            "quality_bar": action.quality_bar if action else None,
        }
        return PositiveActionForm(data, initial=initial)

    def _counted(self, count: int, threshold: int) -> str:
        return str(count) if count >= threshold else fewer_than(threshold)

    def get_context_data(self, **kwargs):
        action = self.positive_action
        threshold = suppress_below()
        holds = list(CharacteristicHold.objects.filter(round=self.round).order_by("characteristic", "category"))
        rows = []
        if action is not None and action.enabled:
            # The effect with the line at the round's places, ranked by the recommended estimate.
            rule = LineRule(places=self.round.capacity)
            candidates, place_holds, quotas = room_facts(round=self.round, method=rule.method)
            held = characteristic_holds_for(round=self.round, action=action, holds=holds)
            plan = plan_cohort(
                candidates=candidates,
                rule=rule,
                holds=place_holds,
                capacity=self.round.capacity,
                quotas=quotas,
                characteristic_holds=held,
            )
            means = {candidate.id: candidate.mean for candidate in plan.ranked}
            for hold, effect in zip(held, plan.characteristic_effects, strict=True):
                meeting = sum(1 for pk in hold.members if means.get(pk) is not None and means[pk] >= hold.bar)
                rows.append(
                    {
                        "label": hold.label,
                        "places": hold.places,
                        "in_pool": self._counted(len(hold.members), threshold),
                        "meeting_bar": self._counted(meeting, threshold),
                        "effect": effect.shown(threshold=threshold),
                    }
                )
        return super().get_context_data(
            action=action,
            action_form=kwargs.pop("action_form", None) or self.action_form(),
            hold_form=kwargs.pop("hold_form", None) or CharacteristicHoldForm(),
            rows=rows,
            holds=[
                (hold, equality_services.category_label(hold.characteristic, hold.category), hold.characteristic)
                for hold in holds
            ],
            threshold=threshold,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if "group" in request.POST:
            return self._post_hold(request)
        return self.post_service_form(
            self.action_form(request.POST), self.set_action, success_url=request.path, context_name="action_form"
        )

    def set_action(self, form):
        equality_services.positive_action_set(
            round=self.round,
            enabled=form.enabled(),
            reason=form.cleaned_data["reason"],
            quality_bar=form.cleaned_data["quality_bar"],
            by=self.request.user,
        )
        return _("Positive action is on for this round.") if form.enabled() else _("Positive action is off.")

    def _post_hold(self, request):
        return self.post_service_form(
            CharacteristicHoldForm(request.POST), self.hold_places, success_url=request.path, context_name="hold_form"
        )

    def hold_places(self, form):
        characteristic, category = form.characteristic_and_category()
        equality_services.characteristic_hold_set(
            round=self.round,
            characteristic=characteristic,
            category=category,
            places=form.cleaned_data["places"],
            by=self.request.user,
        )
        return _("The held places are saved.")
