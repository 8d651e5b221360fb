from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.choices import ApplicationStatus

# Applications that are reviewed: submitted by the deadline and not withdrawn.
REVIEWED_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)


class ConflictKind(models.TextChoices):
    SAME_ORGANISATION = "same_organisation", _("Works for the applicant's organisation")
    IS_APPLICANT = "is_applicant", _("Is the applicant")
    NOMINATED = "nominated", _("Nominated the applicant, or works for the nominating organisation")
    DECLARED = "declared", _("Declared by the reviewer")
    # Not a conflict: the reviewer steps aside (e.g. outside their experience);
    # kept with the conflicts so it takes the same path out of their queue.
    ABSTAINED = "abstained", _("The reviewer abstained")


# A reviewer's own reasons for stepping aside: each needs a reason in their words.
STEPPED_ASIDE_KINDS = (ConflictKind.DECLARED, ConflictKind.ABSTAINED)


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


class Recommendation(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    MAYBE = "maybe", _("Maybe")
    DO_NOT_ACCEPT = "do_not_accept", _("Do not accept")


class QueueFilter(models.TextChoices):
    TO_DO = "to_do", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CONFLICT = "conflict", _("Declared conflict")
    ABSTAINED = "abstained", _("Abstained")


# The default rubric: a score from 1 to 4, each level with what it means.
DEFAULT_RUBRIC = {
    "1": "Little or no evidence: the answer does not address the criterion.",
    "2": "Some evidence: the answer touches the criterion but lacks a clear example or personal role.",
    "3": "Good evidence: a clear example with the applicant's own role and what changed.",
    "4": "Excellent evidence: a compelling example, reflective and with clear impact.",
}


class DecisionOutcome(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    WAITLIST = "waitlist", _("Waiting list")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")


class FeedbackStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class PlaceOfferStatus(models.TextChoices):
    OFFERED = "offered", _("Offered, waiting for an answer")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("Lapsed: no answer in time")


class WaitlistPromotion(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatically, to the next on the waiting list")
    MANUAL = "manual", _("When the programme team chooses")


class GroupDimension(models.TextChoices):
    """The groups a cohort is described by in the decision room and the insight."""

    REGION = "region", _("Region")
    ROLE_CATEGORY = "role_category", _("Role")
    ROUTE = "route", _("Route")


class ReleaseRunStatus(models.TextChoices):
    """A release of a round's decisions, run by a Celery task in batches."""

    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Releasing")
    DONE = "done", _("Released")
    FAILED = "failed", _("Stopped by a problem")


ACTIVE_RELEASE_STATUSES = (ReleaseRunStatus.QUEUED, ReleaseRunStatus.RUNNING)


class SelectionWork(models.TextChoices):
    """The programme team's private working on an application: never on the
    applicant's own pages (they see only the released outcome and the approved
    feedback). A subject access request may still reach it; these parts need the
    team's judgement (other people's opinions, under UK GDPR), so the team
    chooses which to release and the choice is audited."""

    REVIEWS = "reviews", _("Reviewers' scores, recommendations and comments (reviewers shown as “Reviewer 1”, …)")
    NOTES_TO_PANEL = "notes_to_panel", _("Reviewers' notes to the panel")
    UNRELEASED = "unreleased", _("The score summary, decisions not yet released and feedback not yet approved")


class ModerationState(models.TextChoices):
    """Which part of the moderation queue to show: by default everything still
    waiting for a moderator's review."""

    TO_MODERATE = "to_moderate", _("No moderator yet")
    IN_PROGRESS = "in_progress", _("Moderator review asked for or under way")
    MODERATED = "moderated", _("Moderated")


class LineMethod(models.TextChoices):
    """What the decision room ranks by when it draws the line."""

    MODEL = "model", _("Estimate with reviewer leniency corrected (recommended)")
    NORMALISED = "normalised", _("Normalised score (z-score per reviewer)")
    MEAN = "mean", _("Mean weighted total")

    @classmethod
    def of(cls, value: str) -> "LineMethod":
        """The method named, or the recommended one for a value it does not know."""
        return cls(value) if value in cls.values else cls.MODEL

    @property
    def column(self) -> str:
        """The stored score it ranks by (`ApplicationScore`)."""
        return {"model": "model_score", "normalised": "normalised_score", "mean": "mean_score"}[self.value]

    @property
    def short_name(self) -> str:
        return {"model": _("estimate"), "normalised": _("normalised score"), "mean": _("mean weighted total")}[
            self.value
        ]


class LineRest(models.TextChoices):
    """What happens to the applications below the line and the waiting list."""

    LEAVE = "leave", _("No decision (a decision already made on them is taken back)")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")
    BELOW = "below", _("Unsuccessful if their score is below the number given here; the others no decision")
