"""Who may see and do what in the exchange. Pure predicates; views, templates and
services call the same ones. Ideas and comments are open to anyone signed in;
taking part (posting, commenting, supporting, joining) is for active members."""

from django.http import Http404

from members.permissions import is_member, profile_of
from q_portal.roles import is_programme_team, needs_mfa_setup

from .choices import JoinStatus, TeamRole
from .models import Idea, Proposal, TeamMembership


def can_take_part(user) -> bool:
    """An active member (in good standing)."""
    return is_member(user)


def team_role(user, idea: Idea) -> str | None:
    """The user's role in the idea's team (lead / member), or None."""
    profile = profile_of(user)
    if profile is None:
        return None
    if idea.lead_id == profile.pk:
        return TeamRole.LEAD
    accepted = TeamMembership.objects.filter(idea=idea, member=profile, status=JoinStatus.ACCEPTED)
    return TeamRole.MEMBER if accepted.exists() else None


def is_on_team(user, idea: Idea) -> bool:
    return can_take_part(user) and team_role(user, idea) is not None


def is_lead(user, idea: Idea) -> bool:
    profile = profile_of(user)
    return can_take_part(user) and profile is not None and idea.lead_id == profile.pk


def can_see_as_programme_team(user) -> bool:
    """The programme team sees teams' private details once they have set up MFA."""
    return is_programme_team(user) and not needs_mfa_setup(user)


def can_see_private_budget(user, idea: Idea) -> bool:
    return can_see_as_programme_team(user) or is_on_team(user, idea)


def get_idea_or_404(pk) -> Idea:
    idea = (
        Idea.objects.select_related("call", "theme", "lead", "lead__region", "lead__organisation").filter(pk=pk).first()
    )
    if idea is None:
        raise Http404
    return idea


def get_proposal_for_user_or_404(user, pk) -> Proposal:
    """A proposal is the team's (and the programme team's): to anyone else it does not exist."""
    proposal = Proposal.objects.select_related("idea", "call", "lead").filter(pk=pk).first()
    if proposal is None:
        raise Http404
    if not (can_see_as_programme_team(user) or is_on_team(user, proposal.idea)):
        raise Http404
    return proposal
