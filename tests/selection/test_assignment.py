"""The assignment plan and automatic conflicts, as pure functions on generated data."""

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selection.assignment import ApplicationFacts, ReviewerFacts, find_conflicts, plan_assignments


def check_invariants(plan, *, applications, reviewers, existing, conflicts, per_application, loads=None):
    """No conflicted or duplicate pair, nobody above capacity (counting `loads`, the
    round-wide load, when the plan was a top-up of some applications), no
    application above its number, every shortfall explained, and no shortfall
    while a reviewer it could have had still has room."""
    pairs = list(existing) + plan.new
    assert len(pairs) == len(set(pairs))
    assert not set(plan.new) & set(conflicts)
    new_load = Counter(reviewer_id for _application_id, reviewer_id in plan.new)
    if loads is None:
        load = Counter(reviewer_id for _application_id, reviewer_id in pairs)
    else:
        load = Counter(loads) + new_load
    capacity = {reviewer.id: reviewer.capacity for reviewer in reviewers}
    for reviewer_id in new_load:
        assert load[reviewer_id] <= capacity[reviewer_id]
    per = Counter(application_id for application_id, _reviewer_id in pairs)
    assert all(count <= per_application for count in per.values())
    for application in applications:
        missing = per_application - per[application.id]
        if missing > 0:
            assert plan.unassignable[application.id][0] == missing
            assert plan.unassignable[application.id][1] != ""
            on_it = {reviewer_id for application_id, reviewer_id in pairs if application_id == application.id}
            could_have = [
                reviewer.id
                for reviewer in reviewers
                if (application.id, reviewer.id) not in conflicts
                and reviewer.id not in on_it
                and load[reviewer.id] < reviewer.capacity
            ]
            assert could_have == [], f"application {application.id} left short while {could_have} had room"
        else:
            assert application.id not in plan.unassignable
    return load


def balance(load, reviewers):
    """How uneven the load is where capacities allow: the highest load of anyone
    minus the lowest load of a reviewer who still had room (a reviewer stopped by
    a small capacity may sit lower)."""
    open_loads = [load[reviewer.id] for reviewer in reviewers if load[reviewer.id] < reviewer.capacity]
    if not open_loads:
        return 0
    return max(load[reviewer.id] for reviewer in reviewers) - min(open_loads)


@st.composite
def rounds(draw, with_conflicts=True):
    reviewer_count = draw(st.integers(min_value=1, max_value=12))
    application_count = draw(st.integers(min_value=0, max_value=40))
    regions = draw(st.integers(min_value=1, max_value=4))
    reviewers = [
        ReviewerFacts(
            id=1000 + n,
            region_id=draw(st.integers(min_value=1, max_value=regions)),
            capacity=draw(st.integers(min_value=0, max_value=20)),
        )
        for n in range(reviewer_count)
    ]
    applications = [
        ApplicationFacts(id=n, applicant_id=5000 + n, region_id=draw(st.integers(min_value=1, max_value=regions)))
        for n in range(application_count)
    ]
    conflicts = set()
    if with_conflicts and applications:
        conflicts = draw(
            st.sets(
                st.tuples(st.sampled_from([a.id for a in applications]), st.sampled_from([r.id for r in reviewers])),
                max_size=20,
            )
        )
    per_application = draw(st.integers(min_value=1, max_value=3))
    return applications, reviewers, conflicts, per_application


@settings(max_examples=150, deadline=None, database=None)
@given(rounds(), st.booleans())
def test_plan_assignments_never_conflicted_over_capacity_or_duplicated(round_facts, prefer_other_region):
    applications, reviewers, conflicts, per_application = round_facts
    plan = plan_assignments(
        applications=applications,
        reviewers=reviewers,
        existing=[],
        conflicts=conflicts,
        per_application=per_application,
        prefer_other_region=prefer_other_region,
    )
    check_invariants(
        plan,
        applications=applications,
        reviewers=reviewers,
        existing=[],
        conflicts=conflicts,
        per_application=per_application,
    )


@settings(max_examples=150, deadline=None, database=None)
@given(rounds(with_conflicts=False), st.booleans())
def test_plan_assignments_balanced_within_one_where_capacities_allow(round_facts, prefer_other_region):
    applications, reviewers, conflicts, per_application = round_facts
    plan = plan_assignments(
        applications=applications,
        reviewers=reviewers,
        existing=[],
        conflicts=conflicts,
        per_application=per_application,
        prefer_other_region=prefer_other_region,
    )
    load = check_invariants(
        plan,
        applications=applications,
        reviewers=reviewers,
        existing=[],
        conflicts=conflicts,
        per_application=per_application,
    )
    assert balance(load, reviewers) <= 1


@settings(max_examples=60, deadline=None, database=None)
@given(rounds(), st.integers(min_value=0, max_value=10_000))
def test_plan_assignments_second_run_tops_up_only_what_is_missing(round_facts, seed):
    applications, reviewers, conflicts, per_application = round_facts
    arguments = {"applications": applications, "conflicts": conflicts, "per_application": per_application}
    first = plan_assignments(reviewers=reviewers, existing=[], **arguments)
    # Nothing changed: the second run adds nothing.
    assert plan_assignments(reviewers=reviewers, existing=first.new, **arguments).new == []
    # Some assignments lost (a reviewer removed by hand): only those slots are filled again.
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    kept = rng.sample(first.new, k=len(first.new) // 2)
    second = plan_assignments(reviewers=reviewers, existing=kept, **arguments)
    check_invariants(
        second,
        applications=applications,
        reviewers=reviewers,
        existing=kept,
        conflicts=conflicts,
        per_application=per_application,
    )
    kept_per = Counter(application_id for application_id, _reviewer_id in kept)
    assert all(kept_per[application_id] < per_application for application_id, _reviewer_id in second.new)


@settings(max_examples=100, deadline=None, database=None)
@given(rounds(), st.integers(min_value=0, max_value=10_000))
def test_plan_assignments_top_up_of_some_applications_counts_the_whole_rounds_load(round_facts, seed):
    """Reassigning one application (a declared conflict, a reassignment) plans it
    alone, with `existing` its own pairs and `loads` every reviewer's load in the
    round: nobody goes past their capacity counting their other applications."""
    applications, reviewers, conflicts, per_application = round_facts
    arguments = {"reviewers": reviewers, "conflicts": conflicts, "per_application": per_application}
    first = plan_assignments(applications=applications, existing=[], seed=seed, **arguments)
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    kept = rng.sample(first.new, k=len(first.new) // 2)
    topped_up = [application for application in applications if rng.random() < 0.5]
    topped_up_ids = {application.id for application in topped_up}
    loads = Counter(reviewer_id for _application_id, reviewer_id in kept)
    own_pairs = [pair for pair in kept if pair[0] in topped_up_ids]

    top_up = plan_assignments(applications=topped_up, existing=own_pairs, loads=dict(loads), seed=seed, **arguments)

    check_invariants(
        top_up,
        applications=topped_up,
        reviewers=reviewers,
        existing=own_pairs,
        conflicts=conflicts,
        per_application=per_application,
        loads=loads,
    )
    assert {application_id for application_id, _reviewer_id in top_up.new} <= topped_up_ids


def test_plan_assignments_top_up_skips_a_reviewer_full_with_other_applications():
    """Reviewer 10 has reached their capacity of 2 with two other applications:
    topping up application 1 alone takes reviewer 12, whatever the tie-break."""
    applications = [ApplicationFacts(id=1, applicant_id=9)]
    reviewers = [
        ReviewerFacts(id=10, capacity=2),
        ReviewerFacts(id=11, capacity=5),
        ReviewerFacts(id=12, capacity=5),
    ]
    for seed in range(10):
        plan = plan_assignments(
            applications=applications,
            reviewers=reviewers,
            existing=[(1, 11)],
            conflicts=set(),
            per_application=2,
            loads={10: 2, 11: 3, 12: 3},
            seed=seed,
        )
        assert plan.new == [(1, 12)]


def test_plan_assignments_fills_the_most_constrained_application_first():
    """Two reviewers with room for one application each; application 2 conflicts
    with reviewer 11. Filled in id order, application 1 could take reviewer 10
    and leave application 2 with nobody; the most constrained goes first, so both
    are filled, for every tie-break."""
    applications = [ApplicationFacts(id=1, applicant_id=8), ApplicationFacts(id=2, applicant_id=9)]
    reviewers = [ReviewerFacts(id=10, capacity=1), ReviewerFacts(id=11, capacity=1)]
    for seed in range(10):
        plan = plan_assignments(
            applications=applications,
            reviewers=reviewers,
            existing=[],
            conflicts={(2, 11)},
            per_application=1,
            seed=seed,
        )
        assert sorted(plan.new) == [(1, 11), (2, 10)]
        assert plan.unassignable == {}


def test_plan_assignments_for_a_recorded_seed_stays_the_same_plan():
    """The round's report records the seed so that assigning again reproduces the
    plan: this plan, made by the code that wrote the first reports, must not
    change when the code is made faster (ties, mixing and region preference all
    decide something here)."""
    applications = [ApplicationFacts(id=n, applicant_id=100 + n, region_id=n % 3) for n in range(1, 9)]
    reviewers = [ReviewerFacts(id=20 + n, region_id=n % 3, capacity=5) for n in range(6)]
    plan = plan_assignments(
        applications=applications,
        reviewers=reviewers,
        existing=[(1, 20)],
        conflicts={(2, 21), (3, 21), (3, 22)},
        per_application=3,
        prefer_other_region=True,
        seed=2016,
    )
    # fmt: off
    assert plan.new == [
        (3, 24), (3, 25), (3, 23), (2, 22), (2, 23), (2, 20), (1, 21), (1, 25), (4, 22), (4, 21), (4, 24), (5, 24),
        (5, 20), (5, 21), (6, 25), (6, 22), (6, 23), (7, 22), (7, 25), (7, 20), (8, 21), (8, 23), (8, 24),
    ]
    # fmt: on


def test_plan_assignments_gives_a_slot_to_the_least_loaded_reviewer():
    """Reviewer 10 already has three applications and reviewer 11 none: the next
    slot goes to reviewer 11, whatever the tie-break."""
    applications = [ApplicationFacts(id=n, applicant_id=100 + n) for n in range(1, 5)]
    reviewers = [ReviewerFacts(id=10, capacity=5), ReviewerFacts(id=11, capacity=5)]
    for seed in range(10):
        plan = plan_assignments(
            applications=applications,
            reviewers=reviewers,
            existing=[(1, 10), (2, 10), (3, 10)],
            conflicts=set(),
            per_application=1,
            seed=seed,
        )
        assert plan.new == [(4, 11)]


# Reviewer 1 is on application 9, which needs one more. Reviewers 1 and 2 already
# share three applications, reviewers 1 and 3 one; everyone equally loaded.
SHARING = {"existing": [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1), (4, 3), (9, 1)]}
SHARING_LOADS = {1: 5, 2: 4, 3: 4}


@pytest.mark.parametrize("prefer_other_region", [False, True])
@pytest.mark.parametrize("relabel", [{1: 1, 2: 2, 3: 3}, {1: 3, 2: 2, 3: 1}], ids=["lowest-on-it", "highest-on-it"])
def test_plan_assignments_top_up_pairs_reviewers_who_share_fewest_applications(prefer_other_region, relabel):
    """The mix counts the applications each two reviewers already share, also when
    every reviewer left is in the applicant's own region (and whichever of two
    reviewers has the lower id)."""
    applications = [ApplicationFacts(id=n, applicant_id=100 + n, region_id=7) for n in (1, 2, 3, 4, 9)]
    reviewers = [ReviewerFacts(id=n, region_id=7, capacity=10) for n in (1, 2, 3)]
    existing = [(application_id, relabel[reviewer_id]) for application_id, reviewer_id in SHARING["existing"]]
    loads = {relabel[reviewer_id]: load for reviewer_id, load in SHARING_LOADS.items()}
    for seed in range(10):
        plan = plan_assignments(
            applications=applications,
            reviewers=reviewers,
            existing=existing,
            conflicts=set(),
            per_application=2,
            prefer_other_region=prefer_other_region,
            loads=loads,
            seed=seed,
        )
        assert plan.new == [(9, relabel[3])]


def test_plan_assignments_top_up_of_one_application_uses_the_rounds_shared_counts():
    """Topping up application 9 alone, told how many applications each two
    reviewers share across the round (`shared`), it avoids the pair sharing most."""
    for seed in range(10):
        plan = plan_assignments(
            applications=[ApplicationFacts(id=9, applicant_id=109)],
            reviewers=[ReviewerFacts(id=n, capacity=10) for n in (1, 2, 3)],
            existing=[(9, 1)],
            conflicts=set(),
            per_application=2,
            loads=SHARING_LOADS,
            shared={(1, 2): 3, (1, 3): 1},
            seed=seed,
        )
        assert plan.new == [(9, 3)]


@pytest.mark.parametrize("seed", range(6))
def test_plan_assignments_told_the_shared_counts_plans_as_when_it_counts_them_itself(seed):
    """`shared` and `loads` say of the round what `existing` says when it holds every
    pair: given both ways, a round of 60 applications over 8 reviewers, two thirds
    assigned, is topped up with the same reviewers (each two reviewers' shared
    applications counted once each, whichever way round)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    arguments = {
        "applications": [ApplicationFacts(id=n, applicant_id=5000 + n, region_id=rng.randint(1, 3)) for n in range(60)],
        "reviewers": [ReviewerFacts(id=1000 + n, region_id=rng.randint(1, 3), capacity=30) for n in range(8)],
        "conflicts": set(),
        "per_application": 3,
        "prefer_other_region": bool(seed % 2),
        "seed": seed,
    }
    first = plan_assignments(existing=[], **arguments)
    kept = rng.sample(first.new, k=len(first.new) * 2 // 3)
    reviewers_of = {}
    for application_id, reviewer_id in kept:
        reviewers_of.setdefault(application_id, set()).add(reviewer_id)
    shared = Counter(pair for ids in reviewers_of.values() for pair in itertools.combinations(sorted(ids), 2))
    loads = Counter(reviewer_id for _application_id, reviewer_id in kept)

    counted = plan_assignments(existing=kept, **arguments)
    told = plan_assignments(existing=kept, loads=dict(loads), shared=dict(shared), **arguments)

    assert len(counted.new) == 60 * 3 - len(kept)
    assert (told.new, told.unassignable) == (counted.new, counted.unassignable)


def test_plan_assignments_counts_the_applications_it_pairs_reviewers_on_as_it_goes():
    """Reviewer 1 is on applications 1 and 2 already. Reviewer 2 joins them on
    application 1 (the less loaded); for application 2, reviewers 2 and 3 are
    equally loaded, and 2 now shares one application with reviewer 1 (just
    assigned) while 3 shares two (from before): 2 is taken, whatever the tie-break."""
    for seed in range(10):
        plan = plan_assignments(
            applications=[ApplicationFacts(id=1, applicant_id=101), ApplicationFacts(id=2, applicant_id=102)],
            reviewers=[ReviewerFacts(id=n, capacity=10) for n in (1, 2, 3)],
            existing=[(1, 1), (2, 1)],
            conflicts=set(),
            per_application=2,
            loads={1: 6, 2: 1, 3: 2},
            shared={(1, 3): 2},
            seed=seed,
        )
        assert plan.new == [(1, 2), (2, 2)]


def test_plan_assignments_ignores_regions_unless_asked():
    applications = [ApplicationFacts(id=1, applicant_id=9, region_id=7)]
    reviewers = [ReviewerFacts(id=10, region_id=7, capacity=5), ReviewerFacts(id=11, region_id=8, capacity=5)]
    chosen = {
        plan_assignments(
            applications=applications, reviewers=reviewers, existing=[], conflicts=set(), per_application=1, seed=seed
        ).new[0][1]
        for seed in range(20)
    }
    assert chosen == {10, 11}


def test_plan_assignments_explains_reviewers_without_conflict_too_few_in_the_plural():
    applications = [ApplicationFacts(id=1, applicant_id=9)]
    reviewers = [ReviewerFacts(id=n, capacity=5) for n in (10, 11, 12, 13)]
    plan = plan_assignments(
        applications=applications, reviewers=reviewers, existing=[], conflicts={(1, 10), (1, 11)}, per_application=3
    )
    assert plan.unassignable == {
        1: (1, "Only 2 reviewers with capacity in this round have no conflict of interest with it.")
    }


def test_plan_assignments_blames_capacity_when_exactly_enough_reviewers_have_no_conflict():
    """Two reviewers without a conflict for two places, one of them full: the
    reason is capacity, not a lack of reviewers."""
    applications = [ApplicationFacts(id=1, applicant_id=8), ApplicationFacts(id=2, applicant_id=9)]
    reviewers = [ReviewerFacts(id=10, capacity=1), ReviewerFacts(id=11, capacity=5)]
    plan = plan_assignments(
        applications=applications, reviewers=reviewers, existing=[(1, 10)], conflicts=set(), per_application=2
    )
    assert plan.unassignable[2][1].startswith(
        "The reviewers without a conflict of interest have reached their capacity"
    )


def test_plan_assignments_at_scale_keeps_every_invariant():
    """10,000 applications x 3 reviewers over 300 reviewers in 15 regions, with
    same-organisation conflicts and capacities of 100 to 120."""
    rng = random.Random(2016)  # noqa: S311 - reproducible test data
    reviewers = [
        ReviewerFacts(
            id=100_000 + n, organisation_id=rng.randrange(400), region_id=n % 15, capacity=rng.randint(100, 120)
        )
        for n in range(300)
    ]
    applications = [
        ApplicationFacts(id=n, applicant_id=200_000 + n, organisation_id=rng.randrange(400), region_id=n % 15)
        for n in range(10_000)
    ]
    conflicts = set(find_conflicts(applications, reviewers))
    assert len(conflicts) > 1000
    plan = plan_assignments(
        applications=applications,
        reviewers=reviewers,
        existing=[],
        conflicts=conflicts,
        per_application=3,
        prefer_other_region=True,
    )
    load = check_invariants(
        plan, applications=applications, reviewers=reviewers, existing=[], conflicts=conflicts, per_application=3
    )
    assert len(plan.new) == 30_000
    assert plan.unassignable == {}
    assert balance(load, reviewers) <= 1
    region_of = {reviewer.id: reviewer.region_id for reviewer in reviewers}
    same_region = sum(1 for application_id, reviewer_id in plan.new if region_of[reviewer_id] == application_id % 15)
    # A preference, not a rule: balance comes first, so a handful (without it, 1 in 15) share a region.
    assert same_region < len(plan.new) // 200
    # Idempotent at scale too.
    again = plan_assignments(
        applications=applications, reviewers=reviewers, existing=plan.new, conflicts=conflicts, per_application=3
    )
    assert again.new == []


def test_plan_assignments_prefers_a_reviewer_from_another_region():
    applications = [ApplicationFacts(id=1, applicant_id=9, region_id=7)]
    reviewers = [ReviewerFacts(id=10, region_id=7, capacity=5), ReviewerFacts(id=11, region_id=8, capacity=5)]
    plan = plan_assignments(
        applications=applications,
        reviewers=reviewers,
        existing=[],
        conflicts=set(),
        per_application=1,
        prefer_other_region=True,
    )
    assert plan.new == [(1, 11)]


def test_plan_assignments_falls_back_to_the_same_region_rather_than_leave_a_gap():
    applications = [ApplicationFacts(id=1, applicant_id=9, region_id=7)]
    reviewers = [ReviewerFacts(id=10, region_id=7, capacity=5), ReviewerFacts(id=11, region_id=8, capacity=5)]
    plan = plan_assignments(
        applications=applications,
        reviewers=reviewers,
        existing=[],
        conflicts=set(),
        per_application=2,
        prefer_other_region=True,
    )
    assert sorted(plan.new) == [(1, 10), (1, 11)]


def test_plan_assignments_explains_an_application_everyone_is_conflicted_with():
    applications = [ApplicationFacts(id=1, applicant_id=9), ApplicationFacts(id=2, applicant_id=8)]
    reviewers = [ReviewerFacts(id=10, capacity=5), ReviewerFacts(id=11, capacity=5)]
    plan = plan_assignments(
        applications=applications,
        reviewers=reviewers,
        existing=[],
        conflicts={(1, 10)},
        per_application=2,
    )
    assert sorted(plan.new) == [(1, 11), (2, 10), (2, 11)]
    assert plan.unassignable == {
        1: (1, "Only 1 reviewer with capacity in this round has no conflict of interest with it.")
    }


def test_plan_assignments_explains_capacity_running_out():
    applications = [ApplicationFacts(id=n, applicant_id=100 + n) for n in range(3)]
    reviewers = [ReviewerFacts(id=10, capacity=1), ReviewerFacts(id=11, capacity=1)]
    plan = plan_assignments(
        applications=applications, reviewers=reviewers, existing=[], conflicts=set(), per_application=1
    )
    assert len(plan.new) == 2
    assert list(plan.unassignable.values()) == [
        (
            1,
            "The reviewers without a conflict of interest have reached their capacity: "
            "raise their capacity or add reviewers, then assign again.",
        )
    ]


def test_find_conflicts_same_organisation_record_and_the_applicant_themself():
    applications = [
        ApplicationFacts(id=1, applicant_id=50, organisation_id=7),
        ApplicationFacts(id=2, applicant_id=10, organisation_id=8),
        ApplicationFacts(id=3, applicant_id=51, organisation_id=None),
    ]
    reviewers = [
        ReviewerFacts(id=10, organisation_id=7),
        ReviewerFacts(id=11, organisation_id=9),
        ReviewerFacts(id=12, organisation_id=None),
    ]
    assert find_conflicts(applications, reviewers) == {(1, 10): "same_organisation", (2, 10): "is_applicant"}


def test_find_conflicts_the_nominator_and_the_nominating_organisation():
    applications = [
        ApplicationFacts(id=1, applicant_id=50, organisation_id=7, nominated_by_id=11, nominating_organisation_id=9),
        ApplicationFacts(id=2, applicant_id=51, organisation_id=8),
    ]
    reviewers = [
        ReviewerFacts(id=10, organisation_id=9),  # works for the nominating organisation
        ReviewerFacts(id=11, organisation_id=3),  # nominated applicant 1 personally
        ReviewerFacts(id=12, organisation_id=4),
    ]

    assert find_conflicts(applications, reviewers) == {(1, 10): "nominated", (1, 11): "nominated"}
