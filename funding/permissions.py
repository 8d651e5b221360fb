"""Who may see and do what in the vote and the funded projects. Pure predicates;
views, templates and services call the same ones.

A panel reviewer is a member who submitted an assessment of the proposal on the
call's shortlisting panel (exchange's member panel)."""

from django.db.models import Q
from django.http import Http404

from exchange.choices import AssessmentStatus, JoinStatus, ProposalStatus
from exchange.models import Call, PanelAssignment, Proposal, TeamMembership
from exchange.permissions import can_see_as_programme_team, can_take_part
from members.models import MemberProfile
from members.permissions import profile_of

from .models import CallVote, Project, ProjectUpdate


def panel_reviewed_proposal_ids(*, member: MemberProfile, call: Call) -> set[int]:
    """The proposals of this call the member assessed on its shortlisting panel."""
    assessed = PanelAssignment.objects.filter(
        assessor__member=member,
        assessor__call=call,
        assessment__status=AssessmentStatus.SUBMITTED,
    )
    return set(assessed.values_list("proposal_id", flat=True).order_by())


def own_team_idea_ids(*, member: MemberProfile, call: Call) -> set[int]:
    """The ideas of this call whose team the member is on (or leads)."""
    on_team = Q(lead=member) | Q(memberships__member=member, memberships__status=JoinStatus.ACCEPTED)
    return set(call.ideas.filter(on_team).values_list("pk", flat=True).order_by())


def is_on_project_team(member: MemberProfile | None, project: Project) -> bool:
    if member is None:
        return False
    idea_id = project.proposal.idea_id
    return (
        TeamMembership.objects.filter(Q(idea_id=idea_id, member=member, status=JoinStatus.ACCEPTED)).exists()
        or project.proposal.idea.lead_id == member.pk
    )


def active_member(user) -> MemberProfile | None:
    return profile_of(user) if can_take_part(user) else None


def can_post_update(user, project: Project) -> bool:
    return is_on_project_team(active_member(user), project)


def can_see_results(user, call_vote: CallVote) -> bool:
    """Members see the results once published; the programme team once counted."""
    if call_vote.results_published:
        return True
    return can_see_as_programme_team(user) and call_vote.counted_at is not None


def get_vote_or_404(call_pk) -> CallVote:
    call_vote = CallVote.objects.select_related("call").filter(call_id=call_pk).first()
    if call_vote is None:
        raise Http404
    return call_vote


def get_shortlisted_or_404(pk) -> Proposal:
    """A shortlisted proposal whose call has a vote opened: every member may read it."""
    proposal = (
        Proposal.objects.select_related("idea__theme", "call", "lead")
        .filter(pk=pk, status=ProposalStatus.SHORTLISTED, call__member_vote__opened_at__isnull=False)
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


def get_project_or_404(pk) -> Project:
    project = Project.objects.select_related("proposal__idea__theme", "proposal__call").filter(pk=pk).first()
    if project is None:
        raise Http404
    return project


def get_update_or_404(pk) -> ProjectUpdate:
    update = ProjectUpdate.objects.select_related("project__proposal__idea").filter(pk=pk).first()
    if update is None:
        raise Http404
    return update
