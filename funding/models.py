"""The member vote on a call's shortlist, its count, the funding decision, and the
funded projects that report back in the open.

A call has at most one `CallVote`: its rules (set by the programme team while it
is being set up), its state (`VoteStatus`, changed only by the services), the
eligibility snapshot (`Voter`, one row per member in good standing when the vote
opened, with a random token that stands for them in the anonymised ballot file),
the votes placed, the count (`VoteCount`), and the funding decision (`Award`).
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exchange.models import Call, Proposal, Theme
from members.models import MemberProfile

from .choices import TieBreak, VoteStatus


class CallVote(models.Model):
    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="member_vote")
    votes_per_member = models.PositiveSmallIntegerField(_("votes per member"), default=6)
    most_per_theme = models.PositiveSmallIntegerField(
        _("most votes in one theme"), null=True, blank=True, default=3, help_text=_("Leave empty for no limit.")
    )
    own_team_may_vote = models.BooleanField(_("members may vote for a proposal whose team they are on"), default=False)
    panel_reviewers_may_vote = models.BooleanField(
        _("panel reviewers may vote for proposals they reviewed"),
        default=True,
        help_text=_("Their review was blind and independent, so by default they may."),
    )
    totals_hidden = models.BooleanField(_("hide running totals until the vote closes"), default=True)
    opens_at = models.DateTimeField(_("vote opens"))
    closes_at = models.DateTimeField(_("vote closes"))
    tie_break = models.CharField(
        _("tie-break rule"), max_length=20, choices=TieBreak.choices, default=TieBreak.PANEL_RANK
    )
    status = models.CharField(max_length=10, choices=VoteStatus.choices, default=VoteStatus.SET_UP)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The funding decision: how much the vote weighs against the panel's ranking.
    vote_weight = models.PositiveSmallIntegerField(
        _("weight of the member vote (%)"),
        default=100,
        help_text=_("100: the vote decides and the panel's ranking breaks ties. 50: vote and panel count equally."),
    )
    funding_confirmed_at = models.DateTimeField(null=True, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")), name="funding_vote_opens_first"),
            models.CheckConstraint(condition=Q(votes_per_member__gte=1), name="funding_vote_at_least_one"),
            models.CheckConstraint(
                condition=Q(most_per_theme__isnull=True) | Q(most_per_theme__gte=1), name="funding_vote_theme_cap"
            ),
            models.CheckConstraint(condition=Q(vote_weight__lte=100), name="funding_vote_weight_le_100"),
        ]

    def __str__(self):
        return f"Member vote: {self.call}"

    def get_absolute_url(self):
        return reverse("funding:ballot", kwargs={"pk": self.call_id})

    def is_taking_votes(self, when=None) -> bool:
        when = when or timezone.now()
        return self.status == VoteStatus.OPEN and self.opens_at <= when < self.closes_at

    @property
    def results_published(self) -> bool:
        return self.status == VoteStatus.PUBLISHED


class ThemeShare(models.Model):
    """A theme's share of the call's money: its proposals are funded from it."""

    call_vote = models.ForeignKey(CallVote, on_delete=models.CASCADE, related_name="theme_shares")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")
    amount = models.PositiveIntegerField(_("share (£)"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call_vote", "theme"], name="funding_theme_share_unique")]

    def __str__(self):
        return f"{self.theme}: £{self.amount}"


class Voter(models.Model):
    """A member eligible to vote: the snapshot taken when the vote opened. The
    token stands for them in the anonymised ballot file; `member` is emptied by
    the retention rule, so the file still recomputes the totals."""

    call_vote = models.ForeignKey(CallVote, on_delete=models.CASCADE, related_name="voters")
    member = models.ForeignKey(MemberProfile, null=True, on_delete=models.SET_NULL, related_name="vote_eligibility")
    token = models.CharField(max_length=32, unique=True)
    region_name = models.CharField(max_length=100, blank=True)  # for insight, as it was on the day
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call_vote", "member"], name="funding_voter_unique")]

    def __str__(self):
        return f"Voter {self.token}"


class Vote(models.Model):
    """One of a voter's votes, on one shortlisted proposal (one vote per proposal)."""

    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="votes")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="member_votes")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")  # the proposal's, for the cap
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "proposal"], name="funding_vote_one_per_proposal")]
        indexes = [models.Index(fields=["proposal"], name="funding_vote_proposal")]

    def __str__(self):
        return f"{self.voter} for {self.proposal_id}"


class VoteCount(models.Model):
    """The count: a proposal's votes and its place after the tie-break rule."""

    call_vote = models.ForeignKey(CallVote, on_delete=models.CASCADE, related_name="counts")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    votes = models.PositiveIntegerField()
    place = models.PositiveIntegerField()
    tied = models.BooleanField(default=False)

    class Meta:
        ordering = ["place"]
        constraints = [
            models.UniqueConstraint(fields=["call_vote", "proposal"], name="funding_count_unique"),
            models.UniqueConstraint(fields=["call_vote", "place"], name="funding_count_place_unique"),
        ]

    def __str__(self):
        return f"{self.place}. {self.proposal_id}: {self.votes}"


class Award(models.Model):
    """The funding decision for one shortlisted proposal, confirmed by the programme team."""

    call_vote = models.ForeignKey(CallVote, on_delete=models.CASCADE, related_name="awards")
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="award")
    position = models.PositiveIntegerField()
    funded = models.BooleanField()
    grant = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["call_vote", "position"], name="funding_award_position")]

    def __str__(self):
        return f"{self.proposal}: {'funded' if self.funded else 'not funded'}"


class Project(models.Model):
    """A funded proposal, reporting its progress in the open."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="project")
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="project")
    title = models.CharField(_("title"), max_length=150)
    grant = models.PositiveIntegerField(_("grant (£)"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    update_every_months = models.PositiveSmallIntegerField(_("an update every (months)"), default=3)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ends_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lt=models.F("ends_on")), name="funding_project_dates"),
            models.CheckConstraint(condition=Q(update_every_months__gte=1), name="funding_project_every"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("funding:project", kwargs={"pk": self.pk})

    def due_dates(self) -> list[date]:
        """Each update's due date: every N months from the start; the last is the end (the final report)."""
        dates, step = [], 1
        while (due := self.starts_on + relativedelta(months=self.update_every_months * step)) < self.ends_on:
            dates.append(due)
            step += 1
        return [*dates, self.ends_on]


class ProjectUpdate(models.Model):
    """A progress update posted by the team. It answers the earliest due date not yet
    answered whose period has begun; the one answering the end date is the final report."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    # An erased member's updates stay, the project's public record, by "a former member".
    author = models.ForeignKey(MemberProfile, null=True, on_delete=models.SET_NULL, related_name="project_updates")
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("what happened"), max_length=20000)
    links = models.TextField(_("links"), max_length=2000, blank=True)
    image = models.FileField(_("image"), max_length=200, blank=True)
    image_alt = models.CharField(_("image description"), max_length=300, blank=True)
    # The due date this update answers; empty for an extra update between them.
    due_on = models.DateField(null=True, blank=True)
    is_final = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "due_on"], name="funding_update_one_per_due_date"),
            models.UniqueConstraint(fields=["project"], condition=Q(is_final=True), name="funding_update_one_final"),
        ]

    def __str__(self):
        return self.title

    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]


class UpdateComment(models.Model):
    update = models.ForeignKey(ProjectUpdate, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(MemberProfile, null=True, on_delete=models.SET_NULL, related_name="update_comments")
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Comment by {self.author} on {self.update}"
