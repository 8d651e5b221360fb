"""Feedback to applicants: one short text per criterion, written by the programme
team from the reviewers' comments, and approved before it can be sent. Only
approved feedback is released with the decision; once released it is what the
applicant received and no longer changes."""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError

from ..choices import FeedbackStatus
from ..models import CriterionFeedback, Decision

FEEDBACK_MAX_CHARACTERS = 1500


def _locked_unreleased(application: Application) -> Application:
    application = Application.objects.select_for_update().select_related("round").get(pk=application.pk)
    if Decision.objects.filter(application=application, released_at__isnull=False).exists():
        raise PortalError(
            _(
                "The decision on %(reference)s has been released with its feedback, "
                "so the feedback can no longer change."
            )
            % {"reference": application}
        )
    return application


@transaction.atomic
def feedback_save(*, application: Application, texts: Mapping[str, str], approve: bool, by) -> list[CriterionFeedback]:
    """Save the feedback per criterion letter. A blank text removes that
    criterion's feedback; a changed text goes back to draft (it must be approved
    again); with `approve`, every text saved is approved as written. Refused once
    the decision is released. Side effect: one audit entry naming what changed,
    none when nothing did. Returns the application's feedback."""
    application = _locked_unreleased(application)
    criteria = sorted(application.round.criteria.all(), key=lambda criterion: criterion.letter)
    cleaned = {}
    for criterion in criteria:
        text = (texts.get(criterion.letter) or "").strip()
        if len(text) > FEEDBACK_MAX_CHARACTERS:
            raise PortalError(
                _("Keep the feedback on criterion (%(letter)s) to %(max)s characters or fewer: it has %(count)s.")
                % {"letter": criterion.letter, "max": f"{FEEDBACK_MAX_CHARACTERS:,}", "count": f"{len(text):,}"},
                field=f"feedback_{criterion.letter}",
            )
        cleaned[criterion.pk] = text
    existing = {
        row.criterion_id: row for row in CriterionFeedback.objects.select_for_update().filter(application=application)
    }
    now = timezone.now()
    changes: dict[str, str] = {}
    for criterion in criteria:
        text, row = cleaned[criterion.pk], existing.get(criterion.pk)
        if not text:
            if row is not None:
                row.delete()
                changes[criterion.letter] = "removed"
            continue
        if row is None:
            row = CriterionFeedback(application=application, criterion=criterion, text=text, written_by=by)
            row.full_clean(exclude=["application", "criterion"], validate_unique=False)
            row.save(force_insert=True)
            changes[criterion.letter] = "written"
        elif row.text != text:
            row.text, row.written_by = text, by
            row.status, row.approved_by, row.approved_at = FeedbackStatus.DRAFT, None, None
            row.save(update_fields=["text", "written_by", "status", "approved_by", "approved_at", "updated_at"])
            changes[criterion.letter] = "changed"
        if approve and row.status != FeedbackStatus.APPROVED:
            row.status, row.approved_by, row.approved_at = FeedbackStatus.APPROVED, by, now
            row.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
            changes[criterion.letter] = (
                f"{changes[criterion.letter]}, approved" if criterion.letter in changes else "approved"
            )
    if changes:
        audit_log(
            actor=by,
            action="selection.feedback_save",
            target=application,
            summary=_("Feedback: %(what)s")
            % {"what": "; ".join(f"({letter}) {what}" for letter, what in changes.items())},
            changes=changes,
        )
    return list(CriterionFeedback.objects.filter(application=application).select_related("criterion"))


@transaction.atomic
def feedback_approve(*, application: Application, by) -> int:
    """Approve the application's draft feedback as written; returns how many.
    Refused when there is none, or once the decision is released. Side effect:
    one audit entry."""
    application = _locked_unreleased(application)
    drafts = list(
        CriterionFeedback.objects.select_for_update(of=("self",))
        .filter(application=application, status=FeedbackStatus.DRAFT)
        .select_related("criterion")
    )
    if not drafts:
        raise PortalError(_("%(reference)s has no draft feedback to approve.") % {"reference": application})
    now = timezone.now()
    for row in drafts:
        row.status, row.approved_by, row.approved_at = FeedbackStatus.APPROVED, by, now
        row.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    letters = sorted(row.criterion.letter for row in drafts)
    audit_log(
        actor=by,
        action="selection.feedback_approve",
        target=application,
        summary=_("Feedback approved: %(letters)s") % {"letters": ", ".join(f"({letter})" for letter in letters)},
        changes=dict.fromkeys(letters, "approved"),
    )
    return len(drafts)
