"""Demo selection data for `seed_demo`, run after `applications.demo.seed_recruitment`:
puts the closed pilot round in review, gives the two demo reviewers a profile,
assigns them automatically, and scores some applications. Idempotent: assignment
only tops up, and an application already scored is left as it is."""

from django.db import transaction

from applications.choices import RoundStatus
from applications.models import Round
from members.models import Organisation, Region, User

from .choices import Recommendation, ReviewStatus
from .models import Assignment
from .services.assignments import assignments_auto
from .services.reviews import review_save
from .services.settings import reviewer_profile_set

PILOT = "Pilot, summer 2026"

# reviewer@ works for a trust that one pilot applicant also works for: the demo
# shows an automatic conflict and an application short of a reviewer.
REVIEWERS = [
    ("reviewer@example.org", "Sheffield Teaching Hospitals NHS Foundation Trust", "Yorkshire and Humber", 6),
    ("reviewer2@example.org", "Healthcare Improvement Scotland", "Scotland", 4),
]

# (criterion a, b, c), recommendation, comment: the demo reviewers' scores.
SCORES = [
    ((4, 3, 3), Recommendation.ACCEPT, "A clear personal role and measurable change."),
    ((3, 3, 2), Recommendation.MAYBE, "Good example; reflection on the method is thin."),
    ((2, 2, 2), Recommendation.DO_NOT_ACCEPT, "The answers describe the team's work, not the applicant's role."),
    ((4, 4, 3), Recommendation.ACCEPT, "Compelling and reflective."),
    ((3, 2, 3), Recommendation.MAYBE, "Honest reflection; the impact is less clear."),
    ((1, 2, 2), Recommendation.DO_NOT_ACCEPT, "Little evidence against the criteria."),
]


@transaction.atomic
def seed_selection() -> None:
    pilot = Round.objects.filter(name=PILOT).first()
    if pilot is None or pilot.status not in (RoundStatus.CLOSED, RoundStatus.IN_REVIEW):
        return
    programme = User.objects.get(email="programme@example.org")
    reviewers = []
    for email, organisation, region, _to_score in REVIEWERS:
        reviewer = User.objects.get(email=email)
        reviewer_profile_set(
            reviewer=reviewer,
            by=programme,
            organisation=Organisation.objects.filter(name=organisation).first(),
            region=Region.objects.filter(name=region).first(),
        )
        reviewers.append(reviewer)
    assignments_auto(round=pilot, by=programme)
    for reviewer, (_email, _organisation, _region, to_score) in zip(reviewers, REVIEWERS, strict=True):
        assignments = Assignment.objects.filter(round=pilot, reviewer=reviewer).select_related("round", "application")
        for index, assignment in enumerate(assignments.order_by("application__reference")[:to_score]):
            if hasattr(assignment, "review") and assignment.review.status == ReviewStatus.SUBMITTED:
                continue
            (a, b, c), recommendation, comment = SCORES[(index + len(_email)) % len(SCORES)]
            review_save(
                assignment=assignment,
                by=reviewer,
                scores={"a": a, "b": b, "c": c},
                comments={"a": comment, "b": "", "c": ""},
                recommendation=recommendation,
                note_to_panel="",
                # The last one stays a draft, so the queue shows work in progress.
                submit=index < to_score - 1,
            )
