"""Reads for the reviewer's pages: the queue with its progress, one assignment
for scoring, and other reviewers' scores once one's own is submitted."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from applications.choices import RoundStatus
from applications.models import CriterionResponse, Round

from ..choices import ConflictKind, QueueFilter, ReviewStatus
from ..models import Assignment, Conflict, CriterionScore, Review

# Rounds whose assignments a reviewer sees in their queue.
QUEUE_ROUND_STATUSES = (RoundStatus.IN_REVIEW, RoundStatus.DECIDED)
QUEUE_FIELDS = (
    "round__name",
    "round__closes_at",
    "application__reference",
    "application__route__name",
    "review__status",
)


def review_queue_for(*, reviewer, round_id: int | None = None, state: str | None = None) -> QuerySet[Assignment]:
    """The reviewer's assignments in rounds in review (or decided), with the
    application, its route and the review's status joined: one query a page. An
    assignment with a conflict of interest recorded since is left out: it opens
    nothing until the programme team moves it."""
    conflicted = Conflict.objects.filter(application_id=OuterRef("application_id"), reviewer_id=OuterRef("reviewer_id"))
    assignments = (
        Assignment.objects.filter(reviewer=reviewer, round__status__in=QUEUE_ROUND_STATUSES)
        .exclude(Exists(conflicted))
        .select_related("round", "application", "application__route", "review")
        # Only what the queue shows: an application row carries its long answers.
        .only(*QUEUE_FIELDS)
        .order_by("round__closes_at", "application__reference", "pk")
    )
    if round_id is not None:
        assignments = assignments.filter(round_id=round_id)
    if state == QueueFilter.TO_DO:
        assignments = assignments.filter(review__isnull=True)
    elif state == QueueFilter.IN_PROGRESS:
        assignments = assignments.filter(review__status=ReviewStatus.DRAFT)
    elif state == QueueFilter.DONE:
        assignments = assignments.filter(review__status=ReviewStatus.SUBMITTED)
    return assignments


def declared_conflicts_for(*, reviewer, round_id: int | None = None) -> QuerySet[Conflict]:
    conflicts = (
        Conflict.objects.filter(reviewer=reviewer, kind=ConflictKind.DECLARED, round__status__in=QUEUE_ROUND_STATUSES)
        .select_related("round", "application", "application__route")
        .order_by("-created_at")
    )
    if round_id is not None:
        conflicts = conflicts.filter(round_id=round_id)
    return conflicts


def _count(assignments: QuerySet[Assignment]) -> Coalesce:
    """How many of these assignments (correlated to the round outside), counted
    through the reviewer's index: never a scan of the round's 30,000."""
    counted = assignments.order_by().values("round").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def queue_progress_for(*, reviewer) -> QuerySet[Round]:
    """The rounds the reviewer has assignments in, each with `assigned` and
    `scored` counts and its due date: one query."""
    mine = Assignment.objects.filter(round=OuterRef("pk"), reviewer=reviewer)
    return (
        Round.objects.filter(status__in=QUEUE_ROUND_STATUSES)
        .filter(Exists(mine))
        .select_related("selection_settings")
        .annotate(assigned=_count(mine), scored=_count(mine.filter(review__status=ReviewStatus.SUBMITTED)))
        .order_by("closes_at")
    )


def assignment_for_scoring() -> QuerySet[Assignment]:
    """Assignments with everything the scoring page shows: the application's
    answers with their criteria, the round's settings and the review's scores."""
    return Assignment.objects.select_related(
        "round",
        "round__selection_settings",
        "application",
        "application__route",
        "application__organisation",
        "review",
    ).prefetch_related(
        Prefetch("application__responses", queryset=CriterionResponse.objects.select_related("criterion")),
        Prefetch("round__criteria"),
        Prefetch("review__scores", queryset=CriterionScore.objects.select_related("criterion")),
    )


def other_reviews_of(*, assignment: Assignment) -> QuerySet[Review]:
    """The other reviewers' submitted reviews of the same application."""
    return (
        Review.objects.filter(assignment__application_id=assignment.application_id, status=ReviewStatus.SUBMITTED)
        .exclude(assignment_id=assignment.pk)
        .select_related("assignment__reviewer")
        .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion")))
        .order_by("submitted_at")
    )
