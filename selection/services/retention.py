"""The retention policy, whole: recruitment's part (`applications.services.retention`)
and selection's, run together daily by Celery beat and audited once with counts.

Selection keeps every score, recommendation, decision and stored score summary of
an anonymised application, so the round's statistics stay as they were; what the
reviewers and the programme team wrote about the person goes."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from applications.models import Application
from applications.services.retention import applications_due_for_anonymisation, recruitment_retention_apply
from q_portal.audit.services import audit_log

from ..choices import ConflictKind
from ..models import Conflict, CriterionFeedback, CriterionScore, Review
from .equality import equality_applications_unlink

# What a declared conflict's reason becomes (the database requires one).
ANONYMISED_REASON = "Removed when the application was anonymised."


def reviews_anonymise(*, applications: QuerySet[Application]) -> dict[str, int]:
    """Clear the free text about these applications: reviewers' comments on each
    criterion and notes to the panel, the feedback drafted for the applicant, and
    the reasons given for declared conflicts. Scores, recommendations and
    decisions stay. Idempotent; no audit entry (the caller audits with counts)."""
    ids = applications.values("pk")
    comments = CriterionScore.objects.filter(review__assignment__application__in=ids).exclude(comment="")
    notes = Review.objects.filter(assignment__application__in=ids).exclude(note_to_panel="")
    feedback = CriterionFeedback.objects.filter(application__in=ids).exclude(text="")
    reasons = Conflict.objects.filter(application__in=ids, kind=ConflictKind.DECLARED).exclude(
        Q(reason=ANONYMISED_REASON)
    )
    return {
        "review_comments_cleared": comments.update(comment=""),
        "review_notes_cleared": notes.update(note_to_panel=""),
        "feedback_cleared": feedback.update(text=""),
        "conflict_reasons_cleared": reasons.update(reason=ANONYMISED_REASON),
    }


@transaction.atomic
def retention_apply(*, now: datetime | None = None) -> dict[str, int]:
    """Apply the whole retention policy once: recruitment's deletions and
    anonymisation, then clear selection's free text about every anonymised
    application (catching any an earlier run or an erasure left). Side effect: one
    audit entry with the counts. Returns the counts."""
    now = now or timezone.now()
    equality_applications_unlink(applications=applications_due_for_anonymisation(now=now))
    counts = recruitment_retention_apply(now=now)
    counts |= reviews_anonymise(applications=Application.objects.filter(anonymised_at__isnull=False))
    audit_log(actor=None, action="retention.run", summary="Retention policy applied", changes=counts)
    return counts
