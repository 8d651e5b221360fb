"""Reads for the reviewer's pages: the queue with its progress, one assignment
for scoring, and other reviewers' scores once one's own is submitted."""

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet

from applications.choices import RoundStatus
from applications.models import CriterionResponse, Round

from ..choices import ConflictKind, QueueFilter, ReviewStatus
from ..conflicts import conflicted_assignment
from ..models import Assignment, Conflict, CriterionScore, Review, ReviewerAgreement
from . import round_count

# Rounds whose assignments a reviewer sees in their queue.
QUEUE_ROUND_STATUSES = (RoundStatus.IN_REVIEW, RoundStatus.DECIDED)
QUEUE_FIELDS = (
    "round__name",
    "round__closes_at",
    "application__reference",
    "application__route__name",
    "review__status",
)
# Oldest deadline first: the round's review due date (a round without one last),
# then its closing date; within a round, by reference.
QUEUE_ORDER = (
    F("round__selection_settings__review_due_on").asc(nulls_last=True),
    "round__closes_at",
    "application__reference",
    "pk",
)


def review_queue_for(*, reviewer, round_id: int | None = None, state: str | None = None) -> QuerySet[Assignment]:
    """The reviewer's assignments in rounds in review (or decided), with the
    application, its route and the review's status joined: one query a page. An
    assignment with a conflict of interest since (declared, or found by the
    automatic rules after an organisation changed) is left out: it opens nothing
    until the programme team moves it."""
    assignments = (
        Assignment.objects.filter(reviewer=reviewer, round__status__in=QUEUE_ROUND_STATUSES)
        .exclude(conflicted_assignment())
        .select_related("round", "application", "application__route", "review")
        # Only what the queue shows: an application row carries its long answers.
        .only(*QUEUE_FIELDS)
        .order_by(*QUEUE_ORDER)
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
    return _stepped_aside(reviewer=reviewer, kind=ConflictKind.DECLARED, round_id=round_id)


def abstentions_for(*, reviewer, round_id: int | None = None) -> QuerySet[Conflict]:
    return _stepped_aside(reviewer=reviewer, kind=ConflictKind.ABSTAINED, round_id=round_id)


def _stepped_aside(*, reviewer, kind: str, round_id: int | None) -> QuerySet[Conflict]:
    conflicts = (
        Conflict.objects.filter(reviewer=reviewer, kind=kind, round__status__in=QUEUE_ROUND_STATUSES)
        .select_related("round", "application", "application__route")
        .order_by("-created_at")
    )
    if round_id is not None:
        conflicts = conflicts.filter(round_id=round_id)
    return conflicts


def queue_progress_for(*, reviewer) -> QuerySet[Round]:
    """The rounds the reviewer has assignments in, each with `assigned` and
    `scored` counts and its due date: one query."""
    mine = Assignment.objects.filter(round=OuterRef("pk"), reviewer=reviewer)
    return (
        Round.objects.filter(status__in=QUEUE_ROUND_STATUSES)
        .filter(Exists(mine))
        .select_related("selection_settings")
        .annotate(assigned=round_count(mine), scored=round_count(mine.filter(review__status=ReviewStatus.SUBMITTED)))
        .order_by(F("selection_settings__review_due_on").asc(nulls_last=True), "closes_at", "pk")
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


def next_unscored_for(*, reviewer, after: Assignment | None = None) -> Assignment | None:
    """The application to open next, in a round in review: the first not yet
    started in queue order, coming after `after` (the one just left, round to the
    start; never `after` itself). Opened afresh (no `after`), a draft when nothing
    is left to start; leaving one, None then: the drafts are listed instead of
    bouncing between them. Two queries at most."""
    unscored = (
        review_queue_for(reviewer=reviewer)
        .filter(round__status=RoundStatus.IN_REVIEW)
        .exclude(review__status=ReviewStatus.SUBMITTED)
    )
    rows = list(unscored.values_list("pk", "review__status"))
    if after is not None:
        position = next((index for index, (pk, _status) in enumerate(rows) if pk == after.pk), None)
        if position is not None:
            rows = rows[position + 1 :] + rows[:position]
    not_started = [pk for pk, status in rows if status is None]
    drafts = [pk for pk, _status in rows] if after is None else []
    chosen = (not_started or drafts or [None])[0]
    if chosen is None:
        return None
    return Assignment.objects.select_related("round").get(pk=chosen)


def drafts_for(*, reviewer) -> QuerySet[Assignment]:
    """The reviewer's reviews saved as drafts in rounds in review, in queue order."""
    return review_queue_for(reviewer=reviewer, state=QueueFilter.IN_PROGRESS).filter(
        round__status=RoundStatus.IN_REVIEW
    )


def has_accepted_agreement(*, reviewer, round_id: int) -> bool:
    return ReviewerAgreement.objects.filter(reviewer_id=reviewer.pk, round_id=round_id).exists()
