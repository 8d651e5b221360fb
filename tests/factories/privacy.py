"""A person with something in every part of the portal, and reviewed rounds whose
statistics erasure and retention must keep."""

from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from applications.choices import SubscriptionStatus
from applications.models import Application, Nomination, NominationStatus, Round, UpdateSubscription
from members.models import Pledge, User
from q_portal.outbox.services import email_queue
from selection.choices import DecisionOutcome, Recommendation
from selection.models import ApplicationScore, Assignment, Decision, Review
from selection.services.decisions import decision_set
from selection.services.feedback import feedback_save
from selection.services.reviews import review_save
from selection.services.scores import scores_refresh_round

from . import OrganisationFactory, RegionFactory, UserFactory
from .members import MemberFactory
from .selection import assign, review_round, reviewer_with_profile, submitted_application


def reviewed(application: Application, reviewer: User, *, scores: dict, comment: str = "", note: str = "") -> Review:
    """A submitted review, through the reviewer's own service."""
    assignment = Assignment.objects.filter(application=application, reviewer=reviewer).first() or assign(
        application, reviewer
    )
    return review_save(
        assignment=assignment,
        by=reviewer,
        scores=scores,
        comments=dict.fromkeys(scores, comment) if comment else {},
        recommendation=Recommendation.MAYBE,
        note_to_panel=note,
        submit=True,
    )


@dataclass
class ReviewedRound:
    round: Round
    applications: list[Application]
    reviewers: list[User]


def reviewed_round(size: int = 4) -> ReviewedRound:
    """A round in review: `size` applications, each scored by two of three
    reviewers with different leniency, so normalised scores depend on every review."""
    round = review_round()
    reviewers = [reviewer_with_profile() for _ in range(3)]
    applications = [submitted_application(round) for _ in range(size)]
    for position, application in enumerate(applications):
        for offset in (0, 1):
            index = (position + offset) % 3
            level = 1 + (position + index) % 4
            reviewed(
                application,
                reviewers[index],
                scores={"a": level, "b": max(1, level - 1), "c": 4},
                comment=f"Comment by reviewer {index} on {application.full_name}",
                note=f"Note on {application.full_name}",
            )
    scores_refresh_round(round=round)
    return ReviewedRound(round=round, applications=applications, reviewers=reviewers)


def round_statistics(round: Round) -> dict:
    """What the round's figures are made of, recomputed from the reviews: every
    application's stored scores after a fresh refresh, and counts by group."""
    scores_refresh_round(round=round)
    applications = Application.objects.filter(round=round)
    return {
        "applications": applications.count(),
        "by_status": dict(applications.values_list("status").annotate(n=Count("pk"))),
        "by_region": sorted(applications.values_list("region_id").annotate(n=Count("pk"))),
        "by_route": sorted(applications.values_list("route_id").annotate(n=Count("pk"))),
        "by_role": sorted(applications.values_list("role_category").annotate(n=Count("pk"))),
        "reviews": sorted(
            Review.objects.filter(assignment__round=round).values_list(
                "assignment__application_id", "weighted_total", "recommendation"
            )
        ),
        "scores": sorted(
            (row[0], row[1], round_float(row[2]), round_float(row[3]))
            for row in ApplicationScore.objects.filter(round=round).values_list(
                "application_id", "reviews_done", "mean_score", "normalised_score"
            )
        ),
        "decisions": sorted(Decision.objects.filter(round=round).values_list("application_id", "outcome")),
    }


def round_float(value):
    return None if value is None else round(value, 9)


def person_everywhere(user: User, *, nomination_status: str = NominationStatus.OPENED) -> dict:
    """Give `user` a submitted, reviewed application, a nomination (opened but not
    taken up, unless `nomination_status` is accepted: then it led to the
    application), a registration for updates, an email, and a member profile with
    a pledge. Returns the objects."""
    round_data = reviewed_round(size=3)
    application = round_data.applications[0]
    application.applicant = user
    application.full_name = "Petra Person"
    application.route_evidence = "Petra's evidence"
    application.save(update_fields=["applicant", "full_name", "route_evidence"])
    nomination = Nomination.objects.create(
        round=round_data.round,
        organisation=OrganisationFactory(),
        full_name="Petra Person",
        email=user.email.upper(),
        job_title="Matron",
        role_category="clinician",
        region=RegionFactory(),
        statement="Petra leads the falls programme.",
        nominee=user if nomination_status == NominationStatus.ACCEPTED else None,
        application=application if nomination_status == NominationStatus.ACCEPTED else None,
        status=nomination_status,
    )
    subscription = UpdateSubscription.objects.create(
        email=user.email, name="Petra", status=SubscriptionStatus.CONFIRMED, consented_at=timezone.now()
    )
    email = email_queue(
        to=user.email, subject="Application received", body_text="Your application was received", key=f"t-{user.pk}"
    )
    member = MemberFactory(user=user, full_name="Petra Person", bio="Petra's biography")
    Pledge.objects.create(member=member, text="Petra will mentor two people")
    return {
        "round": round_data,
        "application": application,
        "nomination": nomination,
        "subscription": subscription,
        "email": email,
        "member": member,
    }


def bystander() -> User:
    """Someone else, whose data must never appear in another person's export."""
    user = UserFactory(display_name="Bernard Bystander")
    email_queue(to=user.email, subject="For Bernard", body_text="Bernard's secret", key=f"b-{user.pk}")
    return user


# The programme team's feedback on the application of `selection_working`.
APPROVED_FEEDBACK = "Your evidence of leading change across the trust was strong."
DRAFT_FEEDBACK = "Draft only: says little about spreading the learning."


def selection_working(application: Application, *, team: User, outcome: str = DecisionOutcome.ACCEPT) -> Decision:
    """The team's working on a reviewed application before release, through their
    own services: approved feedback on (a), draft feedback on (b) and an
    unreleased decision."""
    feedback_save(application=application, texts={"a": APPROVED_FEEDBACK}, approve=True, by=team)
    feedback_save(application=application, texts={"a": APPROVED_FEEDBACK, "b": DRAFT_FEEDBACK}, approve=False, by=team)
    return decision_set(application=application, outcome=outcome, by=team)
