from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleCategory(models.TextChoices):
    """What someone mainly does. One list for applications, nominations and member
    profiles (applications re-exports it), so an answer carries over unchanged."""

    CLINICIAN = "clinician", _("Front-line clinician")
    MANAGER = "manager", _("Manager")
    RESEARCHER = "researcher", _("Researcher")
    POLICY_MAKER = "policy_maker", _("Policy-maker")
    PATIENT_LEADER = "patient_leader", _("Patient leader")
    OTHER = "other", _("Other")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class MemberSource(models.TextChoices):
    APPLICATION = "application", _("Accepted application")
    FOUNDING = "founding", _("Founding cohort")
    ADDED = "added", _("Added by the programme team")


class Visibility(models.TextChoices):
    MEMBERS = "members", _("Visible to other members in the directory")
    HIDDEN = "hidden", _("Not shown in the directory")


class InterestStatus(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PENDING = "pending", _("Waiting for moderation")
    REJECTED = "rejected", _("Rejected")


class PledgeCategory(models.TextChoices):
    MENTORING = "mentoring", _("Mentoring")
    HOSTING = "hosting", _("Hosting a visit")
    TOOL = "tool", _("Sharing a tool or resource")
    SPEAKING = "speaking", _("Speaking or teaching")
    OTHER = "other", _("Something else")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class CommunityKind(models.TextChoices):
    PRACTICE = "practice", _("Community of practice")
    INTEREST_GROUP = "interest_group", _("Special interest group")


class CommunityStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, waiting for the programme team")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class NotifyChoice(models.TextChoices):
    EACH_POST = "each", _("An email for each new post")
    DIGEST = "digest", _("A daily digest")
    NONE = "none", _("No emails")
