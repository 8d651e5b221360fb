"""Reads for the programme team's selection pages: rounds, reviewers' loads,
rankings (weighted or normalised), and one application's assignments, conflicts,
reviews and audit trail."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from applications.choices import RoundStatus
from applications.models import Application, Round
from members.models import User
from q_portal.audit.models import AuditEntry
from q_portal.roles import Role

from ..choices import REVIEWED_STATUSES, ReviewStatus
from ..models import Assignment, Conflict, CriterionScore, ReviewerCapacity, SelectionSettings
from ..scoring import normalised_scores

SELECTION_ROUND_STATUSES = (RoundStatus.CLOSED, RoundStatus.IN_REVIEW, RoundStatus.DECIDED)


def rounds_for_selection() -> QuerySet[Round]:
    """Closed, in-review and decided rounds with their numbers: one query."""
    return (
        Round.objects.filter(status__in=SELECTION_ROUND_STATUSES)
        .annotate(
            reviewed_applications=Count(
                "applications", filter=Q(applications__status__in=REVIEWED_STATUSES), distinct=True
            ),
            assignment_count=Count("assignments", distinct=True),
        )
        .order_by("-closes_at")
    )


def round_selection_numbers(*, round: Round, settings: SelectionSettings) -> dict[str, int]:
    """How far the round's review has got: three queries."""
    applications = Application.objects.filter(round=round, status__in=REVIEWED_STATUSES).annotate(
        reviewers=Count("assignments")
    )
    reviews = Assignment.objects.filter(round=round).aggregate(
        assignments=Count("pk"), submitted=Count("pk", filter=Q(review__status=ReviewStatus.SUBMITTED))
    )
    return {
        "applications": applications.count(),
        "short": applications.filter(reviewers__lt=settings.reviewers_per_application).count(),
        "assignments": reviews["assignments"],
        "submitted": reviews["submitted"],
        "conflicts": Conflict.objects.filter(round=round).count(),
    }


def reviewers_for_round(*, round: Round, default_capacity: int) -> QuerySet[User]:
    """Active reviewers with their profile, their load (`assigned`, `submitted`)
    and capacity in the round: one query a page."""
    assigned = (
        Assignment.objects.filter(round=round, reviewer=OuterRef("pk"))
        .values("reviewer")
        .annotate(count=Count("pk"))
        .values("count")
    )
    submitted = (
        Assignment.objects.filter(round=round, reviewer=OuterRef("pk"), review__status=ReviewStatus.SUBMITTED)
        .values("reviewer")
        .annotate(count=Count("pk"))
        .values("count")
    )
    capacity = ReviewerCapacity.objects.filter(round=round, reviewer=OuterRef("pk")).values("capacity")
    return (
        User.objects.filter(groups__name=Role.REVIEWER, is_active=True)
        .select_related("reviewer_profile__organisation", "reviewer_profile__region")
        .annotate(
            assigned=Coalesce(Subquery(assigned, output_field=IntegerField()), 0),
            submitted=Coalesce(Subquery(submitted, output_field=IntegerField()), 0),
            capacity=Coalesce(Subquery(capacity, output_field=IntegerField()), Value(default_capacity)),
        )
        .order_by("display_name", "pk")
    )


def ranking_weighted(*, round: Round) -> QuerySet[Application]:
    """The round's reviewed applications with `score` (mean of the submitted
    reviews' weighted totals), `reviewers` and `submitted`, best first, the
    unscored last: one query a page."""
    return (
        Application.objects.filter(round=round, status__in=REVIEWED_STATUSES)
        .select_related("route")
        .annotate(
            score=Avg(
                "assignments__review__weighted_total", filter=Q(assignments__review__status=ReviewStatus.SUBMITTED)
            ),
            reviewers=Count("assignments", distinct=True),
            submitted=Count("assignments", filter=Q(assignments__review__status=ReviewStatus.SUBMITTED), distinct=True),
        )
        .order_by(F("score").desc(nulls_last=True), "reference")
    )


def ranking_normalised(*, round: Round) -> list[tuple[int, float]]:
    """[(application id, mean z-score)], best first: z-scores per reviewer over
    every submitted review in the round (one query, computed in memory)."""
    rows = Assignment.objects.filter(round=round, review__status=ReviewStatus.SUBMITTED).values_list(
        "application_id", "reviewer_id", "review__weighted_total"
    )
    scores = normalised_scores(rows)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def applications_by_id(ids: list[int]) -> dict[int, Application]:
    return {
        application.pk: application
        for application in Application.objects.filter(pk__in=ids)
        .select_related("route")
        .annotate(
            score=Avg(
                "assignments__review__weighted_total", filter=Q(assignments__review__status=ReviewStatus.SUBMITTED)
            ),
            submitted=Count("assignments", filter=Q(assignments__review__status=ReviewStatus.SUBMITTED), distinct=True),
        )
    }


def application_for_selection() -> QuerySet[Application]:
    return Application.objects.select_related("round", "round__selection_settings", "route", "organisation", "region")


def assignments_of(*, application: Application) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(application=application)
        .select_related("reviewer", "reviewer__reviewer_profile__organisation", "review")
        .prefetch_related(Prefetch("review__scores", queryset=CriterionScore.objects.select_related("criterion")))
        .order_by("pk")
    )


def conflicts_of(*, application: Application) -> QuerySet[Conflict]:
    return Conflict.objects.filter(application=application).select_related("reviewer").order_by("created_at")


def audit_of(*, application: Application) -> QuerySet[AuditEntry]:
    """Every audited change to the application, newest first, with who did it."""
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(Application), target_id=str(application.pk)
    ).select_related("actor")
