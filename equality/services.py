"""Writes to equality monitoring: a person saving their answers, and erasing them
(keeping the rounds' counts by category as `StageTally` rows).

The stage a person reached in a round is selection's knowledge (decisions, place
offers), so whoever erases passes the contributions in (`selection.services.
equality` works them out); this app only stores counts."""

from collections import Counter

from django.db import transaction
from django.db.models import F

from q_portal.audit.services import audit_log

from .choices import CHARACTERISTICS
from .models import MonitoringResponse, StageTally

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
