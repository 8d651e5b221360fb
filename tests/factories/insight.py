"""Insight test data. `reviewed(...)` and `decide(...)` make one review or one
decision directly (the selection services are tested on their own);
`insight_round(n)` builds a whole reviewed and decided round in bulk: n
applications across regions, roles and routes, three reviews each with a score
per criterion (from reviewers with their own harshness), decisions, nominations,
registrations for updates and the members it brought in."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from applications.choices import ApplicationStatus, RoleCategory, RoundStatus, RouteKind, SubscriptionStatus
from applications.models import (
    Application,
    Nomination,
    NominationQuota,
    NominationStatus,
    Round,
    UpdateSubscription,
)
from members.choices import MemberSource
from members.models import MemberProfile, Organisation, Region, User
from selection.choices import DecisionOutcome, Recommendation, ReviewStatus
from selection.models import ApplicationScore, Assignment, CriterionScore, Decision, Review

from . import OrganisationFactory, RegionFactory
from .applications import RoundFactory, route


def reviewed(
    assignment: Assignment, scores: dict[str, int], *, submitted_at: datetime | None = None, draft: bool = False
) -> Review:
    """A review of the assignment with a score per criterion letter: submitted
    (at `submitted_at`, now by default) unless `draft`."""
    criteria = {criterion.letter: criterion for criterion in assignment.round.criteria.all()}
    review = Review.objects.create(
        assignment=assignment,
        status=ReviewStatus.DRAFT if draft else ReviewStatus.SUBMITTED,
        recommendation="" if draft else Recommendation.MAYBE,
        weighted_total=None if draft else float(sum(scores.values())),
        submitted_at=None if draft else (submitted_at or timezone.now()),
    )
    CriterionScore.objects.bulk_create(
        CriterionScore(review=review, criterion=criteria[letter], score=score) for letter, score in scores.items()
    )
    return review


def stored_scores(application: Application, *, normalised: float | None = None) -> ApplicationScore:
    """The board's stored numbers for the application, from its submitted reviews
    (as selection.services.scores keeps them)."""
    totals = list(
        Review.objects.filter(assignment__application=application, status=ReviewStatus.SUBMITTED).values_list(
            "weighted_total", flat=True
        )
    )
    score, _created = ApplicationScore.objects.update_or_create(
        application=application,
        defaults={
            "round": application.round,
            "reviews_done": len(totals),
            "mean_score": sum(totals) / len(totals) if totals else None,
            "normalised_score": normalised,
        },
    )
    return score


def decide(application: Application, outcome: str, *, released: bool = False) -> Decision:
    now = timezone.now()
    return Decision.objects.create(
        application=application,
        round=application.round,
        outcome=outcome,
        decided_at=now,
        released_at=now if released else None,
    )


@dataclass
class BuiltRound:
    round: Round
    regions: list[Region]
    organisations: list[Organisation]
    reviewers: list[User]
    applications: list[Application] = field(default_factory=list)
    # Reviewers built to score a point lower or higher than everyone else.
    harsh: User | None = None
    lenient: User | None = None


ROLES = [RoleCategory.CLINICIAN, RoleCategory.MANAGER, RoleCategory.PATIENT_LEADER, RoleCategory.RESEARCHER]
BATCH = 5000


def insight_round(
    size: int,
    *,
    reviewers: int = 12,
    reviews_each: int = 3,
    accept_share: float = 0.3,
    seed: int = 9,
    status: str = RoundStatus.DECIDED,
    name: str | None = None,
) -> BuiltRound:
    """A round whose review and decisions are done, built with bulk inserts."""
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    now = timezone.now()
    opens_at, closes_at = now - timedelta(days=60), now - timedelta(days=32)
    routes = [route(RouteKind.OPEN), route(RouteKind.NOMINATED), route(RouteKind.PATIENT_CARER)]
    round = RoundFactory(
        status=status, opens_at=opens_at, closes_at=closes_at, routes=routes, **({"name": name} if name else {})
    )
    tag = f"r{round.pk}"
    regions = [RegionFactory(name=f"Region {tag}-{n}", slug=f"region-{tag}-{n}") for n in range(4)]
    organisations = [OrganisationFactory(name=f"Trust {tag}-{n}", region=regions[n % 4]) for n in range(5)]
    people = User.objects.bulk_create(
        [User(email=f"applicant{n}-{tag}@example.org", display_name=f"Applicant {n}") for n in range(size)],
        batch_size=BATCH,
    )
    panel = User.objects.bulk_create(
        [User(email=f"reviewer{n}-{tag}@example.org", display_name=f"Reviewer {tag} {n:03d}") for n in range(reviewers)]
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                applicant=person,
                round=round,
                full_name=person.display_name,
                job_title="Improvement lead",
                role_category=ROLES[n % len(ROLES)],
                organisation=organisations[n % len(organisations)],
                region=regions[n % len(regions)],
                route=routes[n % len(routes)],
                status=ApplicationStatus.DECIDED if status == RoundStatus.DECIDED else ApplicationStatus.UNDER_REVIEW,
                first_submitted_at=opens_at + timedelta(days=n % 28, hours=9),
                submitted_at=opens_at + timedelta(days=n % 28, hours=9),
                reference=f"I-{round.pk}-{n:06d}",
            )
            for n, person in enumerate(people)
        ],
        batch_size=BATCH,
    )
    # Quality drives the scores; the first reviewer is a point harsher, the
    # second a point more lenient, than the rest.
    quality = [rng.uniform(1.2, 3.8) for _ in applications]
    leniency = [0.0] * reviewers
    if reviewers >= 3:
        leniency[0], leniency[1] = -1.0, 1.0
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(round=round, application=application, reviewer=panel[index])
            for n, application in enumerate(applications)
            for index in rng.sample(range(reviewers), min(reviews_each, reviewers))
        ],
        batch_size=BATCH,
    )
    criteria = list(round.criteria.order_by("letter"))
    position_of = {application.pk: index for index, application in enumerate(applications)}
    reviewer_of = {person.pk: index for index, person in enumerate(panel)}
    scores_of = []
    for assignment in assignments:
        position = position_of[assignment.application_id]
        reviewer_index = reviewer_of[assignment.reviewer_id]
        scores_of.append(
            [
                max(1, min(4, round_half(quality[position] + leniency[reviewer_index] + rng.gauss(0, 0.4))))
                for _criterion in criteria
            ]
        )
    reviews = Review.objects.bulk_create(
        [
            Review(
                assignment=assignment,
                status=ReviewStatus.SUBMITTED,
                recommendation=Recommendation.MAYBE,
                weighted_total=float(sum(scores)),
                submitted_at=closes_at + timedelta(days=1 + n % 21, minutes=n % 600),
            )
            for n, (assignment, scores) in enumerate(zip(assignments, scores_of, strict=True))
        ],
        batch_size=BATCH,
    )
    CriterionScore.objects.bulk_create(
        (
            CriterionScore(review=review, criterion=criterion, score=score)
            for review, scores in zip(reviews, scores_of, strict=True)
            for criterion, score in zip(criteria, scores, strict=True)
        ),
        batch_size=BATCH,
    )
    # The board's stored numbers (kept by selection.services.scores in the product).
    totals: dict[int, list[float]] = {}
    for assignment, scores in zip(assignments, scores_of, strict=True):
        totals.setdefault(assignment.application_id, []).append(float(sum(scores)))
    ApplicationScore.objects.bulk_create(
        [
            ApplicationScore(
                application=application,
                round=round,
                reviews_expected=reviews_each,
                reviews_done=len(totals[application.pk]),
                mean_score=sum(totals[application.pk]) / len(totals[application.pk]),
            )
            for application in applications
        ],
        batch_size=BATCH,
    )
    # Decisions by quality: the best `accept_share` accepted, the next tenth on the
    # waiting list; every other decision released.
    order = sorted(range(len(applications)), key=lambda index: -quality[index])
    accept, waitlist = int(len(order) * accept_share), int(len(order) * 0.1)
    outcomes = {}
    for rank, index in enumerate(order):
        outcomes[index] = (
            DecisionOutcome.ACCEPT
            if rank < accept
            else DecisionOutcome.WAITLIST
            if rank < accept + waitlist
            else DecisionOutcome.UNSUCCESSFUL
        )
    Decision.objects.bulk_create(
        [
            Decision(
                application=application,
                round=round,
                outcome=outcomes[index],
                decided_at=now,
                released_at=now if index % 2 == 0 else None,
            )
            for index, application in enumerate(applications)
        ],
        batch_size=BATCH,
    )
    # The nominated route's applications came through a nomination by their organisation.
    for organisation in organisations:
        NominationQuota.objects.create(round=round, organisation=organisation, places=max(size // 10, 5))
    quotas = {quota.organisation_id: quota for quota in NominationQuota.objects.filter(round=round)}
    Nomination.objects.bulk_create(
        [
            Nomination(
                round=round,
                organisation=application.organisation,
                quota=quotas[application.organisation_id],
                full_name=application.full_name,
                email=f"nominee{index}-{tag}@example.org",
                job_title=application.job_title,
                role_category=application.role_category,
                region=application.region,
                statement="Leads improvement.",
                status=NominationStatus.ACCEPTED,
                nominee=application.applicant,
                application=application,
            )
            for index, application in enumerate(applications)
            if application.route_id == routes[1].pk
        ],
        batch_size=BATCH,
    )
    UpdateSubscription.objects.bulk_create(
        [
            UpdateSubscription(
                email=f"subscriber{n}-{tag}@example.org",
                region=regions[n % len(regions)],
                status=SubscriptionStatus.CONFIRMED,
                consented_at=opens_at - timedelta(days=10),
                confirmed_at=opens_at - timedelta(days=10),
            )
            for n in range(size // 2)
        ],
        batch_size=BATCH,
    )
    MemberProfile.objects.bulk_create(
        [
            MemberProfile(
                user=application.applicant,
                membership_number=f"M{round.pk % 1000:03d}{index:06d}",
                source=MemberSource.APPLICATION,
                joined_on=now.date(),
                cohort_name=round.name,
                full_name=application.full_name,
                job_title=application.job_title,
                role_category=application.role_category,
                organisation=application.organisation,
                region=application.region,
            )
            for index, application in enumerate(applications)
            if outcomes[index] == DecisionOutcome.ACCEPT
        ],
        batch_size=BATCH,
    )
    return BuiltRound(
        round=round,
        regions=regions,
        organisations=organisations,
        reviewers=panel,
        applications=applications,
        harsh=panel[0] if reviewers >= 3 else None,
        lenient=panel[1] if reviewers >= 3 else None,
    )


def round_half(value: float) -> int:
    return int(value + 0.5)
