"""The programme team's decisions: one by one, or in bulk from the decision
room's line with a preview of exactly what will change; and the places held per
group. Decisions change freely until released (`selection.services.release`);
after that only through an audited reversal. Every change is audited against
the application, where the team reads it.

Every decision write locks the round's row first, so a bulk decision, a single
one and a release never interleave."""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.choices import RoleCategory, RoundStatus
from applications.models import Application, Round, Route
from members.models import Region
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.held_places import held_places_check, held_places_set

from ..choices import REVIEWED_STATUSES, DecisionOutcome, GroupDimension
from ..models import Decision, PlaceHold
from ..selectors.decision_room import CohortPlan, LineRule, plan_changes, plan_cohort, room_facts
from ..selectors.equality import characteristic_holds_for, suppress_below
from .assignments import _bulk_audit

# Decisions are made once the round is in review, and may be made on late
# (moderated) applications after the first ones are released.
DECIDING_ROUND_STATUSES = frozenset({RoundStatus.IN_REVIEW, RoundStatus.DECIDED})


def _label(outcome: str | None) -> str:
    return DecisionOutcome(outcome).label if outcome else _("No decision")


def _locked_round(round: Round) -> Round:
    round = Round.objects.select_for_update().get(pk=round.pk)
    if round.status not in DECIDING_ROUND_STATUSES:
        raise PortalError(_("Decisions are made once the round is in review."))
    return round


@transaction.atomic
def decision_set(*, application: Application, outcome: str | None, by) -> Decision | None:
    """Decide one application: accept, waiting list or unsuccessful; None takes
    an unreleased decision back. Refused once the decision is released (only a
    reversal changes it then) and for an application that is not being reviewed.
    Writes one audit row when something changed; the applicant hears nothing
    until release."""
    if outcome and outcome not in DecisionOutcome.values:
        raise PortalError(_("Choose accept, waiting list or unsuccessful."), field="outcome")
    round = _locked_round(application.round)
    application = Application.objects.select_for_update().get(pk=application.pk)
    decision = Decision.objects.filter(application=application).first()
    if decision is not None and decision.is_released:
        raise PortalError(
            _("The decision on %(reference)s has been released: it can only be changed by a reversal.")
            % {"reference": application.reference}
        )
    if application.status not in REVIEWED_STATUSES:
        raise PortalError(_("Only applications under review can be decided."))
    before = decision.outcome if decision else None
    if before == (outcome or None):
        return decision
    if not outcome:
        decision.delete()
        decision = None
    elif decision is None:
        decision = Decision(
            application=application, round=round, outcome=outcome, decided_by=by, decided_at=timezone.now()
        )
        decision.full_clean()
        decision.save(force_insert=True)
    else:
        decision.outcome, decision.decided_by, decision.decided_at = outcome, by, timezone.now()
        decision.save(update_fields=["outcome", "decided_by", "decided_at"])
    audit_log(
        actor=by,
        action="selection.decision_set",
        target=application,
        summary=_("Decision: %(before)s → %(after)s") % {"before": _label(before), "after": _label(outcome)},
        changes={"outcome": [before, outcome or None]},
    )
    return decision


@dataclass
class BulkPreview:
    plan: CohortPlan
    changes: list
    # A digest of exactly these changes: applying refuses if they differ.
    fingerprint: str

    def count(self, after: str | None) -> int:
        return sum(1 for change in self.changes if change.after == after)


def _fingerprint(round: Round, changes) -> str:
    rows = sorted((change.candidate.id, change.before or "", change.after or "") for change in changes)
    return hashlib.sha256(json.dumps([round.pk, rows]).encode()).hexdigest()


def decisions_bulk_preview(*, round: Round, rule: LineRule) -> BulkPreview:
    """What applying `rule` to the round would change now (the decision room's
    plan; no write). Four queries."""
    candidates, holds, quotas = room_facts(round=round, method=rule.method)
    plan = plan_cohort(
        candidates=candidates,
        rule=rule,
        holds=holds,
        capacity=round.capacity,
        quotas=quotas,
        characteristic_holds=characteristic_holds_for(round=round),
    )
    changes = plan_changes(plan)
    return BulkPreview(plan=plan, changes=changes, fingerprint=_fingerprint(round, changes))


@transaction.atomic
def decisions_bulk_apply(*, round: Round, rule: LineRule, fingerprint: str, by) -> BulkPreview:
    """Apply the rule's decisions, exactly as previewed: the changes are
    computed again under the round's lock and refused, changing nothing, if they
    differ from the preview the team saw (`fingerprint`), for instance when a
    review arrived meanwhile. Writes the decisions in bulk, one audit row per
    application changed and one for the round. Released decisions never change."""
    round = _locked_round(round)
    preview = decisions_bulk_preview(round=round, rule=rule)
    if preview.fingerprint != fingerprint:
        raise PortalError(
            _("The scores or decisions have changed since the preview. Check the new preview before deciding.")
        )
    if not preview.changes:
        return preview
    _bulk_decisions_write(round=round, changes=preview.changes, by=by)
    _bulk_decisions_audit(round=round, rule=rule, preview=preview, by=by)
    return preview


def _bulk_decisions_write(*, round: Round, changes, by) -> None:
    """Set or clear each changed application's decision, refusing if any of
    them was released meanwhile."""
    now = timezone.now()
    to_decide = [change for change in changes if change.after]
    to_clear = [change.candidate.id for change in changes if not change.after]
    if Decision.objects.filter(
        application_id__in=[change.candidate.id for change in changes], released_at__isnull=False
    ).exists():
        raise PortalError(_("Some of these decisions have been released meanwhile. Check the new preview."))
    Decision.objects.filter(application_id__in=to_clear, released_at__isnull=True).delete()
    Decision.objects.bulk_create(
        [
            Decision(
                application_id=change.candidate.id,
                round=round,
                outcome=change.after,
                decided_by=by,
                decided_at=now,
            )
            for change in to_decide
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["application"],
        update_fields=["outcome", "decided_by", "decided_at"],
    )


def _bulk_decisions_audit(*, round: Round, rule: LineRule, preview: BulkPreview, by) -> None:
    """One audit row per application changed, and one for the round with the
    rule and the counts (positive action's effect in counts, never who)."""
    description = rule.describe()
    _bulk_audit(
        by=by,
        action="selection.decision_set",
        entries={
            change.candidate.id: (
                _("Decision: %(before)s → %(after)s (in bulk: %(rule)s)")
                % {"before": _label(change.before), "after": _label(change.after), "rule": description},
                {"outcome": [change.before, change.after], "bulk": True},
            )
            for change in preview.changes
        },
    )
    audit_log(
        actor=by,
        action="selection.decisions_bulk",
        target=round,
        summary=_("%(count)d decisions changed in bulk: %(rule)s")
        % {"count": len(preview.changes), "rule": description},
        changes={
            "rule": {
                "method": rule.method,
                "places": rule.places,
                "min_score": rule.min_score,
                "waitlist": rule.waitlist,
                "rest": rule.rest,
                "rest_below": rule.rest_below,
            },
            "accepted": preview.count(DecisionOutcome.ACCEPT),
            "waitlisted": preview.count(DecisionOutcome.WAITLIST),
            "unsuccessful": preview.count(DecisionOutcome.UNSUCCESSFUL),
            "cleared": preview.count(None),
            # Positive action's effect, in counts as the decision room shows them:
            # never who, and a count of a group's people under the suppression
            # threshold is None ("fewer than"), since beside this change's
            # decision entries it could tell one person's characteristic.
            "held_for_characteristic": _characteristic_effects_shown(preview.plan),
        },
    )


def _characteristic_effects_shown(plan: CohortPlan) -> list[dict]:
    threshold = suppress_below()
    return [
        {"group": shown.label, "places": shown.places, "filled": shown.filled, "suppressed_below": threshold}
        for shown in (effect.shown(threshold=threshold) for effect in plan.characteristic_effects)
    ]


def _group_name(*, dimension: str, value: str) -> str | None:
    """The name of a region, role or route by its key; None if there is none."""
    if dimension == GroupDimension.ROLE_CATEGORY:
        return RoleCategory(value).label if value in RoleCategory.values else None
    if dimension not in GroupDimension.values or not value.isdigit():
        return None
    model = Region if dimension == GroupDimension.REGION else Route
    return model.objects.filter(pk=int(value)).values_list("name", flat=True).first()


@transaction.atomic
def place_hold_set(*, round: Round, dimension: str, value: str, places: int, by) -> PlaceHold | None:
    """Hold `places` places for a group (a region, role or route) when the line
    is drawn; 0 removes the hold. Holds guide bulk decisions only: a decision
    already made stays. Writes one audit row on the round when something changed."""
    round = _locked_round(round)
    name = _group_name(dimension=dimension, value=value)
    if name is None:
        raise PortalError(_("Choose a region, role or route from the list."), field="group")
    held_places_check(places=places, capacity=round.capacity)
    hold, before = held_places_set(PlaceHold, round=round, dimension=dimension, value=value, places=places)
    if before == places:
        return hold
    audit_log(
        actor=by,
        action="selection.place_hold",
        target=round,
        summary=_("Places held for %(dimension)s %(name)s: %(before)d → %(after)d")
        % {"dimension": GroupDimension(dimension).label.lower(), "name": name, "before": before, "after": places},
        changes={"dimension": dimension, "value": value, "places": [before, places]},
    )
    return hold
