"""Demo selection data for `seed_demo`, run after `applications.demo.seed_recruitment`:
takes the closed pilot round through selection to the end. The two demo reviewers
get a profile and are assigned automatically (reviewer@ has a conflict of
interest with one applicant, so that application is short of a reviewer), score
every application (one pair of reviews disagrees sharply), the programme team
moderates the two applications that need it, decides by normalised score (as
many accepted as the round has places, eight; four on the waiting list; the rest
unsuccessful), approves feedback and releases the decisions. Five accepted
applicants confirm their places and become members, one declines (the place goes
automatically to the first on the waiting list) and two have not answered yet,
so every place is confirmed or offered.

Idempotent: a pilot already decided is left as it is; otherwise each step only
does what is missing, in one transaction."""

from django.db import transaction
from django.db.models import F

from applications.choices import RoundStatus
from applications.demo_people import PILOT_APPLICANTS
from applications.models import Application, Round
from members.models import Organisation, Region, User

from .choices import REVIEWED_STATUSES, DecisionOutcome, PlaceOfferStatus, Recommendation, ReviewStatus
from .models import ApplicationScore, Assignment, PlaceOffer
from .services.assignments import assignments_auto
from .services.decisions import decision_set
from .services.feedback import feedback_save
from .services.moderation import moderation_review_save
from .services.places import place_confirm, place_decline
from .services.release import decisions_release
from .services.reviews import review_save
from .services.scores import scores_refresh_round
from .services.settings import reviewer_profile_set

PILOT = "Pilot, summer 2026"

# reviewer@ works for a trust that one pilot applicant also works for: the demo
# shows an automatic conflict and an application short of a reviewer.
REVIEWERS = [
    ("reviewer@example.org", "Sheffield Teaching Hospitals NHS Foundation Trust", "Yorkshire and Humber"),
    ("reviewer2@example.org", "Healthcare Improvement Scotland", "Scotland"),
]

# What the reviewers give an answer of each quality (`applications.demo_people`):
# scores on (a, b, c), recommendation, and a comment on (a). The second reviewer
# is a point harsher on one criterion and a step more cautious, so scores spread
# without crossing the moderation threshold.
BY_QUALITY = {
    4: ((4, 4, 3), (Recommendation.ACCEPT, Recommendation.ACCEPT), "Compelling: a clear personal role and a "
        "measured change, with honest reflection."),
    3: ((3, 3, 3), (Recommendation.ACCEPT, Recommendation.MAYBE), "A good example; the reflection on the method "
        "could go further."),
    2: ((2, 3, 2), (Recommendation.MAYBE, Recommendation.DO_NOT_ACCEPT), "Describes the team's work more than "
        "the applicant's own role."),
    1: ((1, 2, 1), (Recommendation.DO_NOT_ACCEPT, Recommendation.DO_NOT_ACCEPT), "Little evidence against the "
        "criterion."),
}  # fmt: skip
QUALITY_OF = {person.name: person.quality for person in PILOT_APPLICANTS}
# The divergent pair: the reviewers disagree by three points and on whether to accept.
DIVERGENT = (
    ((4, 4, 3), Recommendation.ACCEPT, "An outstanding example of co-production with patients."),
    ((1, 2, 1), Recommendation.DO_NOT_ACCEPT, "I could not see the applicant's own contribution."),
)
MODERATOR_SCORES = ((3, 3, 3), Recommendation.MAYBE, "Moderated: a real contribution, described modestly.")

# As many accepted as the pilot has places (applications.demo), four on the waiting list.
ACCEPTED, WAITLISTED = 8, 4
# Among the accepted, best first: who confirmed their place and who declined it
# (the two others have not answered yet).
CONFIRMING, DECLINING = (0, 1, 2, 4, 5), 3

FEEDBACK = {
    DecisionOutcome.ACCEPT: {
        "a": "A clear account of your own part in a collaborative project, and of what changed because of it.",
    },
    DecisionOutcome.WAITLIST: {
        "b": "Good evidence of improvement work. Say more about your personal contribution and what you learnt.",
    },
    DecisionOutcome.UNSUCCESSFUL: {
        "a": "Your answers described your team's work well; we needed to hear more about your own role in it.",
        "c": "Reflect on why you chose the methods you used and what you would do differently next time.",
    },
}


@transaction.atomic
def seed_selection() -> None:
    pilot = Round.objects.filter(name=PILOT).first()
    if pilot is None or pilot.status not in (RoundStatus.CLOSED, RoundStatus.IN_REVIEW):
        return
    programme = User.objects.get(email="programme@example.org")
    reviewers = _reviewers(programme)
    assignments_auto(round=pilot, by=programme)
    to_moderate = _score(pilot, reviewers)
    for application in to_moderate:
        (a, b, c), recommendation, comment = MODERATOR_SCORES
        moderation_review_save(
            application=application,
            by=programme,
            scores={"a": a, "b": b, "c": c},
            comments={"a": comment},
            recommendation=recommendation,
            note_to_panel="",
            submit=True,
        )
    scores_refresh_round(round=pilot)
    ranked = list(
        Application.objects.filter(round=pilot, status__in=REVIEWED_STATUSES)
        .select_related("round")
        .order_by(F("score_summary__normalised_score").desc(nulls_last=True), "reference")
    )
    for position, application in enumerate(ranked):
        outcome = (
            DecisionOutcome.ACCEPT
            if position < ACCEPTED
            else DecisionOutcome.WAITLIST
            if position < ACCEPTED + WAITLISTED
            else DecisionOutcome.UNSUCCESSFUL
        )
        decision_set(application=application, outcome=outcome, by=programme)
        feedback_save(application=application, texts=FEEDBACK[outcome], approve=True, by=programme)
    # One draft the team has not approved: it is never sent.
    feedback_save(
        application=ranked[-1],
        texts={**FEEDBACK[DecisionOutcome.UNSUCCESSFUL], "b": "Draft: soften this before approving."},
        approve=False,
        by=programme,
    )
    decisions_release(round=pilot, by=programme)
    _take_up_places(ranked[:ACCEPTED])


def _reviewers(programme: User) -> list[User]:
    reviewers = []
    for email, organisation, region in REVIEWERS:
        reviewer = User.objects.get(email=email)
        reviewer_profile_set(
            reviewer=reviewer,
            by=programme,
            organisation=Organisation.objects.filter(name=organisation).first(),
            region=Region.objects.filter(name=region).first(),
        )
        reviewers.append(reviewer)
    return reviewers


def _score(pilot: Round, reviewers: list[User]) -> list[Application]:
    """Submit every review not yet submitted; returns the applications that need
    moderation: the divergent pair's, and the one short of a reviewer."""
    assignments = (
        Assignment.objects.filter(round=pilot, is_moderation=False)
        .select_related("round", "application")
        .order_by("application__reference", "reviewer__email")
    )
    by_application: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        by_application.setdefault(assignment.application_id, []).append(assignment)
    pairs = [pair for pair in by_application.values() if len(pair) == len(reviewers)]
    divergent = pairs[0][0].application if pairs else None
    for index, pair in enumerate(by_application.values()):
        for which, assignment in enumerate(pair):
            if hasattr(assignment, "review") and assignment.review.status == ReviewStatus.SUBMITTED:
                continue
            if assignment.application == divergent:
                (a, b, c), recommendation, comment = DIVERGENT[which]
            else:
                scores, recommendations, comment = BY_QUALITY[QUALITY_OF.get(assignment.application.full_name, 3)]
                a, b, c = (
                    max(1, score - 1) if which == 1 and letter == index % 3 else score
                    for letter, score in enumerate(scores)
                )
                recommendation = recommendations[min(which, 1)]
            review_save(
                assignment=assignment,
                by=assignment.reviewer,
                scores={"a": a, "b": b, "c": c},
                comments={"a": comment},
                recommendation=recommendation,
                note_to_panel="",
                submit=True,
            )
    return list(
        Application.objects.filter(
            pk__in=ApplicationScore.objects.filter(round=pilot, needs_moderation=True).values("application")
        ).order_by("reference")
    )


def _take_up_places(accepted: list[Application]) -> None:
    offers = {
        offer.application_id: offer
        for offer in PlaceOffer.objects.filter(application__in=accepted).select_related("application__applicant")
    }
    for position, application in enumerate(accepted):
        offer = offers.get(application.pk)
        if offer is None or offer.status != PlaceOfferStatus.OFFERED:
            continue
        if position in CONFIRMING:
            place_confirm(offer=offer, by=offer.application.applicant, agrees_to_compact=True)
        elif position == DECLINING:
            place_decline(
                offer=offer, by=offer.application.applicant, reason="I have taken a new job abroad this autumn."
            )
