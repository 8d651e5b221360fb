"""Where each benchmarked page spends its time: every page of `make bench`
requested in-process (Django's test client, production settings, the benchmark
database, signed in as its role), its wall time per request split into

    database   executing the queries and reading their rows (psycopg)
    queries    the ORM building the SQL (`as_sql`, subqueries included)
    templates  rendering templates, without the database and query time inside
    cache      Redis round trips
    the rest   middleware, the view's own Python, forms, rows made into objects

then, from cProfile over the same requests, the functions with the most time of
their own. The sections nest: time is counted once, in the innermost.

    BENCH_DATABASE_URL=... .venv/bin/python bench/breakdown.py [--requests 40] [--output breakdown]

Run after `make bench` (it reads the database `make bench` seeded); writes
bench/results/<output>.md and .json."""

import argparse
import cProfile
import json
import os
import pstats
import sys
import sysconfig
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import DEFAULT_DATABASE_URL, RESULTS, _environment  # noqa: E402

os.environ.update(_environment(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL))

import django_side  # noqa: E402  (sets Django up)
from django.core.cache.backends.redis import RedisCacheClient  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.sql import compiler  # noqa: E402
from django.template.base import Template  # noqa: E402
from django.test import Client  # noqa: E402

SECTIONS = ("database", "queries", "templates", "cache")


class Sections:
    """Exclusive wall time per named section: a section's time leaves out the
    sections run inside it."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self._stack: list[list] = []

    def run(self, name: str, function, *args, **kwargs):
        started = time.perf_counter()
        self._stack.append([name, 0.0])
        try:
            return function(*args, **kwargs)
        finally:
            _, inner = self._stack.pop()
            elapsed = time.perf_counter() - started
            self.totals[name] += elapsed - inner
            if self._stack:
                self._stack[-1][1] += elapsed

    def wrap(self, owner, attribute: str, name: str) -> None:
        original = owner.__dict__[attribute]

        def timed(*args, **kwargs):
            return self.run(name, original, *args, **kwargs)

        setattr(owner, attribute, timed)

    def database(self, execute, sql, params, many, context):
        return self.run("database", execute, sql, params, many, context)


def _instrument(sections: Sections) -> None:
    for name in ("SQLCompiler", "SQLInsertCompiler", "SQLDeleteCompiler", "SQLUpdateCompiler", "SQLAggregateCompiler"):
        connection.ops.compiler(name)  # imports the backend's own compilers
    pending = [compiler.SQLCompiler]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if "as_sql" in cls.__dict__:
            sections.wrap(cls, "as_sql", "queries")
    sections.wrap(Template, "render", "templates")
    for attribute, value in list(vars(RedisCacheClient).items()):
        if callable(value) and not attribute.startswith("_"):
            sections.wrap(RedisCacheClient, attribute, "cache")


def _measure(client: Client, path: str, requests: int, sections: Sections) -> dict:
    for _ in range(3):
        client.get(path)
    sections.totals.clear()
    cpu, started = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(sections.database):
        for _ in range(requests):
            response = client.get(path)
    wall = (time.perf_counter() - started) / requests * 1000
    parts = {name: sections.totals[name] / requests * 1000 for name in SECTIONS}
    return {
        "status": response.status_code,
        "kilobytes": round(len(response.content) / 1024, 1),
        "wall_ms": round(wall, 2),
        "cpu_ms": round((time.process_time() - cpu) / requests * 1000, 2),
        **{f"{name}_ms": round(value, 2) for name, value in parts.items()},
        "rest_ms": round(wall - sum(parts.values()), 2),
    }


def _own_time(client: Client, path: str, requests: int, top: int) -> list[dict]:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        client.get(path)
    profile.disable()
    stats = pstats.Stats(profile).stats
    total = sum(row[2] for row in stats.values()) or 1.0
    rows = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return [
        {
            "function": f"{_short(filename)}:{line}({function})",
            "share": round(own / total * 100, 1),
            "calls": calls // requests,
        }
        for (filename, line, function), (_, calls, own, _, _) in rows
    ]


def _short(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/", sysconfig.get_paths()["stdlib"] + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--top", type=int, default=6, help="Functions listed per page from cProfile.")
    parser.add_argument("--output", default="breakdown")
    args = parser.parse_args()
    sections = Sections()
    _instrument(sections)
    pages = []
    for name, path, role, user in django_side.pages():
        client = Client(HTTP_HOST="127.0.0.1")
        if user is not None:
            client.force_login(user)
        figures = _measure(client, path, args.requests, sections)
        figures["own_time"] = _own_time(client, path, args.requests, args.top)
        pages.append({"name": name, "path": path, "role": role, **figures})
        print(f"{name}: {figures['wall_ms']} ms", file=sys.stderr)
    report = {
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "requests": args.requests,
        "pages": pages,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.output}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{args.output}.md").write_text(_markdown(report))
    print(_markdown(report))


def _markdown(report: dict) -> str:
    lines = [
        "# Where each page's time goes",
        "",
        f"Run {report['finished_at']} by `bench/breakdown.py`: each page of `make bench` requested "
        f"{report['requests']} times in-process (Django's test client, production settings, the benchmark "
        "database, signed in as its role), after three requests to warm it. Wall milliseconds per request, "
        "split into sections that do not overlap (a template's queries count as database and queries, not "
        "as templates). The rest is middleware, the views' own Python, forms and rows made into objects. "
        "The profiler adds nothing to these figures; the functions below are from a second pass under "
        "cProfile, as shares of the profiled time.",
        "",
        "| Page | ms | CPU ms | database | queries | templates | cache | the rest | KB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in report["pages"]:
        lines.append(
            f"| {page['name']} | {page['wall_ms']} | {page['cpu_ms']} | {page['database_ms']} | "
            f"{page['queries_ms']} | {page['templates_ms']} | {page['cache_ms']} | {page['rest_ms']} | "
            f"{page['kilobytes']} |"
        )
    lines += ["", "## The functions with most time of their own, per page", ""]
    for page in report["pages"]:
        own = "; ".join(f"`{row['function']}` {row['share']} % ({row['calls']} calls)" for row in page["own_time"])
        lines.append(f"- **{page['name']}** (`{page['path']}`): {own}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
