"""The assignment mixes reviewers (scoring.assignment + scoring.mixing)."""

from collections import Counter

from scoring.assignment import ApplicationFacts, ReviewerFacts, plan_assignments
from scoring.mixing import mixing


def round_facts(applications: int, reviewers: int, capacity: int):
    return (
        [ApplicationFacts(id=i, applicant_id=100_000 + i) for i in range(1, applications + 1)],
        [ReviewerFacts(id=j, capacity=capacity) for j in range(1, reviewers + 1)],
    )


def plan(applications, reviewers, seed=7, existing=(), conflicts=()):
    return plan_assignments(
        applications=applications,
        reviewers=reviewers,
        existing=list(existing),
        conflicts=list(conflicts),
        per_application=3,
        seed=seed,
    )


def test_a_round_without_conflicts_is_one_well_mixed_group():
    """Before, 1,000 applications over 60 reviewers made 20 islands of three
    reviewers sharing 50 applications each."""
    applications, reviewers = round_facts(1000, 60, 50)
    made = plan(applications, reviewers)
    mixed = mixing(made.new)

    assert len(made.new) == 3000
    assert mixed.groups == 1
    assert mixed.most_shared <= 4
    assert mixed.co_reviewers > 50
    loads = Counter(reviewer for _a, reviewer in made.new)
    assert max(loads.values()) - min(loads.values()) <= 1


def test_the_same_seed_gives_the_same_assignment_and_another_seed_another():
    applications, reviewers = round_facts(200, 20, 40)
    assert plan(applications, reviewers, seed=3).new == plan(applications, reviewers, seed=3).new
    assert plan(applications, reviewers, seed=3).new != plan(applications, reviewers, seed=4).new


def test_mixing_still_respects_conflicts_and_a_rerun_adds_nothing():
    applications, reviewers = round_facts(300, 12, 100)
    conflicts = {(a.id, 1 + a.id % 12) for a in applications}
    made = plan(applications, reviewers, conflicts=conflicts)

    assert not set(made.new) & conflicts
    assert plan(applications, reviewers, existing=made.new, conflicts=conflicts).new == []


def test_islands_are_counted():
    assert mixing([(1, 1), (1, 2), (2, 3), (2, 4)]).groups == 2
    assert mixing([(1, 1), (1, 2), (2, 2), (2, 3)]).groups == 1


def test_ten_thousand_applications_by_three_over_300_reviewers_are_one_group_of_distinct_trios():
    """The benchmark's size (its time is measured in `make bench`, not here)."""
    applications, reviewers = round_facts(10_000, 300, 100)
    made = plan(applications, reviewers)
    assert len(made.new) == 30_000
    trios = Counter()
    for application_id, reviewer_id in made.new:
        trios[application_id] |= 1 << reviewer_id
    # Every application has three different reviewers, and hardly any trio repeats.
    assert all(bin(trio).count("1") == 3 for trio in trios.values())
    assert len(set(trios.values())) > 9_900
    mixed = mixing(made.new)
    assert mixed.groups == 1
    assert mixed.most_shared <= 2


def test_the_scoring_package_imports_no_models():
    """The line drawn for the exchange app: nothing in scoring imports Django
    models or a portal app."""
    import pathlib

    for path in pathlib.Path("scoring").glob("*.py"):
        text = path.read_text()
        for forbidden in ("django.db", "from selection", "from applications", "from members", "from q_portal"):
            assert forbidden not in text, (path, forbidden)
