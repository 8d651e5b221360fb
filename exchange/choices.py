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
