"""Automatic assignment, 10,000 applications x 3 reviewers over 300 reviewers
(issue 22's row): where the time goes.

    .venv/bin/python bench/assignment.py            # the plan alone (no database)
    BENCH_DATABASE_URL=... .venv/bin/python bench/assignment.py --service [--runs N]
                                                     # also assignments_auto on the
                                                     # seed_scale round, rolled back,
                                                     # N times (default 5)

The plan alone is `scoring.assignment.plan_assignments` on generated facts
(15 regions, same-organisation conflicts, prefer another region), the median
of five runs. With `--service`, `assignments_auto` runs on the scale data's
round in review as `bench/django_side.py assign` runs it (a first run on the
closed round, rolled back afterwards) several times: the best and median
wall time, alone and with the foreign-key checks a commit would make, the
CPU time of this process and of its PostgreSQL backend (read from /proc when
the database is on this machine), and the time of each SQL statement and of
the plan inside the best run. Writes bench/results/assignment.md and prints it.
Not part of `make bench` (which times the service once, `django_side.py
assign`); the machine's load average is printed beside the figures, since on
a shared 2-core machine it moves them by a factor of several."""

import argparse
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc; 0 when the
    database runs elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def service(runs: int = 5) -> dict:
    """`assignments_auto` on the scale round `runs` times, each a first run rolled
    back: its wall time alone and with the foreign-key checks a commit would make
    (`SET CONSTRAINTS ALL IMMEDIATE` before the rollback, as `django_side.py
    assign` does), the CPU time of this process and of its PostgreSQL backend
    (which the machine's load inflates much less than wall time), and each
    statement's time."""
    django_side = _django_side()
    from applications.models import Round

    review_round = Round.objects.get(name=django_side.REVIEW_ROUND)
    programme = django_side.User.objects.get(email=django_side.PROGRAMME_EMAIL)
    measured = [_service_once(django_side, review_round, programme) for _run in range(runs)]
    best = min(measured, key=lambda run: run["with_checks"])
    return {
        **best,
        "runs": runs,
        "median_total": statistics.median(run["total"] for run in measured),
        "median_with_checks": statistics.median(run["with_checks"] for run in measured),
        "best_total": min(run["total"] for run in measured),
        "median_cpu": statistics.median(run["cpu"] for run in measured),
        "best_cpu": min(run["cpu"] for run in measured),
        "median_database_cpu": statistics.median(run["database_cpu"] for run in measured),
        "best_database_cpu": min(run["database_cpu"] for run in measured),
    }


def _django_side():
    """bench/django_side.py as a module: Django set up on the bench database."""
    sys.argv = [sys.argv[0]]
    sys.path.insert(0, str(Path(__file__).parent))
    import django_side

    return django_side


def _service_once(django_side, review_round, programme) -> dict:
    """One first run of `assignments_auto` on the round put back to closed, timed,
    then rolled back."""
    from django.db import transaction

    outcome = {}
    planning: list[float] = []
    with _planning_timed(planning):
        try:
            with transaction.atomic():
                django_side.round_back_to_closed(review_round)
                outcome = _timed_run(review_round, programme, planning)
                raise django_side._RolledBack
        except django_side._RolledBack:
            pass
    return outcome


@contextmanager
def _planning_timed(planning: list[float]):
    """While open, each call of the planner that `assignments_auto` makes adds its
    time to `planning`."""
    import scoring.assignment
    from selection.services import assignments as assignment_services

    original_plan = scoring.assignment.plan_assignments

    def timed_plan(**arguments):
        started = time.perf_counter()
        try:
            return original_plan(**arguments)
        finally:
            planning.append(time.perf_counter() - started)

    assignment_services.plan_assignments = timed_plan
    try:
        yield
    finally:
        assignment_services.plan_assignments = original_plan


def _timed_run(review_round, programme, planning: list[float]) -> dict:
    """`assignments_auto` once in the open transaction: wall and CPU time (ours and
    the database backend's), each statement's time, then the foreign-key checks."""
    from django.db import connection

    from selection.services import assignments as assignment_services

    statements: list[tuple[float, str]] = []

    def timed_statement(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, " ".join(sql.split())[:70]))

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    database_cpu = _cpu_seconds(backend)
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(timed_statement):
        result = assignment_services.assignments_auto(round=review_round, by=programme)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    checks = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    checks = time.perf_counter() - checks
    database_cpu = _cpu_seconds(backend) - database_cpu
    sql = sum(seconds for seconds, _text in statements)
    return {
        "total": total,
        "with_checks": total + checks,
        "checks": checks,
        "cpu": cpu,
        "database_cpu": database_cpu,
        "sql": sql,
        "queries": len(statements),
        "plan": sum(planning),
        "other_python": total - sql - sum(planning),
        "created": result.created,
        "slowest": sorted(statements, reverse=True)[:6],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", action="store_true", help="also time assignments_auto on the bench database")
    parser.add_argument("--runs", type=int, default=5, help="runs of the service (default 5)")
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
        measured = service(runs=args.runs)
        lines += [
            "## `assignments_auto` on the seed_scale round (first run, rolled back)",
            "",
            f"{measured['created']:,} assignments; {measured['runs']} runs: best {measured['best_total']:.2f} s, "
            f"median {measured['median_total']:.2f} s; with the foreign-key checks a commit would make, best "
            f"{measured['with_checks']:.2f} s, median {measured['median_with_checks']:.2f} s. CPU time, best and "
            f"median: this process {measured['best_cpu']:.2f} s and {measured['median_cpu']:.2f} s, its database "
            f"backend (with the checks) {measured['best_database_cpu']:.2f} s and "
            f"{measured['median_database_cpu']:.2f} s. The best run (with the checks): {measured['total']:.2f} s "
            f"+ {measured['checks']:.2f} s of checks; SQL {measured['sql']:.2f} s ({measured['queries']} statements), "
            f"the plan {measured['plan']:.2f} s, the rest of the Python (facts, audit rows, report) "
            f"{measured['other_python']:.2f} s. Its slowest statements:",
            "",
            *[f"- {seconds:.2f} s `{text}`" for seconds, text in measured["slowest"]],
            "",
            f"Load average after the runs: {', '.join(f'{load:.1f}' for load in os.getloadavg())}.",
            "",
        ]
    text = "\n".join(lines)
    (ROOT / "bench" / "results" / "assignment.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
