"""The member panel's conflicts of interest, as a pure function over plain facts
(no database), so every proposal x assessor pair of a call is checked in one
pass and the rules are tested on generated data.

The line drawn with `scoring/`: what makes a conflict here (a team, supporters,
commenters) is the exchange's own business, so it lives in the exchange; the
algorithms that only need pairs (assignment, mixing, the bias-corrected model,
agreement, the close-to-call band) are shared in `scoring/` and used as they are.

An organisation is the organisation record on a member's profile, never
inferred from an email domain: most of the NHS shares nhs.net."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .choices import PanelConflictKind


@dataclass(frozen=True, slots=True)
class ProposalFacts:
    id: int
    # Member profile ids: the team (accepted, or asking to join), who supported
    # the idea, who commented on it; and the team's organisations (by record).
    team: frozenset[int] = frozenset()
    organisations: frozenset[int] = frozenset()
    supporters: frozenset[int] = frozenset()
    commenters: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class AssessorFacts:
    id: int
    member_id: int
    organisation_id: int | None = None


@dataclass(frozen=True, slots=True)
class ConflictRules:
    """Which conflicts apply (the call's panel settings); the team always does."""

    same_organisation: bool = True
    supported: bool = True
    commented: bool = True


def find_panel_conflicts(
    proposals: Iterable[ProposalFacts], assessors: Iterable[AssessorFacts], rules: ConflictRules = ConflictRules()
) -> dict[tuple[int, int], str]:
    """{(proposal id, assessor id): kind} for every conflicted pair, the first
    rule in this order naming it: team, same organisation, supported, commented."""
    assessors = list(assessors)
    by_member: dict[int, list[int]] = defaultdict(list)
    by_organisation: dict[int, list[int]] = defaultdict(list)
    for assessor in assessors:
        by_member[assessor.member_id].append(assessor.id)
        if assessor.organisation_id is not None:
            by_organisation[assessor.organisation_id].append(assessor.id)
    found: dict[tuple[int, int], str] = {}

    def mark(proposal_id: int, assessor_ids: Iterable[int], kind: str) -> None:
        for assessor_id in assessor_ids:
            found.setdefault((proposal_id, assessor_id), kind)

    for proposal in proposals:
        for member_id in proposal.team:
            mark(proposal.id, by_member.get(member_id, ()), PanelConflictKind.TEAM)
        if rules.same_organisation:
            for organisation_id in proposal.organisations:
                mark(proposal.id, by_organisation.get(organisation_id, ()), PanelConflictKind.SAME_ORGANISATION)
        if rules.supported:
            for member_id in proposal.supporters:
                mark(proposal.id, by_member.get(member_id, ()), PanelConflictKind.SUPPORTED)
        if rules.commented:
            for member_id in proposal.commenters:
                mark(proposal.id, by_member.get(member_id, ()), PanelConflictKind.COMMENTED)
    return {pair: str(kind) for pair, kind in found.items()}
