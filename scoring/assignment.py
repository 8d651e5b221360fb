"""Automatic assignment and automatic conflicts of interest, as pure functions
over plain in-memory facts: no database here, so the whole round (10,000
applications, 300 reviewers) is planned in one pass and tested on generated data.
`selection.services.assignments` loads the facts with a constant number of
queries and writes the plan with bulk_create."""

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from heapq import heapify, heappop, heappush
from itertools import combinations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True, slots=True)
class ApplicationFacts:
    id: int
    applicant_id: int
    organisation_id: int | None = None
    region_id: int | None = None
    nominated_by_id: int | None = None
    nominating_organisation_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReviewerFacts:
    id: int
    organisation_id: int | None = None
    region_id: int | None = None
    capacity: int = 0


Pair = tuple[int, int]  # (application id, reviewer id)


# --- Conflicts of interest -------------------------------------------------------
# Each rule takes every application and reviewer of a round and yields the
# conflicted pairs with the rule's kind. Rules index by a key (an organisation
# record, a user id), so a round costs a pass over each list, never 10,000 x 300
# comparisons. To add a rule, write one function and add it to CONFLICT_RULES.


def _same_organisation(
    applications: Iterable[ApplicationFacts], reviewers: Iterable[ReviewerFacts]
) -> Iterable[tuple[int, int, str]]:
    """The reviewer works for the applicant's organisation, by the organisation
    record. Never by email domain: most of the NHS shares nhs.net."""
    by_organisation = defaultdict(list)
    for reviewer in reviewers:
        if reviewer.organisation_id is not None:
            by_organisation[reviewer.organisation_id].append(reviewer.id)
    for application in applications:
        for reviewer_id in by_organisation.get(application.organisation_id, ()):
            yield application.id, reviewer_id, "same_organisation"


def _is_applicant(
    applications: Iterable[ApplicationFacts], reviewers: Iterable[ReviewerFacts]
) -> Iterable[tuple[int, int, str]]:
    reviewer_ids = {reviewer.id for reviewer in reviewers}
    for application in applications:
        if application.applicant_id in reviewer_ids:
            yield application.id, application.applicant_id, "is_applicant"


def _nominated(
    applications: Iterable[ApplicationFacts], reviewers: Iterable[ReviewerFacts]
) -> Iterable[tuple[int, int, str]]:
    """The reviewer nominated the applicant, or works for the organisation that did
    (by the organisation record)."""
    reviewer_ids = {reviewer.id for reviewer in reviewers}
    by_organisation = defaultdict(list)
    for reviewer in reviewers:
        if reviewer.organisation_id is not None:
            by_organisation[reviewer.organisation_id].append(reviewer.id)
    for application in applications:
        if application.nominated_by_id in reviewer_ids:
            yield application.id, application.nominated_by_id, "nominated"
        for reviewer_id in by_organisation.get(application.nominating_organisation_id, ()):
            yield application.id, reviewer_id, "nominated"


ConflictRule = Callable[[list[ApplicationFacts], list[ReviewerFacts]], Iterable[tuple[int, int, str]]]
CONFLICT_RULES: tuple[ConflictRule, ...] = (_is_applicant, _same_organisation, _nominated)


def find_conflicts(applications: list[ApplicationFacts], reviewers: list[ReviewerFacts]) -> dict[Pair, str]:
    """Every automatically found conflict: {(application id, reviewer id): kind},
    the first rule that finds a pair naming it."""
    found: dict[Pair, str] = {}
    for rule in CONFLICT_RULES:
        for application_id, reviewer_id, kind in rule(applications, reviewers):
            found.setdefault((application_id, reviewer_id), kind)
    return found


# --- Assignment ------------------------------------------------------------------


@dataclass
class AssignmentPlan:
    new: list[Pair] = field(default_factory=list)
    # {application id: how many reviewers it still lacks, and why}
    unassignable: dict[int, tuple[int, str]] = field(default_factory=dict)


def plan_assignments(
    *,
    applications: list[ApplicationFacts],
    reviewers: list[ReviewerFacts],
    existing: Iterable[Pair],
    conflicts: Iterable[Pair],
    per_application: int,
    prefer_other_region: bool = False,
    loads: dict[int, int] | None = None,
    seed: int | None = None,
    shared: dict[tuple[int, int], int] | None = None,
) -> AssignmentPlan:
    """New assignments so each application has `per_application` reviewers.

    Never a conflicted pair, never a reviewer above capacity (existing assignments
    count towards it), never a second assignment of the same pair; existing
    assignments stay, so running it again only tops up. Each slot goes to a
    least-loaded eligible reviewer (a heap keyed by load), which keeps the load as
    even as capacities and conflicts allow; the most constrained applications go
    first. `loads` gives each reviewer's current number of assignments in the
    round when `existing` holds only the pairs of the applications being topped up.

    Mixing: among the least-loaded, it prefers (after another region than the
    applicant's, with `prefer_other_region`) the reviewer who has shared fewest
    applications with any reviewer already on this application, so every
    reviewer meets many different co-reviewers and the round forms one
    connected group; equally loaded reviewers are taken in a random order drawn
    from `seed`, so the same seed gives the same plan. `shared` gives the
    applications each pair of reviewers already shares ({(low id, high id): n})
    when `existing` holds only some of the round's pairs."""
    assigned, load = _assigned_and_loads(existing, loads)
    pool = _ReviewerPool.of(reviewers, load=load, together=_co_reviews(assigned, shared), seed=seed)
    conflicted = set(conflicts)
    conflicted_with = _conflicts_by_application(conflicted)
    plan = AssignmentPlan()
    no_conflicts: set[int] = set()
    pop_best, put_on = pool.pop_best, pool.put_on  # looked up once, called for each slot
    for application in _most_constrained_first(applications, assigned, conflicted_with, per_application):
        already = assigned[application.id]
        blocked = conflicted_with.get(application.id, no_conflicts)
        region = application.region_id if prefer_other_region else None
        for _slot in range(per_application - len(already)):
            best = pop_best(already, blocked, region)
            if best is None:
                break
            put_on(best, already)
            plan.new.append((application.id, best[2]))
        missing = per_application - len(already)
        if missing:
            plan.unassignable[application.id] = (
                missing,
                _why_unassignable(application, reviewers, conflicted, per_application),
            )
    return plan


def _assigned_and_loads(
    existing: Iterable[Pair], loads: dict[int, int] | None
) -> tuple[dict[int, set[int]], dict[int, int]]:
    """The reviewers already on each application, and each reviewer's load: the
    round's `loads` when given, else counted from `existing`."""
    assigned: dict[int, set[int]] = defaultdict(set)
    load: dict[int, int] = defaultdict(int)
    for application_id, reviewer_id in existing:
        assigned[application_id].add(reviewer_id)
        load[reviewer_id] += 1
    if loads is not None:
        load = defaultdict(int, loads)
    return assigned, load


def _co_reviews(assigned: dict[int, set[int]], shared: dict[tuple[int, int], int] | None) -> dict[int, dict[int, int]]:
    """How many applications each two reviewers share, both ways round:
    {reviewer id: {co-reviewer id: n}} (a dict a reviewer, not one keyed by
    pairs: the inner loop then looks up plain ints, no tuple built per look),
    from `shared` when given, else counted from the existing assignments."""
    together: dict[int, dict[int, int]] = defaultdict(dict)
    if shared is not None:
        for (a, b), count in shared.items():
            together[a][b] = together[b][a] = count
    else:
        for reviewer_ids in assigned.values():
            for a, b in combinations(reviewer_ids, 2):
                together[a][b] = together[a].get(b, 0) + 1
                together[b][a] = together[b].get(a, 0) + 1
    return together


def _conflicts_by_application(conflicted: set[Pair]) -> dict[int, set[int]]:
    conflicted_with: dict[int, set[int]] = defaultdict(set)
    for application_id, reviewer_id in conflicted:
        conflicted_with[application_id].add(reviewer_id)
    return conflicted_with


def _most_constrained_first(
    applications: list[ApplicationFacts],
    assigned: dict[int, set[int]],
    conflicted_with: dict[int, set[int]],
    per_application: int,
) -> list[ApplicationFacts]:
    """The applications still short of reviewers, those with the most conflicts
    first (they have the fewest reviewers to choose from), then by id."""
    order = [application for application in applications if len(assigned[application.id]) < per_application]
    order.sort(key=lambda application: (-len(conflicted_with.get(application.id, ())), application.id))
    return order


@dataclass(slots=True)
class _ReviewerPool:
    """The reviewers with capacity left, least loaded first: a heap of (load,
    random tie-break, reviewer id) entries; and what choosing among them reads."""

    heap: list[tuple[int, float, int]]
    capacity_of: dict[int, int]
    region_of: dict[int, int | None]
    together: dict[int, dict[int, int]]
    draw: Callable[[], float]

    @classmethod
    def of(
        cls, reviewers: list[ReviewerFacts], *, load: dict[int, int], together: dict[int, dict[int, int]], seed
    ) -> "_ReviewerPool":
        draw = random.Random(seed).random  # noqa: S311 - a tie-break, not a secret
        heap = [
            (load[reviewer.id], draw(), reviewer.id) for reviewer in reviewers if load[reviewer.id] < reviewer.capacity
        ]
        heapify(heap)
        return cls(
            heap=heap,
            capacity_of={reviewer.id: reviewer.capacity for reviewer in reviewers},
            region_of={reviewer.id: reviewer.region_id for reviewer in reviewers},
            together=together,
            draw=draw,
        )

    def pop_best(self, already: set[int], blocked: set[int], region: int | None) -> tuple[int, float, int] | None:
        """Off the heap, the least-loaded reviewer neither on the application nor
        conflicted with it who has the lowest penalty among those equally loaded
        (looking at up to SCAN of them); the ones passed over go back on the
        heap. None when nobody eligible has capacity left. The penalty, lowest
        best, in order: the applicant's own region (`region`, given with
        `prefer_other_region`), then the most applications shared with a
        reviewer already on this one."""
        heap, together, region_of = self.heap, self.together, self.region_of
        passed_over = []
        best = None
        best_penalty = math.inf  # any candidate's penalty is lower
        looked = 0
        while heap:
            if best is not None and (heap[0][0] > best[0] or looked >= SCAN):
                break
            entry = heappop(heap)
            reviewer_id = entry[2]
            if reviewer_id in already or reviewer_id in blocked:
                passed_over.append(entry)
                continue
            looked += 1
            overlap = 0
            if already:
                shared_with = together.get(reviewer_id)
                if shared_with:
                    for other in already:
                        count = shared_with.get(other, 0)
                        if count > overlap:
                            overlap = count
            penalty = overlap
            if region is not None and region_of[reviewer_id] == region:
                penalty += _SAME_REGION
            if penalty < best_penalty:
                if best is not None:
                    passed_over.append(best)
                best, best_penalty = entry, penalty
                if not penalty:
                    break
            else:
                passed_over.append(entry)
        for entry in passed_over:
            heappush(heap, entry)
        return best

    def put_on(self, entry: tuple[int, float, int], already: set[int]) -> None:
        """Put the reviewer popped as `entry` on the application whose reviewers
        are `already`: they now share it with each of them, and go back on the
        heap one load higher while they have capacity left."""
        load_now, _draw, reviewer_id = entry
        together = self.together
        shared_with = together[reviewer_id]
        for other in already:
            shared_with[other] = shared_with.get(other, 0) + 1
            together[other][reviewer_id] = together[other].get(reviewer_id, 0) + 1
        already.add(reviewer_id)
        if load_now + 1 < self.capacity_of[reviewer_id]:
            heappush(self.heap, (load_now + 1, self.draw(), reviewer_id))


# The penalty is one int ordered as the tuple (same region, overlap) would be:
# overlaps stay far below 2**40. (A step at a "pair limit" of overlaps, once
# added here, could never change a choice: it only grows with the overlap.)
_SAME_REGION = 1 << 40

# How many of the least-loaded reviewers are looked at for the best co-reviewer
# mix before taking the best seen: keeps 10,000 x 3 within a second.
SCAN = 24


def _why_unassignable(application, reviewers, conflicted, per_application) -> str:
    free = sum(1 for reviewer in reviewers if (application.id, reviewer.id) not in conflicted and reviewer.capacity)
    if free < per_application:
        return ngettext(
            "Only %(count)d reviewer with capacity in this round has no conflict of interest with it.",
            "Only %(count)d reviewers with capacity in this round have no conflict of interest with it.",
            free,
        ) % {"count": free}
    return _(
        "The reviewers without a conflict of interest have reached their capacity: "
        "raise their capacity or add reviewers, then assign again."
    )
