"""Conflicts of interest between reviewers and applications, as every reader asks
about them.

Two sorts, kept two ways:
- **Automatic** (`scoring.assignment.CONFLICT_RULES`): the reviewer is the
  applicant, nominated them, or works for the applicant's or the nominating
  organisation (by the organisation record, never by email domain). They follow
  from the records, so they are derived each time they are asked about, never
  stored: a round of 100,000 applications has two million of them, and a reviewer
  or applicant whose organisation changes has (or loses) the conflict at once.
- **The reviewer's own** (a declared conflict, an abstention): `Conflict` rows,
  each with the reviewer's reason.

The rules are written once in Python for whole rounds (`find_conflicts`, used by
assignment) and once here as SQL for one reviewer (their queue, their access);
tests/selection/test_conflicts.py checks the two agree."""

from django.db.models import Exists, OuterRef, Q, Subquery

from applications.models import Application

from .models import Conflict, ReviewerProfile


def automatic_conflict(reviewer_id) -> Q:
    """Applications the automatic rules keep the reviewer away from (a filter on
    Application; `reviewer_id` may be an OuterRef to the query around it). A
    reviewer with no organisation matches no organisation."""
    # The organisation's subquery sits one level further in than the filter.
    outer = OuterRef(reviewer_id) if isinstance(reviewer_id, OuterRef) else reviewer_id
    # Without the model's ordering (by name, a join and a sort): one look-up in the unique index.
    organisation = Subquery(ReviewerProfile.objects.filter(user_id=outer).order_by().values("organisation_id")[:1])
    return (
        Q(applicant_id=reviewer_id)
        | Q(nomination__nominated_by_id=reviewer_id)
        | Q(organisation_id=organisation)
        | Q(nomination__organisation_id=organisation)
    )


def conflicted(*, application_id, reviewer_id) -> Exists:
    """True where the reviewer has a conflict of interest with the application,
    automatic or their own: an expression, so a list filters with it in its own
    query (`application_id` and `reviewer_id` may be OuterRefs)."""
    automatic = Application.objects.filter(automatic_conflict(reviewer_id), pk=application_id)
    own = Conflict.objects.filter(application_id=application_id, reviewer_id=reviewer_id)
    return Exists(automatic.values("pk")) | Exists(own)


def has_conflict(*, application_id: int, reviewer_id: int) -> bool:
    """Whether the reviewer has a conflict of interest with the application: one query."""
    return Application.objects.filter(conflicted(application_id=application_id, reviewer_id=reviewer_id)).exists()


def conflicted_assignment():
    """For a queryset of Assignment: its reviewer has a conflict with its application."""
    return conflicted(application_id=OuterRef("application_id"), reviewer_id=OuterRef("reviewer_id"))
