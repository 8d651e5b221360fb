"""Automatic assignment, 10,000 applications x 3 reviewers over 300 reviewers
(issue 22's row): where the time goes.

    .venv/bin/python bench/assignment.py            # the plan alone (no database)
    BENCH_DATABASE_URL=... .venv/bin/python bench/assignment.py --service
                                                     # also assignments_auto on the
                                                     # seed_scale round, rolled back

The plan alone is `scoring.assignment.plan_assignments` on generated facts
(15 regions, same-organisation conflicts, prefer another region), the median
of five runs. With `--service`, `assignments_auto` runs on the scale data's
round in review as `bench/django_side.py assign` runs it (a first run on the
closed round, rolled back afterwards), with the time of each SQL statement
and of the plan inside it. Writes bench/results/assignment.md and prints it.
Not part of `make bench` (which times the service once, `django_side.py
assign`); the machine's load average is printed beside the figures, since on
a shared 2-core machine it moves them by a factor of several."""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def plan_alone(runs: int = 5) -> dict:
    from scoring.assignment import ApplicationFacts, ReviewerFacts, find_conflicts, plan_assignments
    from scoring.mixing import mixing

    rng = random.Random(2016)  # noqa: S311 - reproducible bench data
    reviewers = [
        ReviewerFacts(id=100_000 + n, organisation_id=rng.randrange(400), region_id=n % 15, capacity=120)
        for n in range(300)
    ]
    applications = [
        ApplicationFacts(id=n, applicant_id=200_000 + n, organisation_id=rng.randrange(400), region_id=n % 15)
        for n in range(10_000)
    ]
    conflicts = set(find_conflicts(applications, reviewers))
    seconds = []
    for seed in range(runs):
        started = time.perf_counter()
        plan = plan_assignments(
            applications=applications,
            reviewers=reviewers,
            existing=[],
            conflicts=conflicts,
            per_application=3,
            prefer_other_region=True,
            seed=seed,
        )
        seconds.append(time.perf_counter() - started)
    trios = {}
    for application_id, reviewer_id in plan.new:
        trios.setdefault(application_id, set()).add(reviewer_id)
    return {
        "median": statistics.median(seconds),
        "min": min(seconds),
        "max": max(seconds),
        "assignments": len(plan.new),
        "conflicts": len(conflicts),
        "distinct_trios": len({frozenset(trio) for trio in trios.values()}),
        "mixing": mixing(plan.new).as_dict(),
    }


def service() -> dict:
    sys.argv = [sys.argv[0]]
    sys.path.insert(0, str(Path(__file__).parent))
    import django_side
    from django.db import connection, transaction

    import scoring.assignment
    from applications.choices import ApplicationStatus, RoundStatus
    from applications.models import Application, Round
    from selection.choices import ConflictKind
    from selection.models import Assignment, Conflict
    from selection.services import assignments as assignment_services

    review_round = Round.objects.get(name=django_side.REVIEW_ROUND)
    programme = django_side.User.objects.get(email=django_side.PROGRAMME_EMAIL)
    statements: list[tuple[float, str]] = []
    planning: list[float] = []
    original_plan = scoring.assignment.plan_assignments

    def timed_plan(**arguments):
        started = time.perf_counter()
        try:
            return original_plan(**arguments)
        finally:
            planning.append(time.perf_counter() - started)

    def timed_statement(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, " ".join(sql.split())[:70]))

    outcome = {}
    assignment_services.plan_assignments = timed_plan
    try:
        with transaction.atomic():
            Assignment.objects.filter(round=review_round).delete()
            Conflict.objects.filter(round=review_round).exclude(kind=ConflictKind.DECLARED).delete()
            Application.objects.filter(round=review_round).update(status=ApplicationStatus.SUBMITTED)
            Round.objects.filter(pk=review_round.pk).update(status=RoundStatus.CLOSED)
            review_round.refresh_from_db()
            started = time.perf_counter()
            with connection.execute_wrapper(timed_statement):
                result = assignment_services.assignments_auto(round=review_round, by=programme)
            total = time.perf_counter() - started
            sql = sum(seconds for seconds, _text in statements)
            outcome = {
                "total": total,
                "sql": sql,
                "queries": len(statements),
                "plan": sum(planning),
                "other_python": total - sql - sum(planning),
                "created": result.created,
                "slowest": sorted(statements, reverse=True)[:6],
            }
            raise django_side._RolledBack
    except django_side._RolledBack:
        pass
    finally:
        assignment_services.plan_assignments = original_plan
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", action="store_true", help="also time assignments_auto on the bench database")
    args = parser.parse_args()
    lines = [
        "# Automatic assignment: where the time goes (`bench/assignment.py`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average before the run "
        f"{', '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs.",
        "",
    ]
    if args.service:
        os.environ["DATABASE_URL"] = os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/q_portal_bench"
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "q_portal.settings.production")
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "q_portal.settings.test")
    import django

    django.setup()
    alone = plan_alone()
    lines += [
        "## The plan alone (`plan_assignments`, no database)",
        "",
        f"10,000 applications x 3 over 300 reviewers, {alone['conflicts']:,} conflicts, another region preferred: "
        f"median {alone['median']:.2f} s of 5 (min {alone['min']:.2f}, max {alone['max']:.2f}); "
        f"{alone['assignments']:,} assignments, {alone['distinct_trios']:,} distinct trios; mixing "
        f"{alone['mixing']['groups']} group, at most {alone['mixing']['most_shared']} applications shared by "
        f"two reviewers, {alone['mixing']['co_reviewers']} co-reviewers each.",
        "",
    ]
    if args.service:
        measured = service()
        lines += [
            "## `assignments_auto` on the seed_scale round (first run, rolled back)",
            "",
            f"{measured['created']:,} assignments in {measured['total']:.2f} s: SQL {measured['sql']:.2f} s "
            f"({measured['queries']} statements), the plan {measured['plan']:.2f} s, the rest of the Python "
            f"(facts, audit rows, report) {measured['other_python']:.2f} s. Slowest statements:",
            "",
            *[f"- {seconds:.2f} s `{text}`" for seconds, text in measured["slowest"]],
            "",
        ]
    text = "\n".join(lines)
    (ROOT / "bench" / "results" / "assignment.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
