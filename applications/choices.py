from django.db import models
from django.utils.translation import gettext_lazy as _

# One list of roles for every app, kept in members (the lowest layer) and re-exported here.
from members.choices import RoleCategory  # noqa: F401


class Phase(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    WIDER = "wider", _("Wider recruitment")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    IN_REVIEW = "in_review", _("In review")
    DECIDED = "decided", _("Decided")


class RouteKind(models.TextChoices):
    PATIENT_CARER = "patient_carer", _("Patient or carer perspective, working mainly at national level")
    COURSE_ALUMNI = "course_alumni", _("Alumni of an identified improvement course")
    NATIONAL_ORGANISATION = "national_organisation", _("Staff of an identified national organisation")
    NOMINATED = "nominated", _("Nominated by a partner organisation")
    OPEN = "open", _("Open to all")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    UNDER_REVIEW = "under_review", _("Under review")
    DECIDED = "decided", _("Decision made")


class ApplicationOutcome(models.TextChoices):
    """The released decision, as the applicant sees it. Selection decides (and may
    change its mind) privately; only a release writes this."""

    NONE = "", _("No decision yet")
    ACCEPTED = "accepted", _("Accepted")
    WAITLISTED = "waitlisted", _("On the waiting list")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")


class AdjustmentStatus(models.TextChoices):
    NONE = "", _("None requested")
    REQUESTED = "requested", _("Requested")
    ANSWERED = "answered", _("Answered")


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class SectionState(models.TextChoices):
    """A section of the applicant's task list, as the list tags it."""

    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")

    @property
    def tag(self) -> str:
        return {"not_started": "grey", "in_progress": "blue", "completed": "green"}[self.value]


class NomineeProgress(models.TextChoices):
    """Where a nominee has got to, as the nominator's dashboard shows it: the
    nomination's own status, then the application's once it is started. In the
    order the dashboard counts them."""

    INVITED = "invited", _("Invited")
    OPENED = "opened", _("Invitation opened")
    STARTED = "started", _("Application started")
    SUBMITTED = "submitted", _("Submitted")
    DECIDED = "decided", _("Decision made")
    APPLICATION_WITHDRAWN = "application_withdrawn", _("Application withdrawn")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Nomination withdrawn")

    @property
    def tag(self) -> str:
        return {"opened": "blue", "started": "yellow", "submitted": "green", "decided": "green"}.get(self.value, "grey")
