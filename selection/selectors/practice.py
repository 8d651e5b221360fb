"""Reads for calibration: the practice a reviewer still owes, and each
reviewer's practice error beside their live effect in the round (shown on the
reviewers' insight page, `selection.selectors.insight.round_calibration`)."""

from dataclasses import dataclass
from math import sqrt

from django.db.models import Avg, Count, Exists, F, FloatField, OuterRef, QuerySet, Sum, Window
from django.db.models.functions import Cast

from applications.choices import RoundStatus
from applications.models import Criterion, Round

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
class PracticeError:
    """A reviewer's practice against the agreed scores, per criterion score."""

    practised: int
    # Mean of |own - agreed|: how far off, either way.
    absolute: float
    # Mean of (own - agreed): + lenient, - harsh, comparable with the live effect.
    signed: float


@dataclass(frozen=True)
class Spread:
    """How far one score lies from its reference, in rubric points, and what the
    figure covers (None with nothing to measure)."""

    points: float | None
    scores: int
    reviewers: int
    applications: int


@dataclass(frozen=True)
class PracticeCalibration:
    # {reviewer id: their practice error}; a reviewer who did no practice is absent.
    errors: dict[int, PracticeError]
    # {reviewer id: their effect in the live ranking model, in points per criterion}.
    live_effects: dict[int, float]
    # Practice scores around the agreed scores, given before the reviewer saw them:
    # the root mean square of (own - agreed).
    before: Spread
    # Live scores of the same application and criterion around each other: the
    # pooled within-application standard deviation.
    after: Spread


def practice_calibration(
    *, round: Round, criteria: list[Criterion], live_scores: QuerySet[CriterionScore], weight_total: float
) -> PracticeCalibration:
    """Each reviewer's practice error and live effect, and agreement before and
    after calibration. `live_scores` are the round's submitted scores to compare
    (the insight pages leave moderators' out); `weight_total` turns the model's
    effect on the weighted total into points per criterion. Three queries."""
    letters = {criterion.letter for criterion in criteria}
    by_reviewer: dict[int, list[float]] = {}
    practised: dict[int, set[int]] = {}
    for reviewer_id, practice_id, scores, agreed in PracticeReview.objects.filter(practice__round=round).values_list(
        "reviewer_id", "practice_id", "scores", "practice__agreed_scores"
    ):
        differences = [
            float(score - agreed[letter]) for letter, score in scores.items() if letter in agreed and letter in letters
        ]
        if differences:
            by_reviewer.setdefault(reviewer_id, []).extend(differences)
            practised.setdefault(reviewer_id, set()).add(practice_id)
    errors = {
        reviewer_id: PracticeError(
            practised=len(practised[reviewer_id]),
            absolute=sum(abs(difference) for difference in differences) / len(differences),
            signed=sum(differences) / len(differences),
        )
        for reviewer_id, differences in by_reviewer.items()
    }
    differences = [difference for own in by_reviewer.values() for difference in own]
    before = Spread(
        points=sqrt(sum(d * d for d in differences) / len(differences)) if differences else None,
        scores=len(differences),
        reviewers=len(by_reviewer),
        applications=len(set().union(*practised.values())),
    )
    effects = RoundScoring.objects.filter(round=round).values_list("reviewer_effects", flat=True).first() or {}
    live_effects = {int(reviewer_id): effect / (weight_total or 1) for reviewer_id, effect in effects.items()}
    return PracticeCalibration(errors=errors, live_effects=live_effects, before=before, after=_live_spread(live_scores))


def _live_spread(live_scores: QuerySet[CriterionScore]) -> Spread:
    """The pooled within-application standard deviation of the live scores:
    over every application and criterion scored at least twice, the sum of
    squared differences from that application's mean on the criterion, over the
    sum of (scores - 1). One query, whatever the round's size: each score beside
    its application's mean and count on the criterion (window functions), summed."""
    application = "review__assignment__application_id"
    same = {"partition_by": [F(application), F("criterion_id")]}
    score = Cast("score", FloatField())
    compared = live_scores.annotate(
        group_mean=Window(Avg(score), **same), group_size=Window(Count("pk"), **same)
    ).filter(group_size__gte=2)
    pooled = compared.aggregate(
        scores=Count("pk"),
        # Each score of a group of n adds 1 - 1/n: n - 1 per group.
        freedom=Sum(1.0 - 1.0 / Cast("group_size", FloatField())),
        within=Sum((score - F("group_mean")) * (score - F("group_mean"))),
        reviewers=Count("review__assignment__reviewer_id", distinct=True),
        applications=Count(application, distinct=True),
    )
    freedom = round(pooled["freedom"] or 0)
    return Spread(
        points=sqrt(pooled["within"] / freedom) if freedom else None,
        scores=pooled["scores"],
        reviewers=pooled["reviewers"],
        applications=pooled["applications"],
    )
