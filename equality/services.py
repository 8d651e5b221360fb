"""Writes to equality monitoring: a person saving their answers, and erasing them
(keeping the rounds' counts by category as `StageTally` rows).

The stage a person reached in a round is selection's knowledge (decisions, place
offers), so whoever erases passes the contributions in (`selection.services.
equality` works them out); this app only stores counts."""

from collections import Counter

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.held_places import held_places_check, held_places_set

from .choices import CHARACTERISTICS, NOT_ANSWERED, PREFER_NOT, QUESTIONS_BY_FIELD, characteristic_label
from .models import CharacteristicHold, MonitoringResponse, PositiveAction, StageTally

# (round id, characteristic, analysis category, stage) -> people
Contributions = Counter


@transaction.atomic
def monitoring_response_save(*, user, answers: dict[str, str], by) -> MonitoringResponse:
    """Create or change the person's own answers (every question optional). Side
    effect: an audit entry saying the answers were saved, never what they are."""
    response = MonitoringResponse.objects.select_for_update().filter(user=user).first()
    created = response is None
    if created:
        response = MonitoringResponse(user=user)
    for field in CHARACTERISTICS:
        setattr(response, field, answers.get(field) or "")
    response.full_clean(exclude=["user"])
    if created:
        response.save()
    else:
        response.save(update_fields=[*CHARACTERISTICS, "updated_at"])
    audit_log(
        actor=by,
        action="equality.saved" if not created else "equality.created",
        target=user,
        summary="Equality monitoring answers saved",
        changes={"answered": sum(1 for field in CHARACTERISTICS if getattr(response, field))},
    )
    return response


def stage_tallies_add(*, contributions: Counter) -> int:
    """Add counts to the rounds' tallies (in the caller's transaction). Returns
    how many people-stages were added."""
    for (round_id, characteristic, category, stage), count in contributions.items():
        if not count:
            continue
        tally, created = StageTally.objects.get_or_create(
            round_id=round_id,
            characteristic=characteristic,
            category=category,
            stage=stage,
            defaults={"count": count},
        )
        if not created:
            StageTally.objects.filter(pk=tally.pk).update(count=F("count") + count)
    return sum(contributions.values())


def monitoring_response_erase(*, user, contributions: Counter) -> int:
    """Delete the person's answers, first adding what they counted for to the
    rounds' tallies, so each round keeps its counts by category. In the caller's
    transaction (the erasure's); the caller audits. Returns 1 if answers were held."""
    stage_tallies_add(contributions=contributions)
    return MonitoringResponse.objects.filter(user=user).delete()[1].get(MonitoringResponse._meta.label, 0)


@transaction.atomic
def monitoring_response_delete(*, user, by) -> bool:
    """The person withdraws their answers: they are deleted and no longer count
    in any analysis (unlike erasure, which keeps the rounds' counts: a person who
    withdraws their answers withdraws their use too). Side effect: an audit entry."""
    deleted = MonitoringResponse.objects.filter(user=user).delete()[1].get(MonitoringResponse._meta.label, 0)
    if deleted:
        audit_log(actor=by, action="equality.deleted", target=user, summary="Equality monitoring answers deleted")
    return bool(deleted)


# --- Positive action in a round's selection ---------------------------------------------


def holdable_categories(characteristic: str) -> list[tuple[str, str]]:
    """The analysis groups of a characteristic places may be held for: never
    "Prefer not to say" or "not answered" (no one is counted into a group they
    did not say they belong to)."""
    question = QUESTIONS_BY_FIELD.get(characteristic)
    if question is None:
        return []
    return [(key, str(label)) for key, label in question.analysis_groups() if key not in (PREFER_NOT, NOT_ANSWERED)]


def category_label(characteristic: str, category: str) -> str:
    return dict(holdable_categories(characteristic)).get(category, category)


@transaction.atomic
def positive_action_set(*, round, enabled: bool, reason: str, quality_bar: float | None, by) -> PositiveAction:
    """Enable positive action in a round (with the reason and the quality bar
    held places may not go below), or turn it off (the held places stay recorded
    but are not used until it is enabled again). Side effect: an audit entry on
    the round with the reason."""
    reason = (reason or "").strip()
    if enabled and not reason:
        raise PortalError(_("Give the reason for using positive action in this round."), field="reason")
    if enabled and quality_bar is None:
        raise PortalError(
            _("Enter the quality bar: the lowest mean score a held place may go to."), field="quality_bar"
        )
    if quality_bar is not None and quality_bar < 0:
        raise PortalError(_("Enter a quality bar of 0 or more."), field="quality_bar")
    action = PositiveAction.objects.select_for_update().filter(round=round).first()
    if action is None:
        action = PositiveAction(round=round)
    before = {"enabled": action.enabled, "quality_bar": action.quality_bar}
    action.enabled = enabled
    if enabled:
        action.reason, action.quality_bar = reason, quality_bar
    elif reason:
        action.reason = reason
    action.changed_by, action.changed_at = by, timezone.now()
    action.full_clean(exclude=["round"])
    action.save()
    audit_log(
        actor=by,
        action="equality.positive_action_enable" if enabled else "equality.positive_action_disable",
        target=round,
        summary=(
            _("Positive action enabled: %(reason)s") % {"reason": reason}
            if enabled
            else _("Positive action turned off")
        ),
        changes={
            "enabled": [before["enabled"], enabled],
            "quality_bar": [before["quality_bar"], action.quality_bar],
            "reason": reason,
        },
    )
    return action


@transaction.atomic
def characteristic_hold_set(*, round, characteristic: str, category: str, places: int, by) -> CharacteristicHold | None:
    """Hold `places` places in the round for one group of a monitoring
    characteristic (0 removes the hold). Refused unless the round's positive
    action is enabled, and for "Prefer not to say" or "not answered". Side
    effect: an audit entry on the round (the group and the places, no person)."""
    action = PositiveAction.objects.filter(round=round, enabled=True).first()
    if action is None:
        raise PortalError(_("Enable positive action for this round, with its reason, before holding places."))
    if category not in dict(holdable_categories(characteristic)):
        raise PortalError(_("Choose a group to hold places for."), field="group")
    held_places_check(places=places, capacity=round.capacity)
    hold, before = held_places_set(
        CharacteristicHold, round=round, characteristic=characteristic, category=category, places=places
    )
    if before == places:
        return hold
    audit_log(
        actor=by,
        action="equality.characteristic_hold",
        target=round,
        summary=_("Places held for %(characteristic)s: %(category)s: %(before)d → %(after)d")
        % {
            "characteristic": characteristic_label(characteristic),
            "category": category_label(characteristic, category),
            "before": before,
            "after": places,
        },
        changes={"characteristic": characteristic, "category": category, "places": [before, places]},
    )
    return hold
