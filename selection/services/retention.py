"""Selection's retention services: clearing what reviewers and the programme team
wrote about anonymised applications (run by `selection.retention`'s entries in the
retention schedule, and by erasure).

Selection keeps every score, recommendation, decision and stored score summary of
an anonymised application, so the round's statistics stay as they were; what the
reviewers and the programme team wrote about the person goes."""

from datetime import datetime

from django.db.models import Q, QuerySet

from applications.models import Application

from ..choices import STEPPED_ASIDE_KINDS, PlaceOfferStatus
from ..models import Conflict, CriterionFeedback, CriterionScore, Review

# What a declared conflict's reason becomes (the database requires one).
ANONYMISED_REASON = "Removed when the application was anonymised."


def _of_anonymised(applications: QuerySet[Application] | None, anonymised_before: datetime | None):
    if applications is None:
        applications = Application.objects.filter(anonymised_at__lte=anonymised_before)
    return applications.values("pk")


def criterion_scores_to_clear(
    applications: QuerySet[Application] | None = None, *, anonymised_before: datetime | None = None
) -> QuerySet[CriterionScore]:
    """Comments on criteria of these applications (or of every application
    anonymised by `anonymised_before`) not yet cleared."""
    return CriterionScore.objects.filter(
        review__assignment__application__in=_of_anonymised(applications, anonymised_before)
    ).exclude(comment="")


def reviews_to_clear(
    applications: QuerySet[Application] | None = None, *, anonymised_before: datetime | None = None
) -> QuerySet[Review]:
    return Review.objects.filter(assignment__application__in=_of_anonymised(applications, anonymised_before)).exclude(
        note_to_panel=""
    )


def feedback_to_clear(
    applications: QuerySet[Application] | None = None, *, anonymised_before: datetime | None = None
) -> QuerySet[CriterionFeedback]:
    return CriterionFeedback.objects.filter(application__in=_of_anonymised(applications, anonymised_before)).exclude(
        text=""
    )


def conflicts_to_clear(
    applications: QuerySet[Application] | None = None, *, anonymised_before: datetime | None = None
) -> QuerySet[Conflict]:
    return Conflict.objects.filter(
        application__in=_of_anonymised(applications, anonymised_before), kind__in=STEPPED_ASIDE_KINDS
    ).exclude(Q(reason=ANONYMISED_REASON))


def criterion_scores_clear(scores: QuerySet[CriterionScore]) -> int:
    return scores.update(comment="")


def reviews_clear(reviews: QuerySet[Review]) -> int:
    return reviews.update(note_to_panel="")


def feedback_clear(feedback: QuerySet[CriterionFeedback]) -> int:
    return feedback.update(text="")


def conflicts_clear(conflicts: QuerySet[Conflict]) -> int:
    return conflicts.update(reason=ANONYMISED_REASON)


def reviews_anonymise(*, applications: QuerySet[Application]) -> dict[str, int]:
    """Clear the free text about these applications: reviewers' comments on each
    criterion and notes to the panel, the feedback drafted for the applicant, and
    the reasons given for declared conflicts. Scores, recommendations and
    decisions stay. Idempotent; no audit entry (the caller audits with counts).
    The retention schedule runs the same clearing, in batches, over every
    anonymised application (`selection.retention`)."""
    return {
        "review_comments_cleared": criterion_scores_clear(criterion_scores_to_clear(applications)),
        "review_notes_cleared": reviews_clear(reviews_to_clear(applications)),
        "feedback_cleared": feedback_clear(feedback_to_clear(applications)),
        "conflict_reasons_cleared": conflicts_clear(conflicts_to_clear(applications)),
    }


def applications_place_not_taken(*, cutoff: datetime) -> QuerySet[Application]:
    """Applications whose place was declined before `cutoff`, or whose offer
    lapsed unanswered (its answer-by time passed) before it, not yet
    anonymised: the person never became a member through them, so no
    membership keeps them."""
    return Application.objects.filter(anonymised_at__isnull=True).filter(
        Q(place_offer__status=PlaceOfferStatus.DECLINED, place_offer__responded_at__lt=cutoff)
        | Q(place_offer__status=PlaceOfferStatus.LAPSED, place_offer__respond_by__lt=cutoff)
    )
