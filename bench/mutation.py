"""Mutation testing of the portal's rules (`make mutation`).

Runs mutmut (configured under `[tool.mutmut]` in pyproject.toml) once per rule
module below, one module at a time, each against only the tests that cover it,
and writes the score of each to `bench/results/mutation.md` (the raw counts and
every surviving mutant go to `bench/results/mutation.json`, which keeps the
last result of modules not run this time).

    make mutation                                   # every module
    make mutation MODULES="word-limits throttle"    # some of them
    .venv/bin/python bench/mutation.py --list       # the module names
    .venv/bin/python bench/mutation.py --rerun places   # only what the last run did not kill

A mutant is one small change to the code (`<` for `<=`, a deleted call, a
changed string). A module's score is the share of its mutants some test
failed on ("killed"); a mutant that a test run takes too long on counts as
killed too (it hangs), while one that no test even executes counts as
surviving. Each survivor is listed in the report, with the reason it is
harmless from `bench/mutation_notes.toml` when someone has written one; a
survivor without a reason is a gap in the tests (or code that can go).

Each module runs in its own process (mutmut keeps its state in module-level
globals) in a fresh `mutants/` folder (the last module's stays, for `mutmut
show`), with the module's tests given to mutmut as its test selection, under a
time limit (`MUTATION_TIMEOUT`, seconds per module, default 1800). Tests use
`DATABASE_URL` and `REDIS_URL` as `make test` does. It is not part of `make
test` or CI: run it before a release and when you change a rule. A long module
can be finished in parts: `--rerun` tests again only the mutants its last run did
not kill or did not reach (after a time limit, or after adding tests) and merges
them in, as long as the module's code is the same as then.
"""

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NOTES = ROOT / "bench" / "mutation_notes.toml"


@dataclass(frozen=True)
class Target:
    """One rule module: the code mutated and the tests that must notice."""

    name: str
    title: str
    path: str
    tests: list[str]
    # mutmut mutant-name patterns (fnmatch) limiting the run to the functions
    # holding the rule; empty means every function in the file.
    functions: list[str] = field(default_factory=list)
    # Shown in the report beside the score.
    note: str = ""


def _module(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _only(path: str, *names: str) -> list[str]:
    """Patterns for the named functions or methods of a file (a method as
    `Class.method`); mutmut names a mutant `module.x_function__mutmut_3`, or
    `module.xǁClassǁmethod__mutmut_3`."""
    module = _module(path)
    patterns = []
    for name in names:
        if "." in name:
            cls, method = name.split(".")
            patterns.append(f"{module}.xǁ{cls}ǁ{method}__mutmut_*")
        else:
            patterns.append(f"{module}.x_{name}__mutmut_*")
    return patterns


APPS = "tests/applications/"
SEL = "tests/selection/"
OUTBOX = "tests/outbox/"
# The retention schedule and erasure run every app's retention services.
RETENTION_TESTS = [
    "tests/q_portal/test_retention.py",
    "tests/q_portal/test_retention_bounded.py",
]

TARGETS = [
    Target(
        "round-state",
        "Deadlines and round state: when a round is accepting",
        "applications/models/rounds.py",
        [f"{APPS}test_deadlines.py", f"{APPS}test_round_models.py", f"{APPS}test_rounds_selectors.py"],
    ),
    Target(
        "deadline-guards",
        "Deadlines: the applicant's journey refused after closing",
        "applications/services/applications.py",
        [
            f"{APPS}test_deadlines.py",
            f"{APPS}test_applications_services.py",
            f"{APPS}test_application_journey_rules.py",
            f"{APPS}test_word_limits.py",
        ],
        _only(
            "applications/services/applications.py",
            "_move",
            "_refuse_after_deadline",
            "_refuse_unless_draft",
            "application_start",
            "application_save_section",
            "application_save_response",
            "application_submit",
            "_refuse_over_word_limit",
            "application_reopen",
            "application_withdraw",
            "application_delete_draft",
        ),
        note="the applicant's emails and adjustment replies in this file are not in this run",
    ),
    Target(
        "word-limits",
        "Word limits: counting and the limit",
        "applications/validators.py",
        [f"{APPS}test_word_limits.py", f"{APPS}test_applications_services.py", f"{APPS}test_nominations_forms.py"],
    ),
    Target(
        "sections",
        "Word limits and completeness: the task list's section states",
        "applications/selectors/applications.py",
        [
            f"{APPS}test_task_list.py",
            f"{APPS}test_word_limits.py",
            f"{APPS}test_deadlines.py",
        ],
        _only(
            "applications/selectors/applications.py",
            "_state",
            "route_needs_course",
            "route_needs_organisation",
            "application_sections",
            "application_is_complete",
            "answers_over_word_limit",
            "rounds_open_for_applications",
            "next_round_expected",
        ),
    ),
    Target(
        "quotas",
        "Nomination quotas, and accepting a nomination",
        "applications/services/nominations.py",
        [
            f"{APPS}test_nomination_quotas.py",
            f"{APPS}test_nomination_accept.py",
            f"{APPS}test_nominations_services.py",
            f"{APPS}test_deadlines.py",
        ],
        _only(
            "applications/services/nominations.py",
            "quota_for",
            "_refuse_unless_nominating",
            "_refuse_beyond_quota",
            "nomination_accept",
            "_refuse_unless_acceptable",
            "_nominees_application",
            "_draft_move_to_route",
            "_mark_accepted",
        ),
    ),
    Target(
        "placeholders",
        "Placeholders in email waves",
        "outreach/placeholders.py",
        ["tests/outreach/test_placeholders.py", "tests/outreach/test_services.py"],
    ),
    Target(
        "throttle",
        "The outbox throttle (emails a minute across workers)",
        "q_portal/outbox/throttle.py",
        [f"{OUTBOX}test_throttle.py", f"{OUTBOX}test_batches.py"],
    ),
    Target(
        "outbox-send",
        "The outbox: claiming due emails and sending them",
        "q_portal/outbox/services.py",
        [
            f"{OUTBOX}test_services.py",
            f"{OUTBOX}test_batches.py",
            f"{OUTBOX}test_tasks.py",
            f"{OUTBOX}test_throttle.py",
            # `_record_sent`'s PostgreSQL branch (its own commit) is tested there.
            "tests/quality/test_database_branches.py",
        ],
        _only(
            "q_portal/outbox/services.py",
            "outbox_send",
            "outbox_sweep",
            "outbox_recover",
            "_claim_due",
            "_deliver",
            "_record_sent",
            "_record_failure",
            "_release",
            # Whether a failure is retried, failed for good or suppressed as a bounce.
            "_smtp_codes",
            "_is_permanent",
            "_is_hard_bounce",
        ),
    ),
    Target(
        "release",
        "Releasing decisions to applicants",
        "selection/services/release.py",
        [
            f"{SEL}test_release_guards.py",
            f"{SEL}test_release_services.py",
            f"{SEL}test_release_records.py",
            f"{SEL}test_release_reversal.py",
            f"{SEL}test_release_runs.py",
            f"{SEL}test_release_views.py",
        ],
    ),
    Target(
        "places",
        "Places: offers, confirming, declining, lapsing, the waiting list",
        "selection/services/places.py",
        [
            f"{SEL}test_place_deadlines.py",
            f"{SEL}test_places_services.py",
            f"{SEL}test_places_records.py",
            f"{SEL}test_places_queries.py",
            f"{SEL}test_places_views.py",
        ],
    ),
    Target(
        "retention-applications",
        "Retention: applications",
        "applications/services/retention.py",
        [f"{APPS}test_retention.py", *RETENTION_TESTS],
    ),
    Target(
        "retention-selection",
        "Retention: selection records",
        "selection/services/retention.py",
        [f"{SEL}test_retention.py", *RETENTION_TESTS],
    ),
    # The pure algorithms moved to `scoring/` under issue 15: listed so they are measured.
    Target(
        "scoring",
        "Scoring and ranking (pure): the bias-corrected model",
        "scoring/model.py",
        ["tests/scoring/test_model.py", f"{SEL}test_scoring.py"],
        note="survivors worked on: each only changes the solver's path to the same answer, or cannot happen",
    ),
    Target(
        "scores",
        "Scoring and ranking (service)",
        "selection/services/scores.py",
        [
            f"{SEL}test_scores.py",
            f"{SEL}test_scoring.py",
            # The debounced recomputation after a review, and the board's "recalculate".
            f"{SEL}test_recompute.py",
            f"{SEL}test_board.py",
            # Both databases' branches (one statement vs Python) giving the same numbers.
            "tests/quality/test_database_branches.py",
        ],
    ),
    Target(
        "assignment",
        "Assignment of reviewers (pure)",
        "scoring/assignment.py",
        [f"{SEL}test_assignment.py", "tests/scoring/test_mixing.py"],
        note="survivors worked on",
    ),
    Target(
        "assignments",
        "Assignment of reviewers (service)",
        "selection/services/assignments.py",
        # test_conflicts: the automatic rules over the facts loaded here agree with the SQL rules;
        # test_progress: each change marks the round's kept figures out of date.
        [f"{SEL}test_assignment.py", f"{SEL}test_services.py", f"{SEL}test_conflicts.py", f"{SEL}test_progress.py"],
        note="survivors worked on: the demo's bulk writes (SQLite's path) compared with PostgreSQL's on PostgreSQL",
    ),
]
BY_NAME = {target.name: target for target in TARGETS}

# Bumped when the mutants made change, so older results in mutation.json are marked.
VERSION = 2
TABLE_HEADER = "| module | code | mutants | killed | score | equivalent or harmless | score without them | run |"
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout"}
STATUS.update({-24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout", None: "not checked"})


def _run_one(target: Target) -> None:
    """In a child process: run mutmut over one target and print its results as JSON."""
    from mutmut import configuration
    from mutmut.__main__ import _run

    _mutate_atomic_services()
    _mutate_guards_away()
    base = configuration._load_config()
    configuration._config = dataclasses.replace(
        base,
        also_copy=[*base.also_copy, *_apps_not_mutated(base)],
        only_mutate=[target.path],
        pytest_add_cli_args_test_selection=[path for path in target.tests if (ROOT / path).exists()],
    )
    only = json.loads(os.environ.get("MUTATION_ONLY") or "[]")
    try:
        _run(only or target.functions, max_children=1)
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise
    print("MUTATION-RESULT " + json.dumps(_mutants_from_meta(target)))


def _apps_not_mutated(config) -> list[Path]:
    """Every top-level package outside `source_paths` (a Django app added since
    pyproject's `also_copy` was written, such as `funding/`): the tests import
    them all through the settings, so each must be copied into `mutants/`."""
    mutated = {Path(path).parts[0] for path in config.source_paths}
    copied = {Path(path).parts[0] for path in config.also_copy}
    return sorted(
        Path(package.parent.name)
        for package in ROOT.glob("*/__init__.py")
        if package.parent.name not in mutated | copied | {"mutants"}
    )


def _mutants_from_meta(target: Target) -> list[dict]:
    """Each mutant of the target with its status, from the `mutants/` folder's
    record (mutmut writes it as it goes, so a stopped run keeps what it tested:
    the rest are "not checked" and left out of the score)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    meta = json.loads((ROOT / "mutants" / f"{target.path}.meta").read_text())
    mutants = []
    for name, code in sorted(meta["exit_code_by_key"].items(), key=lambda item: _order(item[0])):
        if target.functions and not any(_matches(name, pattern) for pattern in target.functions):
            continue
        status = STATUS.get(code, "suspicious")
        entry = {"name": name, "status": status}
        if status not in ("killed", "timeout", "not checked"):
            entry["diff"] = _changed_lines(get_diff_for_mutant(name, path=target.path))
        mutants.append(entry)
    return mutants


def _partial(target: Target, *, why: str, started: datetime) -> dict:
    """What a stopped run tested, from `mutants/` (an error if it tested nothing)."""
    try:
        mutants = _mutants_from_meta(target)
    except (OSError, ValueError, KeyError):
        mutants = []
    tested = sum(mutant["status"] != "not checked" for mutant in mutants)
    if not tested:
        return {"error": why, "at": started.isoformat()}
    return {
        "mutants": mutants,
        "seconds": round((datetime.now(UTC) - started).total_seconds()),
        "at": started.isoformat(),
        "version": VERSION,
        "partial": f"{why}: {tested} of {len(mutants)} mutants tested",
    }


def _mutate_atomic_services() -> None:
    """mutmut 3 leaves every decorated function alone (its trampolines would repeat
    a decorator's side effects), which here would skip every service: they are
    all `@transaction.atomic`, and that is where most guards live. That decorator
    has no side effect when applied twice (the trampoline and the copies each
    keep it; nested, it is a savepoint), so functions whose only decorators are
    `transaction.atomic` are mutated like any other. `@property` and other
    decorators stay skipped (see the report's note)."""
    import libcst as cst
    from mutmut.mutation import file_mutation

    def atomic(decorator: cst.Decorator) -> bool:
        node = decorator.decorator
        return (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and (node.value.value, node.attr.value) == ("transaction", "atomic")
        )

    original = file_mutation.MutationVisitor._skip_node_and_children
    if getattr(original, "atomic_services", False):
        return

    def skip(self, node):
        if isinstance(node, cst.FunctionDef) and node.decorators and all(atomic(d) for d in node.decorators):
            # The checks that need the original node (pragmas on the def line) are
            # kept by asking again with the decorators hidden only from the
            # decorator rule.
            decorators = node.decorators
            object.__setattr__(node, "decorators", ())
            try:
                return original(self, node)
            finally:
                object.__setattr__(node, "decorators", decorators)
        return original(self, node)

    skip.atomic_services = True
    file_mutation.MutationVisitor._skip_node_and_children = skip


def _mutate_guards_away() -> None:
    """Two changes mutmut 3 does not make, and the ones this portal most needs
    caught: an `if` whose test never holds (a guard such as `if not
    round.is_accepting: raise ...` removed), and a call made for its effect
    deleted (`_refuse_after_deadline(round)`, `audit_log(...)`, an email queued),
    written as a bare `None` statement."""
    import libcst as cst
    from mutmut.mutation import mutators

    def if_never(node: cst.If):
        yield node.with_changes(test=cst.Name("False"))

    def call_dropped(node: cst.Expr):
        if isinstance(node.value, cst.Call):
            yield node.with_changes(value=cst.Name("None"))

    if any(operator in (if_never, call_dropped) for _type, operator in mutators.mutation_operators):
        return
    mutators.mutation_operators.extend([(cst.If, if_never), (cst.Expr, call_dropped)])


def _matches(name: str, pattern: str) -> bool:
    from fnmatch import fnmatch

    return fnmatch(name, pattern)


def _order(name: str) -> tuple[str, int]:
    function, _sep, number = name.rpartition("__mutmut_")
    return function, int(number) if number.isdigit() else 0


def _changed_lines(diff: str) -> list[str]:
    return [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def _source_hash(target: Target) -> str:
    """Which version of the module a result is of: a mutant's number names a
    change only within one version."""
    return hashlib.sha256((ROOT / target.path).read_bytes()).hexdigest()[:16]


def run(target: Target, *, timeout: int, only: list[str] = ()) -> dict:
    """Run one target in a child process with a fresh mutants folder (only the
    named mutants, when given)."""
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    started = datetime.now(UTC)
    source = _source_hash(target)
    try:
        completed = subprocess.run(  # noqa: S603 - our own script
            [sys.executable, __file__, "--child", target.name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "MUTATION_ONLY": json.dumps(list(only))},
        )
    except subprocess.TimeoutExpired:
        return {
            **_partial(target, why=f"stopped after {timeout} s (MUTATION_TIMEOUT)", started=started),
            "source": source,
        }
    seconds = round((datetime.now(UTC) - started).total_seconds())
    for line in completed.stdout.splitlines():
        if line.startswith("MUTATION-RESULT "):
            mutants = json.loads(line.removeprefix("MUTATION-RESULT "))
            return {
                "mutants": mutants,
                "seconds": seconds,
                "at": started.isoformat(),
                "version": VERSION,
                "source": source,
            }
    output = (completed.stdout + completed.stderr).strip().splitlines()
    reasons = [line.strip() for line in output if line.startswith(("ERROR ", "FAILED ", "E   ")) or "Error:" in line]
    reason = " / ".join((reasons or output)[-3:])
    return {"error": f"mutmut did not finish: {reason}", "seconds": seconds, "at": started.isoformat()}


def _not_killed(result: dict) -> list[str]:
    return [mutant["name"] for mutant in result.get("mutants", []) if mutant["status"] not in ("killed", "timeout")]


def rerun(target: Target, last: dict, *, timeout: int) -> dict:
    """Test again only the mutants the last run of this module did not kill (its
    survivors, and the ones a partial run did not reach), against the tests as
    they are now, and merge: a mutant killed then is killed still, as tests are
    only added. Refused when the module changed since (its mutants are others)."""
    if "error" in last or last.get("version") != VERSION:
        raise SystemExit(f"{target.name}: no complete result of this version to rerun; run it whole")
    if last.get("source") != _source_hash(target):
        raise SystemExit(f"{target.name}: {target.path} changed since its last run (or it is unrecorded); run it whole")
    again = _not_killed(last)
    if not again:
        return last
    fresh = run(target, timeout=timeout, only=again)
    if "error" in fresh:
        raise SystemExit(f"{target.name}: the rerun did not finish, the last result is kept: {fresh['error']}")
    by_name = {mutant["name"]: mutant for mutant in fresh["mutants"] if mutant["status"] != "not checked"}
    mutants = [by_name.get(mutant["name"], mutant) for mutant in last["mutants"]]
    merged = {
        **last,
        "mutants": mutants,
        "seconds": last.get("seconds", 0) + fresh["seconds"],
        "at": fresh["at"],
        "parts": last.get("parts", 1) + 1,
    }
    tested = sum(mutant["status"] != "not checked" for mutant in mutants)
    merged.pop("partial", None)
    if tested < len(mutants):
        merged["partial"] = f"stopped after {timeout} s (MUTATION_TIMEOUT): {tested} of {len(mutants)} mutants tested"
    return merged


def score(result: dict) -> tuple[int, int, float]:
    mutants = result.get("mutants", [])
    killed = sum(mutant["status"] in ("killed", "timeout") for mutant in mutants)
    total = sum(mutant["status"] not in ("skipped", "not checked") for mutant in mutants)
    return killed, total, (100.0 * killed / total if total else 0.0)


def _harmless(result: dict, notes: dict) -> int:
    """Survivors whose note says they are equivalent or harmless (not a gap
    closed since the run: those still count against the score)."""
    return sum(
        notes.get(mutant["name"].rpartition(".")[2], "").startswith(("Equivalent", "Harmless"))
        for mutant in result.get("mutants", [])
        if mutant["status"] not in ("killed", "timeout", "not checked", "skipped")
    )


def write_report(results: dict) -> None:
    notes = tomllib.loads(NOTES.read_text()) if NOTES.exists() else {}
    lines = [*REPORT_INTRO, TABLE_HEADER, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    lines += [_score_row(target, results.get(target.name), notes.get(target.name, {})) for target in TARGETS]
    table_end = len(lines)
    lines += ["", "## Surviving mutants", ""]
    for target in TARGETS:
        lines += _survivor_lines(target, results.get(target.name) or {}, notes.get(target.name, {}))
    (RESULTS / "mutation.md").write_text("\n".join(lines).rstrip() + "\n")
    _update_readme(lines[lines.index(TABLE_HEADER) : table_end])


REPORT_INTRO = [
    "# Mutation testing of the portal's rules",
    "",
    "Written by `make mutation` (`bench/mutation.py`, mutmut 3 configured in `pyproject.toml`). Each module is",
    "mutated on its own and run against only the tests that cover it. Score = mutants killed (a test failed, or",
    "the run hung) / mutants tested; a mutant no test executes counts as surviving. Target: ≥ 95 %, and no",
    'surviving mutant that removes a permission, deadline, quota or capacity guard. "Score without them" leaves',
    "out the survivors `bench/mutation_notes.toml` explains as equivalent or harmless (a gap closed by a test",
    "added after the run still counts against the score until the next run). A run stopped at its time limit",
    "(`MUTATION_TIMEOUT`) keeps the mutants it tested, marked **partial**; the ones it did not reach are left out.",
    "A module finished in parts (`bench/mutation.py --rerun`) keeps the mutants its earlier part killed, on the",
    "same code, and tests again the rest against the tests as they are now; the time shown is the last part's.",
    "",
    "Beyond mutmut's own mutants, `bench/mutation.py` makes two that mutmut 3 does not: an `if` whose test",
    "never holds, and a call made for its effect deleted (a guard, an audit entry, an email removed). It also",
    "mutates `@transaction.atomic` services, which mutmut 3 skips as decorated functions. Functions with other",
    "decorators (`@property`, such as `Round.is_accepting`; `@shared_task`) are still not mutated: their rules",
    "are covered by tests at the exact instants (`tests/applications/test_deadlines.py`) but not measured here.",
    "",
]


def _score_row(target: Target, result: dict | None, notes: dict[str, str]) -> str:
    """The module's row of the score table: its counts, score, and score without
    the survivors explained as harmless, with when and how it was run."""
    if result is None:
        return f"| {target.title} | `{target.path}` | - | - | not run | - | - | {target.note} |"
    if "error" in result:
        return f"| {target.title} | `{target.path}` | - | - | failed | - | - | {result['error'][:200]} |"
    killed, total, percent = score(result)
    harmless = _harmless(result, notes)
    without = 100.0 * killed / (total - harmless) if total - harmless else 0.0
    when = result["at"][:16].replace("T", " ")
    extra = f"; {target.note}" if target.note else ""
    if result.get("parts", 1) > 1:
        extra += f"; in {result['parts']} parts (`--rerun`: the survivors and untested mutants of the last)"
    if result.get("partial"):
        extra += f"; **partial**, {result['partial']}"
    if result.get("version") != VERSION:
        extra += "; **an older run**, without the services' and guard-removing mutants: run it again"
    scope = " (rule functions)" if target.functions else ""
    return (
        f"| {target.title} | `{target.path}`{scope} | {total} | {killed} | {percent:.1f} % | {harmless} "
        f"| {without:.1f} % | {when} UTC, {result.get('seconds', '?')} s{extra} |"
    )


def _survivor_lines(target: Target, result: dict, notes: dict[str, str]) -> list[str]:
    """The module's surviving mutants, each with its note (or as a gap) and its diff."""
    survivors = [
        mutant
        for mutant in result.get("mutants", [])
        if mutant["status"] not in ("killed", "timeout", "not checked", "skipped")
    ]
    if not survivors:
        return []
    lines = [f"### {target.title} (`{target.path}`)", ""]
    if target.note:
        lines += [f"_{target.note}_", ""]
    for mutant in survivors:
        short = mutant["name"].rpartition(".")[2]
        why = notes.get(short, "NOT EXPLAINED: a gap in the tests")
        lines.append(f"- `{short}` ({mutant['status']}): {why}")
        lines += ["  ```diff", *[f"  {line}" for line in mutant.get("diff", [])], "  ```"]
    lines.append("")
    return lines


def _update_readme(table: list[str]) -> None:
    """Put the score table in the README between its two markers."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = "<!-- mutation scores: written by bench/mutation.py -->", "<!-- end of mutation scores -->"
    if start not in text or end not in text:
        return
    before, _sep, rest = text.partition(start)
    _old, _sep, after = rest.partition(end)
    readme.write_text(before + start + "\n" + "\n".join(table) + "\n" + end + after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="module names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the modules and exit")
    parser.add_argument("--report", action="store_true", help="rewrite mutation.md from mutation.json and exit")
    parser.add_argument(
        "--salvage",
        metavar="MODULE",
        help="record what a run of MODULE stopped by hand tested, from the mutants/ folder it left, and exit",
    )
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="test again only the mutants the last run of each module did not kill (to finish a partial run, or "
        "after adding tests), and merge the results; refused if the module changed since",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.child:
        _run_one(BY_NAME[args.child])
        return
    if args.list:
        for target in TARGETS:
            print(f"{target.name:24} {target.path:42} {target.title}")
        return
    store = RESULTS / "mutation.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    if args.salvage:
        target = BY_NAME[args.salvage]
        started = datetime.fromtimestamp((ROOT / "mutants").stat().st_mtime, UTC)
        results[target.name] = _partial(target, why="stopped by hand", started=started)
        store.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        write_report(results)
        print(results[target.name].get("partial") or results[target.name].get("error"))
        return
    if not args.report:
        unknown = [name for name in args.modules if name not in BY_NAME]
        if unknown:
            parser.error(f"unknown module(s): {', '.join(unknown)}; see --list")
        timeout = int(os.environ.get("MUTATION_TIMEOUT", "1800"))
        for target in [BY_NAME[name] for name in args.modules] or TARGETS:
            print(f"{target.name}: mutating {target.path} ...", flush=True)
            if args.rerun:
                results[target.name] = rerun(target, results.get(target.name, {"error": "never run"}), timeout=timeout)
            else:
                results[target.name] = run(target, timeout=timeout)
            if "error" in results[target.name]:
                print(f"  {results[target.name]['error']}", flush=True)
            else:
                killed, total, percent = score(results[target.name])
                print(f"  {killed}/{total} killed: {percent:.1f} %", flush=True)
            store.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
            write_report(results)
    write_report(results)


if __name__ == "__main__":
    main()
