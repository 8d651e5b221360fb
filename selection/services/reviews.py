"""A reviewer's scoring: save a draft, submit, and the programme team's reopen.
Scores are given on the round's rubric; a submitted review keeps its weighted
total, and submitting or reopening refreshes the application's stored scores
(`selection.services.scores`)."""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.choices import RoundStatus
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError

from ..choices import Recommendation, ReviewStatus
from ..models import Assignment, CriterionScore, Review
from ..scoring import weighted_total
from . import scores as score_services
from .settings import selection_settings_for


def _locked_review(assignment: Assignment) -> Review:
    """The assignment's review, created as an empty draft the first time, its row
    locked so a double-clicked submit runs once."""
    review, _created = Review.objects.get_or_create(assignment=assignment)
    return Review.objects.select_for_update().get(pk=review.pk)


def _refuse_unless_open_for(assignment: Assignment, by) -> None:
    if assignment.reviewer_id != by.pk:
        raise PortalError(_("Only the assigned reviewer can score this application."))
    if assignment.round.status != RoundStatus.IN_REVIEW:
        raise PortalError(_("The round is not in review: scores can no longer change."))


def _write(review: Review, *, criteria, scores, comments, recommendation, note_to_panel, low: int, high: int) -> None:
    for criterion in criteria:
        score = scores.get(criterion.letter)
        if score is not None and not low <= score <= high:
            raise PortalError(
                _("Give a score from %(low)d to %(high)d.") % {"low": low, "high": high},
                field=f"score_{criterion.letter}",
            )
    if recommendation and recommendation not in Recommendation.values:
        raise PortalError(_("Choose a recommendation."), field="recommendation")
    existing = {row.criterion_id: row for row in review.scores.all()}
    for criterion in criteria:
        row = existing.get(criterion.pk) or CriterionScore(review=review, criterion=criterion)
        row.score = scores.get(criterion.letter)
        row.comment = (comments.get(criterion.letter) or "").strip()
        if row.pk is None:
            row.full_clean(validate_unique=False)
            row.save(force_insert=True)
        else:
            row.save(update_fields=["score", "comment"])
    review.recommendation = recommendation or ""
    review.note_to_panel = (note_to_panel or "").strip()


@transaction.atomic
def review_save(
    *,
    assignment: Assignment,
    by,
    scores: Mapping[str, int | None],
    comments: Mapping[str, str],
    recommendation: str,
    note_to_panel: str,
    submit: bool = False,
) -> Review:
    """Save the reviewer's scores (by criterion letter), comments, recommendation
    and note as a draft; with `submit`, also submit: every criterion scored and a
    recommendation chosen, else refused naming the first gap. Submitting records the weighted total,
    writes an audit row and refreshes the application's scores (the round's
    normalised scores after commit); a submitted review is refused until the
    programme team reopens it."""
    _refuse_unless_open_for(assignment, by)
    review = _locked_review(assignment)
    if review.status == ReviewStatus.SUBMITTED:
        raise PortalError(_("You have submitted this review. Only the programme team can reopen it."))
    settings = selection_settings_for(round=assignment.round)
    low, high = settings.score_range
    criteria = list(assignment.round.criteria.order_by("letter"))
    _write(
        review,
        criteria=criteria,
        scores=scores,
        comments=comments,
        recommendation=recommendation,
        note_to_panel=note_to_panel,
        low=low,
        high=high,
    )
    review.save(update_fields=["recommendation", "note_to_panel", "updated_at"])
    if submit:
        _review_submit(
            review,
            assignment,
            criteria=criteria,
            scores=scores,
            recommendation=recommendation,
            settings=settings,
            by=by,
        )
    return review


def _review_submit(
    review: Review, assignment: Assignment, *, criteria, scores, recommendation: str, settings, by
) -> None:
    """Submit the saved review: refused, naming the first gap, unless every
    criterion is scored and a recommendation chosen. Records the weighted total,
    writes an audit row and refreshes the application's scores."""
    for criterion in criteria:
        if scores.get(criterion.letter) is None:
            raise PortalError(
                _("Score criterion (%(letter)s) before submitting.") % {"letter": criterion.letter},
                field=f"score_{criterion.letter}",
            )
    if not recommendation:
        raise PortalError(_("Choose a recommendation before submitting."), field="recommendation")
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = timezone.now()
    review.weighted_total = weighted_total(
        {criterion.letter: scores[criterion.letter] for criterion in criteria}, settings.weights
    )
    review.save(update_fields=["status", "submitted_at", "weighted_total", "updated_at"])
    audit_log(
        actor=by,
        action="selection.review_submit",
        target=assignment.application,
        summary=(
            _("%(name)s submitted a moderator review") if assignment.is_moderation else _("%(name)s submitted a review")
        )
        % {"name": by},
        changes={
            "reviewer": by.pk,
            "scores": {criterion.letter: scores[criterion.letter] for criterion in criteria},
            "recommendation": recommendation,
            "weighted_total": review.weighted_total,
        },
    )
    score_services.scores_review_changed(application=assignment.application)


@transaction.atomic
def review_reopen(*, review: Review, by) -> Review:
    """The programme team reopens a submitted review so the reviewer can change
        it; it leaves the application's scores until submitted again. Writes one audit
    row."""
    review = (
        Review.objects.select_for_update()
        .select_related("assignment__application", "assignment__reviewer")
        .get(pk=review.pk)
    )
    if review.status != ReviewStatus.SUBMITTED:
        raise PortalError(_("Only a submitted review can be reopened."))
    if review.assignment.round.status != RoundStatus.IN_REVIEW:
        raise PortalError(_("Reviews can be reopened while the round is in review."))
    review.status = ReviewStatus.DRAFT
    review.submitted_at = None
    review.weighted_total = None
    review.save(update_fields=["status", "submitted_at", "weighted_total", "updated_at"])
    audit_log(
        actor=by,
        action="selection.review_reopen",
        target=review.assignment.application,
        summary=_("Reopened the review by %(name)s") % {"name": review.assignment.reviewer},
        changes={"reviewer": review.assignment.reviewer_id},
    )
    score_services.scores_review_changed(application=review.assignment.application)
    return review
