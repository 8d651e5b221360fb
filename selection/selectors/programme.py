"""Reads for the programme team's selection pages: rounds, reviewers' loads,
and one application's assignments, conflicts, reviews and audit trail. (The
ranked applications are the selection board: `selection.selectors.board`.)"""

from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from applications.choices import ApplicationStatus, RoundStatus
from applications.models import Application, Round
from members.models import User
from q_portal.audit.models import AuditEntry
from q_portal.roles import Role
from scoring.assignment import ApplicationFacts, ReviewerFacts, find_conflicts

from ..choices import REVIEWED_STATUSES, ConflictKind, ReviewStatus
from ..models import ApplicationScore, Assignment, Conflict, CriterionScore, ReviewerCapacity, SelectionSettings
from . import FIGURES_MAX_AGE, round_count
from .decisions import with_decision_panel

SELECTION_ROUND_STATUSES = (RoundStatus.CLOSED, RoundStatus.IN_REVIEW, RoundStatus.DECIDED)
# Applications that count as submitted (and were not withdrawn).
SUBMITTED_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.DECIDED)


def progress_current(*, now: datetime, prefix: str = "progress__", age: timedelta = FIGURES_MAX_AGE) -> Q:
    """Rounds whose kept figures may be shown as they are: counted since the
    programme team's last change to the round and less than `age` ago.
    `prefix` is the path to the `RoundProgress` from a round."""
    return Q(**{f"{prefix}counted_changes": F(f"{prefix}changes"), f"{prefix}counted_at__gte": now - age})


def kept_or(name: str, counted, *, now: datetime) -> Case:
    """A round's kept progress figure `name` where current, else `counted` (a
    subquery, which PostgreSQL evaluates only for such a round)."""
    return Case(
        When(progress_current(now=now), then=F(f"progress__{name}")), default=counted, output_field=IntegerField()
    )


def rounds_for_selection(*, now: datetime) -> QuerySet[Round]:
    """Closed, in-review and decided rounds with their numbers, in one query:
    each round's kept figures (`RoundProgress`) where they are current, else
    counted, each number its own subquery, evaluated only for such a round.
    (Counted over one join of a round's applications and its assignments, a
    round of 100,000 applications and 300,000 assignments was 3 x 10^10 joined
    rows: the page never came back.)"""
    reviewed = Application.objects.filter(round=OuterRef("pk"), status__in=REVIEWED_STATUSES)
    assignments = Assignment.objects.filter(round=OuterRef("pk"))
    return (
        Round.objects.filter(status__in=SELECTION_ROUND_STATUSES)
        .annotate(
            reviewed_applications=kept_or("applications", round_count(reviewed), now=now),
            assignment_count=kept_or("assignments", round_count(assignments), now=now),
        )
        .order_by("-closes_at")
    )


def round_review_counts(*, round: Round, settings: SelectionSettings, today: date) -> dict[str, int]:
    """How far the round's review has got, counted now (as `RoundProgress`
    keeps it): four queries, none counting over a join of every application
    with its assignments (the short ones are all the applications less those
    with enough reviewers). Reviewers are overdue with a review not submitted
    once the round's review date is before `today`."""
    applications = Application.objects.filter(round=round).aggregate(
        applications=Count("pk", filter=Q(status__in=REVIEWED_STATUSES)),
        submitted_applications=Count("pk", filter=Q(status__in=SUBMITTED_STATUSES)),
        drafts=Count("pk", filter=Q(status=ApplicationStatus.DRAFT)),
    )
    with_enough = (
        Assignment.objects.filter(round=round, is_moderation=False, application__status__in=REVIEWED_STATUSES)
        .values("application_id")
        .annotate(reviewers=Count("pk"))
        .filter(reviewers__gte=settings.reviewers_per_application)
        .count()
    )
    submitted = Q(review__status=ReviewStatus.SUBMITTED)
    figures = {"assignments": Count("pk"), "submitted": Count("pk", filter=submitted)}
    if settings.review_due_on is not None and settings.review_due_on < today:
        figures["overdue_reviewers"] = Count("reviewer_id", filter=~submitted, distinct=True)
    reviews = {"overdue_reviewers": 0, **Assignment.objects.filter(round=round).aggregate(**figures)}
    needs_moderation = ApplicationScore.objects.filter(round=round, needs_moderation=True).count()
    return {
        **applications,
        "short": applications["applications"] - with_enough,
        **reviews,
        "needs_moderation": needs_moderation,
    }


def round_stepped_aside(*, round: Round) -> dict[str, int]:
    """The round's declared conflicts of interest and abstentions: one query
    over the few rows reviewers wrote themselves."""
    abstained = Q(kind=ConflictKind.ABSTAINED)
    return Conflict.objects.filter(round=round).aggregate(
        conflicts=Count("pk", filter=~abstained), abstentions=Count("pk", filter=abstained)
    )


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


def application_for_selection() -> QuerySet[Application]:
    return with_decision_panel(
        Application.objects.select_related(
            "round",
            "round__selection_settings",
            "route",
            "organisation",
            "region",
            "score_summary",
            "decision",
            "nomination",
        )
    )


def assignments_of(*, application: Application) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(application=application)
        .select_related("reviewer", "reviewer__reviewer_profile__organisation", "review")
        .prefetch_related(Prefetch("review__scores", queryset=CriterionScore.objects.select_related("criterion")))
        .order_by("pk")
    )


def conflicts_of(*, application: Application) -> list[Conflict]:
    """The application's conflicts of interest: the automatic ones the rules find
    now among the active reviewers (unsaved rows, without a date: they are never
    stored), then those reviewers declared and their abstentions, oldest first:
    three queries (with the nomination loaded, as `application_for_selection` does)."""
    nomination = getattr(application, "nomination", None)
    facts = [
        ApplicationFacts(
            id=application.pk,
            applicant_id=application.applicant_id,
            organisation_id=application.organisation_id,
            nominated_by_id=nomination and nomination.nominated_by_id,
            nominating_organisation_id=nomination and nomination.organisation_id,
        )
    ]
    reviewers = [
        ReviewerFacts(id=pk, organisation_id=organisation_id)
        for pk, organisation_id in User.objects.filter(groups__name=Role.REVIEWER, is_active=True)
        .values_list("pk", "reviewer_profile__organisation_id")
        .distinct()
    ]
    found = {reviewer_id: kind for (_application_id, reviewer_id), kind in find_conflicts(facts, reviewers).items()}
    automatic = [
        Conflict(application=application, reviewer=reviewer, kind=found[reviewer.pk])
        for reviewer in User.objects.filter(pk__in=found).order_by("display_name", "pk")
    ]
    own = Conflict.objects.filter(application=application).select_related("reviewer").order_by("created_at")
    return automatic + list(own)


def audit_of(*, application: Application) -> QuerySet[AuditEntry]:
    """Every audited change to the application, newest first, with who did it."""
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(Application), target_id=str(application.pk)
    ).select_related("actor")
