"""Reads for releasing decisions, feedback and places: what a release would send,
the waiting list in its order, the offers of places and how many are free, the
applications whose feedback waits for approval, and one application's decision,
feedback and offer. Every list is one query a page."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from applications.models import Application, Round

from ..choices import REVIEWED_STATUSES, DecisionOutcome, FeedbackStatus, PlaceOfferStatus, ReviewStatus
from ..models import CriterionFeedback, CriterionScore, Decision, PlaceOffer, ReleaseRun

# Offers that no longer hold a place: each frees one for the waiting list.
GIVEN_UP = (PlaceOfferStatus.DECLINED, PlaceOfferStatus.LAPSED)


@dataclass(frozen=True)
class ReleaseSummary:
    """What releasing the round's decisions now would do."""

    to_release: dict[str, int]  # unreleased decisions by outcome
    released: dict[str, int]  # released decisions by outcome
    undecided: int  # applications under review with no decision yet
    with_feedback: int  # of those to release, how many carry approved feedback
    draft_feedback: int  # of those to release, how many have feedback still in draft (not sent)
    without_email: int  # anonymised applications: decided, but no one to tell

    @property
    def total_to_release(self) -> int:
        return sum(self.to_release.values())

    @property
    def total_released(self) -> int:
        return sum(self.released.values())

    @property
    def emails_to_send(self) -> int:
        return self.total_to_release - self.without_email

    @property
    def without_approved_feedback(self) -> int:
        return self.total_to_release - self.with_feedback


def release_run_latest(*, round: Round) -> ReleaseRun | None:
    """The round's latest release run, for its progress on the release page."""
    return ReleaseRun.objects.filter(round=round).select_related("requested_by").first()


def release_summary(*, round: Round) -> ReleaseSummary:
    """Counts for the release page: three queries, whatever the round's size."""
    decisions = Decision.objects.filter(round=round)
    by_outcome = decisions.values("outcome").annotate(
        unreleased=Count("pk", filter=Q(released_at__isnull=True)),
        released=Count("pk", filter=Q(released_at__isnull=False)),
    )
    to_release = dict.fromkeys(DecisionOutcome.values, 0)
    released = dict.fromkeys(DecisionOutcome.values, 0)
    for row in by_outcome:
        to_release[row["outcome"]] = row["unreleased"]
        released[row["outcome"]] = row["released"]
    feedback = decisions.filter(released_at__isnull=True).aggregate(
        approved=Count(
            "application",
            filter=Q(application__feedback__status=FeedbackStatus.APPROVED),
            distinct=True,
        ),
        draft=Count("application", filter=Q(application__feedback__status=FeedbackStatus.DRAFT), distinct=True),
        anonymous=Count("application", filter=Q(application__applicant__isnull=True), distinct=True),
    )
    undecided = Application.objects.filter(round=round, status__in=REVIEWED_STATUSES, decision__isnull=True).count()
    return ReleaseSummary(
        to_release=to_release,
        released=released,
        undecided=undecided,
        with_feedback=feedback["approved"],
        draft_feedback=feedback["draft"],
        without_email=feedback["anonymous"],
    )


def waiting_list(*, round: Round) -> QuerySet[Decision]:
    """The round's released waiting-list decisions not yet offered a place, in the
    order places are offered: best normalised score first, then mean score, then
    the earliest reference. Anonymised applications are left out (no one to offer
    a place to)."""
    return (
        Decision.objects.filter(
            round=round,
            outcome=DecisionOutcome.WAITLIST,
            released_at__isnull=False,
            application__place_offer__isnull=True,
            application__applicant__isnull=False,
        )
        .select_related("application", "application__score_summary", "application__region", "application__route")
        .order_by(
            F("application__score_summary__normalised_score").desc(nulls_last=True),
            F("application__score_summary__mean_score").desc(nulls_last=True),
            "application__reference",
            "pk",
        )
    )


def place_numbers(*, round: Round) -> dict[str, int]:
    """Offers by status, promotions from the waiting list, free places and the
    waiting list's length: two queries."""
    counts = PlaceOffer.objects.filter(round=round).aggregate(
        offered=Count("pk", filter=Q(status=PlaceOfferStatus.OFFERED)),
        confirmed=Count("pk", filter=Q(status=PlaceOfferStatus.CONFIRMED)),
        declined=Count("pk", filter=Q(status=PlaceOfferStatus.DECLINED)),
        lapsed=Count("pk", filter=Q(status=PlaceOfferStatus.LAPSED)),
        promoted=Count("pk", filter=Q(promoted_from_waitlist=True)),
    )
    counts["free"] = max(0, counts["declined"] + counts["lapsed"] - counts["promoted"])
    counts["waiting"] = waiting_list(round=round).count()
    return counts


def places_free(*, round: Round) -> int:
    """Places given up (declined or lapsed) not yet offered to someone from the
    waiting list. Each promotion takes one; a promoted person who declines frees
    it again."""
    counts = PlaceOffer.objects.filter(round=round).aggregate(
        given_up=Count("pk", filter=Q(status__in=GIVEN_UP)),
        promoted=Count("pk", filter=Q(promoted_from_waitlist=True)),
    )
    return max(0, counts["given_up"] - counts["promoted"])


def place_offers_of(*, round: Round, status: str = "") -> QuerySet[PlaceOffer]:
    """The round's offers of places, optionally of one status, the soonest
    deadline first among those still open: one query a page."""
    offers = PlaceOffer.objects.filter(round=round).select_related(
        "application", "application__region", "application__route"
    )
    if status:
        offers = offers.filter(status=status)
    return offers.order_by("status", "respond_by", "pk")


def feedback_queue(*, round: Round, waiting_only: bool) -> QuerySet[Application]:
    """The round's decided applications with their feedback counts
    (`draft_count`, `approved_count`) and decision; with `waiting_only`, those
    with feedback still to approve and not yet released. One query a page."""
    applications = (
        Application.objects.filter(round=round, decision__isnull=False)
        .select_related("decision")
        .annotate(
            draft_count=Count("feedback", filter=Q(feedback__status=FeedbackStatus.DRAFT)),
            approved_count=Count("feedback", filter=Q(feedback__status=FeedbackStatus.APPROVED)),
        )
        .order_by("reference", "pk")
    )
    if waiting_only:
        applications = applications.filter(decision__released_at__isnull=True).filter(
            Exists(CriterionFeedback.objects.filter(application=OuterRef("pk"), status=FeedbackStatus.DRAFT))
        )
    return applications


def feedback_of(*, application: Application) -> dict[int, CriterionFeedback]:
    """{criterion id: feedback} for the application: one query."""
    return {
        row.criterion_id: row
        for row in CriterionFeedback.objects.filter(application=application).select_related("written_by", "approved_by")
    }


def reviewer_comments_of(*, application: Application) -> dict[int, list[CriterionScore]]:
    """{criterion id: [the submitted reviews' scores with a comment]}, the raw
    material for feedback: one query."""
    comments: dict[int, list[CriterionScore]] = {}
    rows = (
        CriterionScore.objects.filter(
            review__assignment__application=application, review__status=ReviewStatus.SUBMITTED
        )
        .exclude(comment="")
        .select_related("review__assignment__reviewer")
        .order_by("review__assignment_id")
    )
    for row in rows:
        comments.setdefault(row.criterion_id, []).append(row)
    return comments


def with_decision_panel(applications: QuerySet[Application]) -> QuerySet[Application]:
    """The applications with, in the same query, their decision (and who made
    and released it), their offer of a place, and how much feedback is approved
    (`feedback_approved`) or still in draft (`feedback_drafts`)."""

    def count(status: str):
        rows = (
            CriterionFeedback.objects.filter(application=OuterRef("pk"), status=status)
            .order_by()
            .values("application")
            .annotate(count=Count("pk"))
            .values("count")[:1]
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    return applications.select_related("decision__decided_by", "decision__released_by", "place_offer").annotate(
        feedback_approved=count(FeedbackStatus.APPROVED), feedback_drafts=count(FeedbackStatus.DRAFT)
    )


def decision_panel_of(*, application: Application) -> dict:
    """The decision, its offer of a place and the feedback counts for the
    programme team's page of one application, read from an application loaded
    `with_decision_panel` (no query)."""
    return {
        "decision": getattr(application, "decision", None),
        "place_offer": getattr(application, "place_offer", None),
        "feedback_approved": getattr(application, "feedback_approved", 0),
        "feedback_drafts": getattr(application, "feedback_drafts", 0),
    }


def offer_for_applicant(*, application: Application) -> PlaceOffer | None:
    return PlaceOffer.objects.filter(application=application).select_related("round").first()


def prefetch_feedback() -> Prefetch:
    """Approved feedback with its criterion, for releasing many decisions at once."""
    return Prefetch(
        "application__feedback",
        queryset=CriterionFeedback.objects.filter(status=FeedbackStatus.APPROVED).select_related("criterion"),
        to_attr="approved_feedback",
    )
