from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """A call's stage, derived from its dates (never stored)."""

    UPCOMING = "upcoming", _("Not open yet")
    IDEAS = "ideas", _("Ideas open")
    REFINEMENT = "refinement", _("Refinement")
    PROPOSALS = "proposals", _("Proposals")
    SHORTLISTING = "shortlisting", _("Shortlisting")
    VOTE = "vote", _("Member vote")
    RESULTS = "results", _("Results")


class IdeaStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TeamRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    MEMBER = "member", _("Team member")


class JoinStatus(models.TextChoices):
    REQUESTED = "requested", _("Asked to join")
    ACCEPTED = "accepted", _("In the team")
    DECLINED = "declined", _("Declined")


class ProposalStatus(models.TextChoices):
    """`shortlisted`/`not_shortlisted` are set when the programme team marks the
    member panel's shortlist, with `Proposal.panel_rank`."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    NOT_SHORTLISTED = "not_shortlisted", _("Not shortlisted")


class EmailPreference(models.TextChoices):
    EACH = "each", _("An email for each comment or request to join")
    DIGEST = "digest", _("One email a day with everything new (a daily digest)")
    NONE = "none", _("No emails")


IDEA_SORTS = (
    ("supported", _("Most supported")),
    ("discussed", _("Most discussed")),
    ("newest", _("Newest")),
)


class AssessorStatus(models.TextChoices):
    """A member who put themselves forward for a call's shortlisting panel."""

    VOLUNTEERED = "volunteered", _("Put themselves forward")
    RECRUITED = "recruited", _("On the panel")
    DECLINED = "declined", _("Not recruited")


class PanelConflictKind(models.TextChoices):
    """Why an assessor may not assess a proposal. Being on the team always
    conflicts; the call's panel settings switch the others on or off."""

    TEAM = "team", _("On the team, or asked to join it")
    SAME_ORGANISATION = "same_organisation", _("Works for the same organisation as a team member")
    SUPPORTED = "supported", _("Supported the idea")
    COMMENTED = "commented", _("Commented on the idea")
    DECLARED = "declared", _("Declared by the assessor")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class FeedbackStatus(models.TextChoices):
    DRAFT = "draft", _("Written, waiting for approval")
    APPROVED = "approved", _("Approved, not yet sent")
    SENT = "sent", _("Sent to the team")


# The panel's rubric: each criterion scored 1 to 4.
PANEL_SCORES = (
    (1, _("1: does not meet the criterion")),
    (2, _("2: partly meets it")),
    (3, _("3: meets it")),
    (4, _("4: meets it strongly")),
)
