"""Reads for calibration: the practice a reviewer still owes, and each
reviewer's practice error beside their live effect in the round."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from applications.choices import RoundStatus
from applications.models import Round
from scoring.agreement import interval_alpha

from ..choices import ReviewStatus
from ..models import CriterionScore, PracticeApplication, PracticeReview, RoundScoring

# Reviewers practise on the rounds being reviewed (or about to be).
PRACTICE_ROUND_STATUSES = (RoundStatus.CLOSED, RoundStatus.IN_REVIEW)


def practice_pending_for(*, reviewer, round_id: int | None = None) -> QuerySet[PracticeApplication]:
    """Practice applications the reviewer has not scored, in the rounds where
    they have assignments (or in `round_id`): one query."""
    practice = (
        PracticeApplication.objects.filter(round__status__in=PRACTICE_ROUND_STATUSES)
        .annotate(scored=Exists(PracticeReview.objects.filter(practice=OuterRef("pk"), reviewer=reviewer)))
        .filter(scored=False)
    )
    if round_id is not None:
        return practice.filter(round_id=round_id)
    return practice.filter(round__assignments__reviewer=reviewer).distinct().select_related("round")


@dataclass(frozen=True)
class ReviewerCalibration:
    reviewer_id: int
    name: str
    practised: int
    # Mean (own - agreed) per criterion over the practice: + lenient, - harsh.
    practice_error: float | None
    # The reviewer's effect in the live ranking model, per criterion (scoring.model).
    live_effect: float | None


@dataclass(frozen=True)
class Calibration:
    reviewers: list[ReviewerCalibration]
    # Krippendorff's alpha (interval) on the practice scores, given before the
    # reviewers saw the agreed scores; and on the round's live reviews after.
    alpha_practice: float | None
    alpha_live: float | None


def round_calibration(*, round: Round) -> Calibration:
    """Each reviewer who practised: practice error beside live effect; agreement
    on the practice and on the live reviews. Four queries."""
    criteria = max(round.criteria.count(), 1)
    effects = RoundScoring.objects.filter(round=round).values_list("reviewer_effects", flat=True).first() or {}
    reviews = list(
        PracticeReview.objects.filter(practice__round=round).select_related("practice", "reviewer").order_by("pk")
    )
    by_reviewer: dict[int, list[PracticeReview]] = {}
    units: dict[tuple[int, str], list[float]] = {}
    for review in reviews:
        by_reviewer.setdefault(review.reviewer_id, []).append(review)
        for letter, score in review.scores.items():
            units.setdefault((review.practice_id, letter), []).append(float(score))
    rows = []
    for reviewer_id, own in by_reviewer.items():
        errors = [review.error for review in own if review.error is not None]
        effect = effects.get(str(reviewer_id))
        rows.append(
            ReviewerCalibration(
                reviewer_id=reviewer_id,
                name=str(own[0].reviewer),
                practised=len(own),
                practice_error=sum(errors) / len(errors) if errors else None,
                live_effect=None if effect is None else effect / criteria,
            )
        )
    rows.sort(key=lambda row: row.name)
    live: dict[tuple[int, int], list[float]] = {}
    for application_id, criterion_id, score in CriterionScore.objects.filter(
        review__assignment__round=round, review__status=ReviewStatus.SUBMITTED, score__isnull=False
    ).values_list("review__assignment__application_id", "criterion_id", "score"):
        live.setdefault((application_id, criterion_id), []).append(float(score))
    return Calibration(
        reviewers=rows, alpha_practice=interval_alpha(units.values()), alpha_live=interval_alpha(live.values())
    )
