"""The programme team's settings for a round's review, reviewers' profiles and
their capacity per round. Every change is audited."""

from django.db import transaction
from django.utils.translation import gettext as _

from applications.choices import RoundStatus
from applications.models import Round
from members.models import Organisation, Region, User
from q_portal.audit.services import audit_diff, audit_log
from q_portal.exceptions import PortalError
from q_portal.roles import Role

from ..models import Review, ReviewerCapacity, ReviewerProfile, SelectionSettings
from .progress import progress_changed
from .round_settings import selection_settings_for  # re-exported: the score services read it too
from .scores import scores_refresh

EDITABLE_FIELDS = (
    "reviewers_per_application",
    "default_capacity",
    "blind",
    "prefer_other_region",
    "weights",
    "rubric",
    "review_due_on",
    "moderation_spread",
    "place_confirm_days",
    "waitlist_promotion",
)
# Changing these changes every application's reviews expected or moderation.
RESCORED_BY = frozenset({"reviewers_per_application", "moderation_spread"})
# Changing these changes the round's progress: applications short of reviewers, reviewers overdue,
# applications needing moderation (rescored at once).
PROGRESS_CHANGED_BY = frozenset({"reviewers_per_application", "review_due_on", "moderation_spread"})
# Scores are given against the rubric and weights: they stay once review has started.
FIXED_IN_REVIEW = frozenset({"weights", "rubric"})


@transaction.atomic
def selection_settings_update(*, round: Round, by, **changes) -> SelectionSettings:
    """Change how the round is reviewed. Weights and the rubric are refused once
    reviews have been submitted in the round (the scores were given against
    them). Writes one audit row with what changed, none when nothing did. A new
    number of reviewers or moderation threshold refreshes the round's stored
    scores (reviews expected, moderation)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"selection_settings_update() cannot change {', '.join(sorted(unknown))}")
    settings = selection_settings_for(round=round)
    settings = SelectionSettings.objects.select_for_update().get(pk=settings.pk)
    changed = [field for field, value in changes.items() if getattr(settings, field) != value]
    if not changed:
        return settings

    if FIXED_IN_REVIEW & set(changed) and Review.objects.filter(assignment__round=round).exists():
        field = sorted(FIXED_IN_REVIEW & set(changed))[0]
        raise PortalError(
            _("The weights and the rubric cannot change once reviewers have started scoring."), field=field
        )
    if "reviewers_per_application" in changed and not 1 <= changes["reviewers_per_application"] <= 5:
        raise PortalError(_("Choose between 1 and 5 reviewers per application."), field="reviewers_per_application")
    if "moderation_spread" in changed and changes["moderation_spread"] < 1:
        raise PortalError(_("The moderation threshold must be 1 point or more."), field="moderation_spread")
    if "place_confirm_days" in changed and not 1 <= changes["place_confirm_days"] <= 90:
        raise PortalError(_("Give between 1 and 90 days to confirm a place."), field="place_confirm_days")
    audit_changes = audit_diff(
        {field: getattr(settings, field) for field in changed}, {field: changes[field] for field in changed}
    )
    for field in changed:
        setattr(settings, field, changes[field])
    settings.full_clean()
    settings.save(update_fields=changed)
    audit_log(
        actor=by,
        action="selection.settings_update",
        target=round,
        summary=_("Changed %(fields)s") % {"fields": ", ".join(changed)},
        changes=audit_changes,
    )
    if RESCORED_BY & set(changed):
        scores_refresh(round=round)
    if PROGRESS_CHANGED_BY & set(changed):
        progress_changed(round_id=round.pk)
    return settings


@transaction.atomic
def reviewer_profile_set(
    *, reviewer: User, by, organisation: Organisation | None, region: Region | None
) -> ReviewerProfile:
    """Record where a reviewer works (creates the profile if needed). Conflicts of
    interest with the new organisation take effect at the next assignment. Writes
    one audit row when something changed."""
    if not reviewer.groups.filter(name=Role.REVIEWER).exists():
        raise PortalError(_("%(name)s is not a reviewer.") % {"name": reviewer})
    profile, created = ReviewerProfile.objects.select_for_update().get_or_create(user=reviewer)
    before = (profile.organisation_id, profile.region_id)
    after = (organisation.pk if organisation else None, region.pk if region else None)
    if before == after and not created:
        return profile
    profile.organisation, profile.region = organisation, region
    profile.save(update_fields=["organisation", "region"])
    audit_log(
        actor=by,
        action="selection.reviewer_profile_set",
        target=reviewer,
        summary=f"{organisation or '-'}; {region or '-'}",
        changes={"organisation": [before[0], after[0]], "region": [before[1], after[1]]},
    )
    return profile


@transaction.atomic
def reviewer_capacity_set(*, round: Round, reviewer: User, capacity: int, by) -> ReviewerCapacity:
    """Set the most applications the reviewer takes in the round (0: none this
    round). Existing assignments stay; the next automatic assignment respects the
    new figure. Refused once the round is decided. Writes one audit row."""
    if round.status == RoundStatus.DECIDED:
        raise PortalError(_("The round is decided: capacities no longer change."))
    if capacity < 0:
        raise PortalError(_("Capacity cannot be negative."), field="capacity")
    row = ReviewerCapacity.objects.select_for_update().filter(round=round, reviewer=reviewer).first()
    before = row.capacity if row else None
    if row is None:
        row = ReviewerCapacity(round=round, reviewer=reviewer, capacity=capacity)
        row.full_clean()
        row.save(force_insert=True)
    elif row.capacity == capacity:
        return row
    else:
        row.capacity = capacity
        row.save(update_fields=["capacity"])
    audit_log(
        actor=by,
        action="selection.capacity_set",
        target=round,
        summary=f"{reviewer}: {capacity}",
        changes={"reviewer": reviewer.pk, "capacity": [before, capacity]},
    )
    return row
