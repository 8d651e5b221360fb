"""Does a page cost the same at ten times the size? (`make bench-flat`)

Serves the two benchmark databases side by side, `make bench`'s (10,000
applications) and `make bench-large`'s (100,000), each with one gunicorn worker
under production settings, and times every key page alone (one request at a
time, the median of `--requests`) on each: page by page, the two sizes in
turn, `--passes` times, keeping each size's best median. On a machine shared
with other work both sizes of a page then meet the same load within seconds,
so the ratio between them holds even when the times do not. Issue 22 asks each page at 100,000 to
be within 20 % of its time at 10,000.

Both databases must have been built (`make bench`, `make bench-large`, or
`--skip-seed` runs of them). Redis: `BENCH_REDIS_URL` as `make bench` (database
15) at 10,000, `BENCH_LARGE_REDIS_URL` (database 14) at 100,000. Writes
bench/results/flatness.md.

    .venv/bin/python bench/flatness.py [--passes 2] [--requests 15] [directory board ...]

Words after the options pick the pages whose names contain any of them."""

import argparse
import os
from datetime import UTC, datetime

from run import (
    RESULTS,
    _alone,
    _environment,
    _free_port,
    _load_average,
    _log,
    _prepare,
    _start_gunicorn,
    start_beat,
)

SIZES = {
    "10,000": os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/q_portal_bench",
    "100,000": os.environ.get("BENCH_LARGE_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/q_portal_bench_large",
}
# Within this ratio a page counts as flat (issue 22: within 20 %).
FLAT = 1.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("pages", nargs="*", help="words picking the pages by name (default: every page)")
    args = parser.parse_args()
    load_at_start = _load_average()
    prepared = {}
    for size, database_url in SIZES.items():
        environment = _environment(database_url)
        # The sessions are signed with the key they were made under; the
        # two sizes' caches must not answer for each other.
        environment["SECRET_KEY"] = os.environ.get("BENCH_SECRET_KEY") or "bench-flatness-" + "x" * 40
        if size == "100,000":
            environment["REDIS_URL"] = os.environ.get("BENCH_LARGE_REDIS_URL", "redis://127.0.0.1:6379/14")
        _log(f"Signing in at {size} applications")
        pages = [page for page in _prepare(environment)["pages"] if _picked(page["name"], args.pages)]
        prepared[size] = (environment, pages)
    servers, beats = {}, []
    try:
        for size, (environment, _pages) in prepared.items():
            port = _free_port()
            servers[size] = (port, _start_gunicorn(environment, port, 1))
            beats.append(start_beat(environment))
        best = _measure(prepared, servers, args)
    finally:
        for process in [server for _port, server in servers.values()] + beats:
            process.terminate()
            process.wait()
    report = _markdown(best, args, load_at_start)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "flatness.md").write_text(report)
    _log(f"Wrote {RESULTS / 'flatness.md'}")
    print(report)


def _measure(prepared: dict, servers: dict, args: argparse.Namespace) -> dict[str, dict]:
    """Page by page, each size in turn, `--passes` times: whatever else loads
    the machine meets both sizes of a page within seconds of each other."""
    best: dict[str, dict] = {}
    names = [page["name"] for page in next(iter(prepared.values()))[1]]
    for name in names:
        _log(f"{name}")
        row = best.setdefault(name, {})
        for _number in range(args.passes):
            for size, (_settings, pages) in prepared.items():
                page = next(page for page in pages if page["name"] == name)
                median = _alone(servers[size][0], page, count=args.requests)["alone_p50_ms"]
                row[size] = min(row.get(size, median), median)
                row[size + " queries"] = page["queries"]
                row.setdefault("path", page["path"])
    return best


def _picked(name: str, words: list[str]) -> bool:
    return not words or any(word.lower() in name.lower() for word in words)


def _markdown(best: dict[str, dict], args: argparse.Namespace, load_at_start: list[float]) -> str:
    small, large = SIZES
    lines = [
        "# Flatness: each page at 10,000 and at 100,000 applications",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/flatness.py`: one gunicorn worker, production "
        f"settings, each page alone (the median of {args.requests} requests, the best of {args.passes} passes, "
        "the two sizes measured in turn, page by page). "
        f"Load average at the start {', '.join(map(str, load_at_start))}; "
        f"at the end {', '.join(map(str, _load_average()))}.",
        "",
        f"| Page | {small} ms | {large} ms | ratio | flat (≤ {FLAT}) | queries |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, row in best.items():
        ratio = row[large] / row[small]
        queries = f"{row[small + ' queries']} / {row[large + ' queries']}"
        lines.append(
            f"| {name} (`{row['path']}`) | {row[small]} | {row[large]} | {ratio:.2f} "
            f"| {'yes' if ratio <= FLAT else '**no**'} | {queries} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
