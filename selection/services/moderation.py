"""Moderation: when an application's reviewers disagree (or reviews are
missing), the programme team writes a moderator review, or asks another
reviewer for one. Either is an assignment marked `is_moderation`: it is not one
of the reviewers the round expects, its review counts in the mean score, and
once submitted the application leaves the moderation queue."""

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from applications.choices import RoundStatus
from applications.models import Application, Round
from members.models import User
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError

from ..assignment import find_conflicts, plan_assignments
from ..choices import REVIEWED_STATUSES
from ..conflicts import has_conflict
from ..models import Assignment, Conflict, Review
from . import reviews as review_services
from .assignments import _application_facts, _reviewer_facts
from .progress import progress_changed
from .settings import selection_settings_for


def _refuse_unless_moderatable(*, round: Round, application: Application) -> None:
    if round.status != RoundStatus.IN_REVIEW:
        raise PortalError(_("Moderation happens while the round is in review."))
    if application.status not in REVIEWED_STATUSES:
        raise PortalError(_("Only applications under review are moderated."))


@transaction.atomic
def moderation_review_save(
    *,
    application: Application,
    by: User,
    scores: Mapping[str, int | None],
    comments: Mapping[str, str],
    recommendation: str,
    note_to_panel: str,
    submit: bool = False,
) -> Review:
    """The moderator's own review of the application, saved as a draft or
    submitted (then the application leaves moderation and the review counts in
    its mean score). Refused to one of its reviewers, to anyone with a conflict
    of interest, and outside review. The first save writes an audit row; the
    review itself is saved and audited by `review_save`."""
    round = Round.objects.select_for_update().get(pk=application.round_id)
    _refuse_unless_moderatable(round=round, application=application)
    assignment = (
        Assignment.objects.select_related("round", "application").filter(application=application, reviewer=by).first()
    )
    if assignment is not None and not assignment.is_moderation:
        raise PortalError(_("You are one of this application's reviewers, so someone else must moderate it."))
    if assignment is None:
        if has_conflict(application_id=application.pk, reviewer_id=by.pk):
            raise PortalError(_("You have a conflict of interest with this application, so you cannot moderate it."))
        assignment = _moderation_assign(
            round,
            application,
            moderator=by,
            by=by,
            action="selection.moderation_start",
            summary=_("%(name)s started a moderator review") % {"name": by},
        )
    return review_services.review_save(
        assignment=assignment,
        by=by,
        scores=scores,
        comments=comments,
        recommendation=recommendation,
        note_to_panel=note_to_panel,
        submit=submit,
    )


@transaction.atomic
def moderation_reviewer_request(*, application: Application, by: User) -> Assignment:
    """Ask one more reviewer to review the application as moderator: chosen as
    automatic assignment would (no conflict of interest, capacity left, least
    loaded, from another region if the round prefers it), and found in their
    review queue. Refused, changing nothing, when nobody can. Writes one audit row."""
    round = Round.objects.select_for_update().get(pk=application.round_id)
    _refuse_unless_moderatable(round=round, application=application)
    settings = selection_settings_for(round=round)
    facts = _application_facts(round=round, application_ids=[application.pk])
    reviewers = _reviewer_facts(round=round, settings=settings)
    existing = list(Assignment.objects.filter(application=application).values_list("application_id", "reviewer_id"))
    conflicts = set(Conflict.objects.filter(application=application).values_list("application_id", "reviewer_id"))
    conflicts |= set(find_conflicts(facts, reviewers))
    loads = dict(
        Assignment.objects.filter(round=round)
        .values_list("reviewer_id")
        .annotate(count=Count("pk"))
        .values_list("reviewer_id", "count")
    )
    plan = plan_assignments(
        applications=facts,
        reviewers=reviewers,
        existing=existing,
        conflicts=conflicts,
        per_application=len(existing) + 1,
        prefer_other_region=settings.prefer_other_region,
        loads=loads,
    )
    if not plan.new:
        raise PortalError(
            _(
                "No other reviewer without a conflict of interest has capacity left. "
                "Raise a reviewer's capacity, or write a moderator review yourself."
            )
        )
    _application_id, reviewer_id = plan.new[0]
    reviewer = User.objects.get(pk=reviewer_id)
    return _moderation_assign(
        round,
        application,
        moderator=reviewer,
        by=by,
        action="selection.moderation_request",
        summary=_("Asked %(name)s for a moderator review") % {"name": reviewer},
    )


def _moderation_assign(
    round: Round, application: Application, *, moderator, by, action: str, summary: str
) -> Assignment:
    """Make `moderator` the application's moderator, with an audit row."""
    assignment = Assignment(round=round, application=application, reviewer=moderator, is_moderation=True)
    assignment.full_clean()
    assignment.save(force_insert=True)
    progress_changed(round_id=round.pk)
    audit_log(actor=by, action=action, target=application, summary=summary, changes={"moderator": moderator.pk})
    return assignment
