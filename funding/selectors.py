"""Reads for the vote and the projects' pages: a constant number of queries each."""

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from exchange.choices import JoinStatus, ProposalStatus
from exchange.models import Proposal, TeamMembership
from members.models import MemberProfile

from .choices import ProjectStatus
from .models import CallVote, Project, ProjectUpdate, UpdateComment, Vote, VoteCount, Voter
from .permissions import own_team_idea_ids, panel_reviewed_proposal_ids
from .services import REMINDER_BEFORE, next_due


def ballot_seed(*, call_id: int, member_id: int) -> int:
    """The voter's own order: derived from the voter and the call (and the site's
    secret, so no one can work out another's order), never stored, never changing."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:ballot:{call_id}:{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def ballot_order(proposals: list, *, call_id: int, member_id: int) -> list:
    ordered = sorted(proposals, key=lambda proposal: proposal.pk)
    # Seeded on purpose: the order must be the same on every visit (the seed is secret).
    random.Random(ballot_seed(call_id=call_id, member_id=member_id)).shuffle(ordered)  # noqa: S311
    return ordered


@dataclass
class ThemeLeft:
    name: str
    used: int
    left: int | None


@dataclass
class BallotLine:
    proposal: Proposal
    voted: bool
    own_team: bool
    reviewed: bool
    total: int | None


@dataclass
class Ballot:
    call_vote: CallVote
    eligible: bool
    lines: list[BallotLine] = field(default_factory=list)
    used: int = 0
    themes: list[ThemeLeft] = field(default_factory=list)

    @property
    def left(self) -> int:
        return max(self.call_vote.votes_per_member - self.used, 0)


def ballot_for(*, call_vote: CallVote, member: MemberProfile | None) -> Ballot:
    """The member's ballot: the shortlist in their own random order, their votes,
    votes left overall and per theme, and running totals only when not hidden."""
    call = call_vote.call
    voter = Voter.objects.filter(call_vote=call_vote, member=member).first() if member else None
    show_totals = not call_vote.totals_hidden
    shortlist = Proposal.objects.filter(call=call, status=ProposalStatus.SHORTLISTED).select_related(
        "idea__theme", "lead"
    )
    if show_totals:
        shortlist = shortlist.annotate(total=Count("member_votes"))
    proposals = list(shortlist.order_by("pk"))
    voted = set(Vote.objects.filter(voter=voter).values_list("proposal_id", flat=True)) if voter else set()
    own = own_team_idea_ids(member=member, call=call) if member else set()
    reviewed = panel_reviewed_proposal_ids(member=member, call=call) if member else set()
    if member is not None:
        proposals = ballot_order(proposals, call_id=call.pk, member_id=member.pk)
    lines = [
        BallotLine(
            proposal=proposal,
            voted=proposal.pk in voted,
            own_team=not call_vote.own_team_may_vote and proposal.idea_id in own,
            reviewed=not call_vote.panel_reviewers_may_vote and proposal.pk in reviewed,
            total=proposal.total if show_totals else None,
        )
        for proposal in proposals
    ]
    themes = {}
    for proposal in sorted(proposals, key=lambda p: p.idea.theme.name):
        theme = proposal.idea.theme
        entry = themes.setdefault(theme.pk, ThemeLeft(name=theme.name, used=0, left=None))
        entry.used += proposal.pk in voted
    for entry in themes.values():
        if call_vote.most_per_theme is not None:
            entry.left = max(call_vote.most_per_theme - entry.used, 0)
    return Ballot(
        call_vote=call_vote, eligible=voter is not None, lines=lines, used=len(voted), themes=list(themes.values())
    )


def turnout(*, call_vote: CallVote) -> dict:
    """Eligible voters, those who have placed at least one vote, and votes placed."""
    figures = Voter.objects.filter(call_vote=call_vote).aggregate(
        eligible=Count("pk", distinct=True), voted=Count("pk", filter=Q(votes__isnull=False), distinct=True)
    )
    votes = Vote.objects.filter(voter__call_vote=call_vote).count()
    eligible = figures["eligible"]
    return {
        **figures,
        "votes": votes,
        "percent": round(100 * figures["voted"] / eligible) if eligible else 0,
    }


def results(*, call_vote: CallVote) -> list[VoteCount]:
    return list(
        call_vote.counts.select_related(
            "proposal__idea__theme", "proposal__lead", "proposal__award", "proposal__project"
        )
    )


def ballot_rows(*, call_vote: CallVote):
    """The anonymised ballot file's rows: one per vote, by voter token (ordered by
    token, so the file says nothing about when anyone voted)."""
    return (
        Vote.objects.filter(voter__call_vote=call_vote)
        .order_by("voter__token", "proposal_id")
        .values_list(
            "voter__token", "proposal_id", "proposal__title", "theme__name", "proposal__panel_rank", "proposal__budget"
        )
    )


def shortlist_without_votes(*, call_vote: CallVote):
    """Shortlisted proposals no one voted for: the ballot file lists them too, so their place recomputes."""
    return (
        Proposal.objects.filter(call=call_vote.call, status=ProposalStatus.SHORTLISTED)
        .exclude(member_votes__voter__call_vote=call_vote)
        .select_related("idea__theme")
        .order_by("pk")
    )


# --- Projects ------------------------------------------------------------------------


def project_status(project: Project, answered: set, today: date) -> tuple[ProjectStatus, date | None]:
    due = next_due(project, answered, today)
    if due is None:
        return ProjectStatus.FINISHED, None
    if today > due:
        return ProjectStatus.LATE, due
    if today >= due - REMINDER_BEFORE:
        return ProjectStatus.DUE_SOON, due
    return ProjectStatus.ON_TRACK, due


def projects_at_a_glance(*, call_vote: CallVote | None = None):
    """Every project with its team lead, updates posted and its status (two queries)."""
    projects = Project.objects.select_related(
        "proposal__lead", "proposal__call", "proposal__idea__theme"
    ).prefetch_related(
        Prefetch("updates", queryset=ProjectUpdate.objects.only("pk", "project_id", "due_on", "created_at", "is_final"))
    )
    if call_vote is not None:
        projects = projects.filter(award__call_vote=call_vote)
    return projects.order_by("ends_on", "pk")


def with_status(projects, today: date | None = None) -> list:
    today = today or timezone.localdate()
    for project in projects:
        updates = list(project.updates.all())
        answered = {update.due_on for update in updates if update.due_on}
        project.status, project.next_due = project_status(project, answered, today)
        project.update_count = len(updates)
        project.last_update_at = max((update.created_at for update in updates), default=None)
    return projects


def project_page(*, project: Project) -> dict:
    updates = list(
        project.updates.select_related("author").prefetch_related(
            Prefetch("comments", queryset=UpdateComment.objects.select_related("author"))
        )
    )
    team = list(
        TeamMembership.objects.filter(idea_id=project.proposal.idea_id, status=JoinStatus.ACCEPTED)
        .select_related("member__region")
        .order_by("-role", "member__full_name")
    )
    answered = {update.due_on for update in updates if update.due_on}
    today = timezone.localdate()
    status, due = project_status(project, answered, today)
    schedule = [
        {
            "due": day,
            "final": day == project.ends_on,
            "answered": day in answered,
            "late": day < today and day not in answered,
        }
        for day in project.due_dates()
    ]
    return {"updates": updates, "team": team, "status": status, "next_due": due, "schedule": schedule}


# --- Insight -------------------------------------------------------------------------


def vote_insight(*, call_vote: CallVote) -> dict:
    """Turnout, votes by theme and by voters' region (as on the day the vote
    opened), and the funded projects' progress. Aggregated in the database."""
    by_theme = list(
        Vote.objects.filter(voter__call_vote=call_vote)
        .values("theme__name")
        .annotate(votes=Count("pk"), voters=Count("voter", distinct=True))
        .order_by("theme__name")
    )
    by_region = list(
        Voter.objects.filter(call_vote=call_vote)
        .values("region_name")
        .annotate(
            eligible=Count("pk", distinct=True),
            voted=Count("pk", filter=Q(votes__isnull=False), distinct=True),
            votes=Count("votes"),
        )
        .order_by("region_name")
    )
    for row in by_region:
        row["percent"] = round(100 * row["voted"] / row["eligible"]) if row["eligible"] else 0
    projects = with_status(list(projects_at_a_glance(call_vote=call_vote)))
    progress = {}
    for project in projects:
        progress[project.status.label] = progress.get(project.status.label, 0) + 1
    return {"turnout": turnout(call_vote=call_vote), "by_theme": by_theme, "by_region": by_region, "progress": progress}
