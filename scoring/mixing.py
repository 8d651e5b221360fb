"""How well an assignment mixes reviewers: pure, no database.

Reviewers who never share an application, directly or through a chain of
co-reviewers, cannot be calibrated against each other; a round whose reviewers
fall into separate groups ("islands") ranks each group on its own scale. So:

- groups: connected groups of the reviewer-application graph (1 is best);
- most_shared: the most applications any two reviewers share (low is best:
  each reviewer meets many different co-reviewers);
- co_reviewers: the mean number of different co-reviewers a reviewer has."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import combinations


@dataclass(frozen=True)
class Mixing:
    groups: int
    most_shared: int
    co_reviewers: float
    reviewers: int
    applications: int

    def as_dict(self) -> dict:
        return asdict(self)


def mixing(pairs: Iterable[tuple[int, int]]) -> Mixing:
    """The mixing of (application id, reviewer id) pairs."""
    reviewers_of: dict[int, list[int]] = defaultdict(list)
    for application_id, reviewer_id in pairs:
        reviewers_of[application_id].append(reviewer_id)
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    shared: Counter = Counter()
    for reviewer_ids in reviewers_of.values():
        first = find(reviewer_ids[0])
        for other in reviewer_ids[1:]:
            root = find(other)
            if root != first:
                parent[root] = first
        for pair in combinations(sorted(reviewer_ids), 2):
            shared[pair] += 1
    reviewers = {find(reviewer_id) for reviewer_id in list(parent)}
    partners: dict[int, int] = defaultdict(int)
    for a, b in shared:
        partners[a] += 1
        partners[b] += 1
    return Mixing(
        groups=len(reviewers),
        most_shared=max(shared.values(), default=0),
        co_reviewers=round(sum(partners.values()) / len(parent), 1) if parent else 0.0,
        reviewers=len(parent),
        applications=len(reviewers_of),
    )
