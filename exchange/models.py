"""Q Exchange: funding calls, ideas developed in the open, their teams, and proposals.

A call's stage is derived from its dates (`Call.stage_at`), never stored, so it
cannot drift from them; every service checks it on the server.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import MemberProfile

from .choices import (
    AssessmentStatus,
    AssessorStatus,
    EmailPreference,
    FeedbackStatus,
    IdeaStatus,
    JoinStatus,
    PanelConflictKind,
    ProposalStatus,
    Stage,
    TeamRole,
)

# The stage dates in order: each stage runs from its date to the next one.
STAGE_DATES = (
    (Stage.IDEAS, "ideas_open_at"),
    (Stage.REFINEMENT, "refinement_from"),
    (Stage.PROPOSALS, "proposals_from"),
    (Stage.SHORTLISTING, "proposals_due_at"),
    (Stage.VOTE, "vote_from"),
    (Stage.RESULTS, "results_from"),
)


class Call(models.Model):
    """A themed funding call run by the programme team."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=5000)
    total_funding = models.PositiveIntegerField(_("total funding (£)"))
    largest_grant = models.PositiveIntegerField(_("largest grant (£)"))
    ideas_open_at = models.DateTimeField(_("ideas open"))
    refinement_from = models.DateTimeField(_("refinement starts"))
    proposals_from = models.DateTimeField(_("proposals open"))
    proposals_due_at = models.DateTimeField(_("proposals due"))
    vote_from = models.DateTimeField(_("vote opens"))
    results_from = models.DateTimeField(_("results announced"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ideas_open_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(largest_grant__lte=F("total_funding")), name="exchange_call_grant_le_total"
            ),
            models.CheckConstraint(
                condition=Q(ideas_open_at__lt=F("refinement_from"))
                & Q(refinement_from__lt=F("proposals_from"))
                & Q(proposals_from__lt=F("proposals_due_at"))
                & Q(proposals_due_at__lt=F("vote_from"))
                & Q(vote_from__lt=F("results_from")),
                name="exchange_call_stages_in_order",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("exchange:call", kwargs={"pk": self.pk})

    def stage_at(self, when) -> Stage:
        stage = Stage.UPCOMING
        for candidate, field in STAGE_DATES:
            if when >= getattr(self, field):
                stage = candidate
        return stage

    @property
    def stage(self) -> Stage:
        return self.stage_at(timezone.now())


class Theme(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "name"], name="exchange_theme_unique_name")]

    def __str__(self):
        return self.name


class Question(models.Model):
    """A question of the call's proposal form."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    text = models.CharField(_("question"), max_length=300)
    hint = models.CharField(_("hint"), max_length=500, blank=True)
    word_limit = models.PositiveSmallIntegerField(_("word limit"), default=300)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(word_limit__gte=1), name="exchange_question_word_limit_positive")
        ]

    def __str__(self):
        return self.text


class Idea(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="ideas")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="ideas")
    # An erased member's ideas stay, led by no one (the call's record).
    lead = models.ForeignKey(MemberProfile, null=True, on_delete=models.SET_NULL, related_name="led_ideas")
    title = models.CharField(_("title"), max_length=150)
    problem = models.TextField(_("the problem"), max_length=5000)
    plan = models.TextField(_("what you would do"), max_length=5000)
    involved = models.TextField(_("who is involved"), max_length=2000, blank=True)
    budget = models.PositiveIntegerField(_("rough budget (£)"))
    budget_private = models.TextField(_("private budget line"), max_length=2000, blank=True)
    skills_wanted = models.CharField(_("skills wanted"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=IdeaStatus.choices, default=IdeaStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["call", "-created_at"], name="exchange_idea_call_newest")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("exchange:idea", kwargs={"pk": self.pk})

    @property
    def is_withdrawn(self) -> bool:
        return self.status == IdeaStatus.WITHDRAWN


class TeamMembership(models.Model):
    """A member in an idea's team, or asking to join it. The lead has a row too."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="idea_memberships")
    role = models.CharField(max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    status = models.CharField(max_length=10, choices=JoinStatus.choices, default=JoinStatus.REQUESTED)
    message = models.TextField(_("message to the lead"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "member"], name="exchange_membership_unique"),
            models.UniqueConstraint(
                fields=["idea"], condition=Q(role=TeamRole.LEAD), name="exchange_membership_one_lead"
            ),
        ]

    def __str__(self):
        return f"{self.member} in {self.idea}"


class Comment(models.Model):
    """A comment on an idea, or a reply to one (one level: a reply has no replies)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    # An erased member's comments stay in their threads, by "a former member".
    author = models.ForeignKey(MemberProfile, null=True, on_delete=models.SET_NULL, related_name="idea_comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["idea", "created_at"], name="exchange_comment_idea_time")]

    def __str__(self):
        return f"Comment by {self.author} on {self.idea}"


class Support(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    member = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="idea_supports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "member"], name="exchange_support_unique")]

    def __str__(self):
        return f"{self.member} supports {self.idea}"


class IdeaRevision(models.Model):
    """One edit of an idea: who, when, and each changed field's old and new text."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="revisions")
    author = models.ForeignKey(MemberProfile, null=True, on_delete=models.SET_NULL, related_name="idea_revisions")
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Revision of {self.idea}"


class ExchangePreference(models.Model):
    """How a member hears about their ideas' comments and requests to join."""

    member = models.OneToOneField(MemberProfile, on_delete=models.CASCADE, related_name="exchange_preference")
    email = models.CharField(
        _("emails about your ideas"), max_length=10, choices=EmailPreference.choices, default=EmailPreference.EACH
    )

    def __str__(self):
        return f"{self.member}: {self.email}"


class Proposal(models.Model):
    """An idea turned into a full proposal at the proposals stage. A member leads
    at most one proposal per call (a database constraint). The member panel's
    shortlisting (part 2) moves it to shortlisted / not shortlisted."""

    idea = models.OneToOneField(Idea, on_delete=models.PROTECT, related_name="proposal")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="proposals")
    lead = models.ForeignKey(MemberProfile, null=True, on_delete=models.SET_NULL, related_name="led_proposals")
    title = models.CharField(_("title"), max_length=150)
    summary = models.TextField(_("summary"), max_length=5000)
    budget = models.PositiveIntegerField(_("budget (£)"))
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    panel_rank = models.PositiveIntegerField(
        _("place in the panel's ranking"),
        null=True,
        blank=True,
        help_text=_("1 is the panel's first choice; set when the programme team marks the shortlist."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "lead"], name="exchange_proposal_one_lead_per_call"),
            models.CheckConstraint(
                condition=Q(status=ProposalStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="exchange_proposal_submitted_has_time",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("exchange:proposal", kwargs={"pk": self.pk})


class ProposalAnswer(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(blank=True, max_length=20000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(MemberProfile, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "question"], name="exchange_answer_unique")]

    def __str__(self):
        return f"{self.proposal}: {self.question}"


# --- Shortlisting by a member panel ------------------------------------------------------


class Criterion(models.Model):
    """A criterion the member panel scores proposals on (1 to 4 each)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    letter = models.CharField(max_length=1)
    name = models.CharField(_("criterion"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)

    class Meta:
        ordering = ["letter", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "letter"], name="exchange_criterion_unique_letter")]

    def __str__(self):
        return f"({self.letter}) {self.name}"


class Panel(models.Model):
    """How a call's member panel works: assessors per proposal, when
    disagreement calls for moderation, which conflicts of interest apply, and
    the shortlist's size. Being on the team always conflicts."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="panel")
    assessors_per_proposal = models.PositiveSmallIntegerField(_("assessors per proposal"), default=3)
    capacity = models.PositiveSmallIntegerField(_("proposals per assessor, at most"), default=12)
    moderation_spread = models.PositiveSmallIntegerField(
        _("moderate when assessors differ on a criterion by at least"), default=2
    )
    places = models.PositiveSmallIntegerField(_("places on the shortlist"), default=10)
    conflict_same_organisation = models.BooleanField(_("same organisation as a team member"), default=True)
    conflict_supported = models.BooleanField(_("supported the idea"), default=True)
    conflict_commented = models.BooleanField(_("commented on the idea"), default=True)
    # When the teams were told the outcome: the shortlist is then fixed.
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(assessors_per_proposal__gte=1), name="exchange_panel_assessors_positive"
            ),
        ]

    def __str__(self):
        return f"Panel of {self.call}"


class Assessor(models.Model):
    """A member who put themselves forward for a call's panel; the programme
    team recruits them (or not)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assessors")
    member = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="panel_places")
    status = models.CharField(max_length=12, choices=AssessorStatus.choices, default=AssessorStatus.VOLUNTEERED)
    statement = models.TextField(_("what you would bring to the panel"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "member"], name="exchange_assessor_unique")]

    def __str__(self):
        return f"{self.member} on the panel of {self.call}"


class PanelConflict(models.Model):
    """An assessor who may not assess a proposal (and never sees it)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="panel_conflicts")
    assessor = models.ForeignKey(Assessor, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(max_length=20, choices=PanelConflictKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "assessor"], name="exchange_panel_conflict_unique")]

    def __str__(self):
        return f"{self.assessor} conflicted on {self.proposal}"


class PanelAssignment(models.Model):
    """A proposal given to an assessor; a moderator's is one more, asked for
    when the assessors disagree."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="panel_assignments")
    assessor = models.ForeignKey(Assessor, on_delete=models.CASCADE, related_name="assignments")
    is_moderation = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposal_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "assessor"], name="exchange_panel_assignment_unique")
        ]

    def __str__(self):
        return f"{self.proposal} to {self.assessor}"

    def get_absolute_url(self):
        return reverse("exchange:assessment", kwargs={"pk": self.pk})


class Assessment(models.Model):
    """An assessor's scores (1 to 4 per criterion letter) and note on a proposal."""

    assignment = models.OneToOneField(PanelAssignment, on_delete=models.CASCADE, related_name="assessment")
    scores = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("note to the programme team"), max_length=3000, blank=True)
    weighted_total = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status=AssessmentStatus.DRAFT) | Q(weighted_total__isnull=False),
                name="exchange_assessment_submitted_has_total",
            ),
        ]

    def __str__(self):
        return f"Assessment of {self.assignment}"


class ProposalFeedback(models.Model):
    """Feedback to a team whose proposal was not shortlisted: written, approved,
    then sent once through the outbox."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="feedback")
    text = models.TextField(_("feedback to the team"), max_length=3000)
    status = models.CharField(max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.DRAFT)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Feedback on {self.proposal}"
