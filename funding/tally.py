"""The documented counting and funding rules, as pure functions (no models), so the
count, the funding preview and anyone holding the ballot file compute the same.

The count (published with the ballot file):
1. Each vote counts one; a proposal's total is the number of ballots with a vote for it.
2. Proposals are placed by total, most first.
3. Equal totals are separated by the tie-break rule declared before the vote opened:
   - `panel_rank`: the proposal the member panel ranked higher (a lower panel rank) first;
   - `lower_budget`: the proposal asking for less money first, then the panel's ranking.
   A proposal without a panel rank comes after those with one; if still equal, the
   lower proposal number comes first.

The funding plan: each proposal's combined place is
`weight * vote place + (100 - weight) * panel place` (lower is better; ties: vote
place, then panel place, then proposal number). In that order each proposal is
funded its budget if that fits in the money left in its theme's share (when the
theme has one) or in the money not set aside for shares; one that does not fit is
not funded and the next one is tried.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .choices import TieBreak

UNRANKED = 10**9


@dataclass(frozen=True)
class Entry:
    proposal_id: int
    panel_rank: int | None
    budget: int
    votes: int = 0


@dataclass(frozen=True)
class Placed:
    proposal_id: int
    votes: int
    place: int
    tied: bool


def totals(ballots: Iterable[tuple[str, int]]) -> Counter:
    """(voter token, proposal id) pairs → votes per proposal."""
    return Counter(proposal_id for _token, proposal_id in ballots)


def _tie_key(entry: Entry, rule: str) -> tuple:
    panel = entry.panel_rank if entry.panel_rank is not None else UNRANKED
    if rule == TieBreak.LOWER_BUDGET:
        return (entry.budget, panel, entry.proposal_id)
    return (panel, entry.proposal_id)


def place(entries: Iterable[Entry], rule: str) -> list[Placed]:
    entries = list(entries)
    ties = Counter(entry.votes for entry in entries)
    ordered = sorted(entries, key=lambda entry: (-entry.votes, *_tie_key(entry, rule)))
    return [
        Placed(proposal_id=entry.proposal_id, votes=entry.votes, place=index, tied=ties[entry.votes] > 1)
        for index, entry in enumerate(ordered, 1)
    ]


@dataclass(frozen=True)
class Candidate:
    proposal_id: int
    theme_id: int
    budget: int
    vote_place: int
    panel_rank: int | None


@dataclass(frozen=True)
class PlanLine:
    proposal_id: int
    position: int
    funded: bool
    grant: int
    reason: str


def funding_plan(
    candidates: Iterable[Candidate], *, total: int, shares: dict[int, int], vote_weight: int
) -> list[PlanLine]:
    candidates = list(candidates)
    unranked = len(candidates) + 1

    def combined(candidate: Candidate) -> tuple:
        panel = candidate.panel_rank if candidate.panel_rank is not None else unranked
        score = vote_weight * candidate.vote_place + (100 - vote_weight) * panel
        return (score, candidate.vote_place, panel, candidate.proposal_id)

    left = dict(shares)
    general = total - sum(shares.values())
    lines = []
    for position, candidate in enumerate(sorted(candidates, key=combined), 1):
        in_share = candidate.theme_id in left
        available = left[candidate.theme_id] if in_share else general
        if candidate.budget <= available:
            if in_share:
                left[candidate.theme_id] -= candidate.budget
            else:
                general -= candidate.budget
            lines.append(PlanLine(candidate.proposal_id, position, True, candidate.budget, ""))
        else:
            reason = "Not enough left in its theme's share" if in_share else "Not enough money left"
            lines.append(PlanLine(candidate.proposal_id, position, False, 0, reason))
    return lines
