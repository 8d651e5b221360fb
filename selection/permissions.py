"""Who may see and do what in selection. Predicates and guards; views, templates
and services use the same ones. A reviewer's forbidden application answers 404:
whether an application exists is private."""

from django.http import Http404

from q_portal.roles import Role, has_role

from .conflicts import has_conflict
from .models import Assignment


def is_reviewer(user) -> bool:
    return user.is_authenticated and user.is_active and has_role(user, Role.REVIEWER)


def can_review_assignment(user, assignment: Assignment) -> bool:
    """The assigned reviewer, with no conflict of interest with the application:
    one they declared, or one the automatic rules find now (so an organisation
    changed since the assignment takes their access at once)."""
    return (
        is_reviewer(user)
        and assignment.reviewer_id == user.pk
        and not has_conflict(application_id=assignment.application_id, reviewer_id=user.pk)
    )


def get_assignment_for_reviewer_or_404(*, user, pk: int, queryset=None) -> Assignment:
    """The reviewer's own assignment, or 404 for anyone else's, an unknown one,
    or one with a conflict of interest."""
    queryset = queryset if queryset is not None else Assignment.objects.all()
    assignment = queryset.filter(pk=pk, reviewer_id=user.pk).first()
    if assignment is None or not can_review_assignment(user, assignment):
        raise Http404
    return assignment


def can_see_other_reviews(*, own_review) -> bool:
    """Independent scoring: others' scores only once one's own is submitted."""
    return own_review is not None and own_review.status == "submitted"
