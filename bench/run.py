"""The benchmark (`make bench`): builds the scale data set in its own PostgreSQL
database, serves the portal with gunicorn under production settings on
127.0.0.1, drives each key page with signed-in sessions from other processes,
and writes bench/results/latest.md and latest.json.

Plain Python: the standard library and the project's venv. The load generator
is threads over http.client in a few processes, bounded by time and count,
loopback only. Query counts come from one request per page through Django's
test Client against the same database.

    .venv/bin/python bench/run.py [--applications 10000 --members 5000 --reviewers 300]
                                  [--seconds 10 --requests 2000 --concurrency 20] [--skip-seed]
"""

import argparse
import contextlib
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def _load_wave_bench():
    """bench/wave.py, loaded by its path: its name is also a standard library module's."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_wave", Path(__file__).with_name("wave.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wave_bench = _load_wave_bench()
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/q_portal_bench"


def _environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="q_portal.settings.production",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
    )
    return env


def _log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def _recreate_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not (name.startswith("q_portal_bench") or (name.startswith("q_portal_h") and name.endswith("_bench"))):
        raise SystemExit(
            f"Refusing to recreate {name!r}: the benchmark database's name starts with q_portal_bench "
            "(or is a helper's q_portal_hNN_bench)."
        )
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def _vacuum_analyze(database_url: str) -> None:
    """Fresh planner statistics and visibility maps after the bulk load, so plans
    and index-only scans are those of a database that has been running a while."""
    import psycopg

    connection = psycopg.connect(database_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603 - our own command


def _django_side(env: dict[str, str], command: str) -> dict:
    """Run `django_side.py <command>` in its own Django process; its last line
    of output is the JSON result."""
    return wave_bench.json_of_script(env, str(Path(__file__).with_name("django_side.py")), command)


def _prepare(env: dict[str, str]) -> dict:
    """In a Django process: sessions, URLs and query counts for each page."""
    return _django_side(env, "prepare")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_beat(env: dict[str, str]) -> subprocess.Popen:
    """Beat's part in the pages (`django_side.py beat`: the rounds' progress
    counted every minute), as production runs it beside the web workers."""
    script = str(Path(__file__).with_name("django_side.py"))
    return subprocess.Popen([PYTHON, script, "beat"], cwd=ROOT, env=env)  # noqa: S603 - our own script


def _start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    command = [
        str(Path(PYTHON).with_name("gunicorn")),
        "q_portal.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own server
    # Generous: on a machine busy with other work, five workers importing Django take a while.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 120 seconds.")


def _worker_load(port: int, path: str, cookie: str, threads: int, seconds: float, requests: int) -> dict:
    """One load process: `threads` keep-alive connections, each sending requests
    until its share of the count or the time runs out."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    per_thread = max(1, requests // threads)
    headers = {"Host": HOST, "Cookie": cookie} if cookie else {"Host": HOST}

    def run():
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine, codes = [], {}
        for _ in range(per_thread):
            if time.monotonic() >= deadline:
                break
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                status = 0
            mine.append(time.perf_counter() - started)
            codes[status] = codes.get(status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {"latencies": latencies, "statuses": statuses}


def _alone(port: int, page: dict, count: int = 25) -> dict:
    """One request at a time on one connection, nothing else running: the
    latency a single user sees (the load figures add queueing for the CPUs)."""
    headers = {"Host": HOST, "Cookie": page["cookie"]} if page["cookie"] else {"Host": HOST}
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    latencies = []
    for _ in range(count + 3):
        started = time.perf_counter()
        connection.request("GET", page["path"], headers=headers)
        connection.getresponse().read()
        latencies.append(time.perf_counter() - started)
    connection.close()
    latencies = latencies[3:]  # the first few warm the worker's caches
    return {
        "alone_p50_ms": round(_percentile(latencies, 0.50) * 1000, 1),
        "alone_p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
    }


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def _load(port: int, page: dict, *, concurrency: int, seconds: float, requests: int, processes: int) -> dict:
    shares = [concurrency // processes + (1 if n < concurrency % processes else 0) for n in range(processes)]
    shares = [share for share in shares if share]
    # A short warm-up so every worker has imported and connected.
    _worker_load(port, page["path"], page["cookie"], min(concurrency, 4), 5, 20)
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=len(shares)) as executor:
        futures = [
            executor.submit(
                _worker_load, port, page["path"], page["cookie"], share, seconds, requests * share // concurrency
            )
            for share in shares
        ]
        results = [future.result() for future in futures]
    elapsed = time.monotonic() - started
    latencies = [value for result in results for value in result["latencies"]]
    statuses: dict[str, int] = {}
    for result in results:
        for code, count in result["statuses"].items():
            statuses[str(code)] = statuses.get(str(code), 0) + count
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else 0.0,
        "statuses": statuses,
    }


def _peak_memory_mb(server: subprocess.Popen) -> dict:
    """Peak resident memory (VmHWM) of the gunicorn master and its workers."""

    def hwm(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    children = []
    with contextlib.suppress(OSError):
        children = [int(pid) for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
    workers = [hwm(pid) for pid in children]
    return {
        "master_mb": round(hwm(server.pid), 1),
        "worker_max_mb": round(max(workers), 1) if workers else 0.0,
        "workers": len(workers),
    }


def _load_average() -> list[float]:
    """The machine's load over the last 1, 5 and 15 minutes at the end of the run:
    other work on the machine shows here (the figures are best read as ratios)."""
    return [round(value, 2) for value in os.getloadavg()]


def _machine(database_url: str) -> dict:
    import psycopg

    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    connection = psycopg.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    connection.close()
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": postgres,
        "platform": platform.platform(),
    }


def _markdown(report: dict) -> str:
    return "\n".join(
        [
            *_markdown_setting(report),
            *_markdown_pages(report["pages"]),
            "",
            *_markdown_assignment(report["assignment"]),
            "",
            f"Peak memory: gunicorn master {report['memory']['master_mb']} MB, largest of "
            f"{report['memory']['workers']} workers {report['memory']['worker_max_mb']} MB.",
            "",
            *([wave_bench.markdown(report["wave"]), ""] if report.get("wave") else []),
            *([_retention_markdown(report["retention"]), ""] if report.get("retention") else []),
            *([_release_markdown(report["release"]), ""] if report.get("release") else []),
            "",
        ]
    )


def _markdown_setting(report: dict) -> list[str]:
    """The title, and the machine, data, server and load the figures come from."""
    machine, sizes = report["machine"], report["sizes"]
    return [
        "# Benchmark results",
        "",
        f"Run {report['finished_at']} by `make bench` (`bench/run.py`).",
        "",
        f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB memory, "
        f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, {machine['platform']}."
        + (
            f" Load average at the end of the run (1, 5, 15 min): {', '.join(map(str, report['load_average']))}"
            + (
                f"; at its start {', '.join(map(str, report['load_average_at_start']))}"
                if report.get("load_average_at_start")
                else ""
            )
            + " (other sessions share the machine: read the figures as ratios to /healthz in the same run)."
            if report.get("load_average")
            else ""
        ),
        "",
        f"Data: {sizes['applications']:,} applications with 3 submitted reviews each, {sizes['members']:,} members, "
        f"{sizes['reviewers']:,} reviewers, 50 organisations"
        + (f" (seed_scale took {report['seed_seconds']} s)." if report["seed_seconds"] else "."),
        "",
        f"Server: gunicorn, {report['server']['workers']} sync workers, production settings, on 127.0.0.1. "
        f"Load: {report['load']['concurrency']} concurrent keep-alive connections from "
        f"{report['load']['processes']} Python processes (threads over http.client), each page for at most "
        f"{report['load']['seconds']} s or {report['load']['requests']:,} requests. The load generator shares the "
        "machine's CPUs with the server, so the figures are a floor, best compared with each other.",
        "",
        "One request alone: one connection, one request at a time, nothing else loading the server "
        "(median and p95 of 25).",
        "",
    ]


def _markdown_pages(pages: list[dict]) -> list[str]:
    """One row a page, its rate also as a ratio to the first page's (/healthz)."""
    lines = [
        "| Page | Signed in as | Requests/s | x baseline | p50 ms | p95 ms | p99 ms | Alone p50 ms | Alone p95 ms "
        "| Queries | Requests | Statuses | Issue 22's target | This run |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    baseline = pages[0]["rps"] or 1
    for page in pages:
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(page["statuses"].items()))
        lines.append(
            f"| {page['name']} (`{page['path']}`) | {page['role']} | {page['rps']} | {page['rps'] / baseline:.2f} "
            f"| {page['p50_ms']} | {page['p95_ms']} | {page['p99_ms']} | {page.get('alone_p50_ms', '')} "
            f"| {page.get('alone_p95_ms', '')} | {page['queries']} | {page['requests']} "
            f"| {statuses} | {_target(page['name'])} | {_verdict(page, baseline)} |"
        )
    return lines


def _markdown_assignment(assign: dict) -> list[str]:
    return [
        f"Automatic assignment (`assignments_auto`): {assign['applications']:,} applications x "
        f"{assign['per_application']} over {assign['reviewers']} reviewers, {assign['created']:,} assignments made "
        f"in {assign['seconds']} s: a first run on the closed round, finding conflicts and starting the review "
        "(rolled back afterwards)"
        + (
            f"; {assign['with_commit_checks_seconds']} s with the deferred foreign-key checks a commit would run."
            if "with_commit_checks_seconds" in assign
            else "."
        ),
    ]


def _targets(name: str) -> tuple[float | None, float] | None:
    """Issue 22's target for a page: (ratio to /healthz in the same run under load, or
    None; milliseconds alone), or None for the baseline itself."""
    if name.startswith("Baseline"):
        return None
    if name.startswith("Selection board"):
        return 0.25, 20
    if name.startswith("Insight"):
        return None, 50
    return 1 / 3, 20


def _target(name: str) -> str:
    targets = _targets(name)
    if targets is None:
        return ""
    ratio, alone = targets
    return (f"≥ {ratio:.2f} x baseline; " if ratio else "") + f"≤ {alone} ms alone"


def _verdict(page: dict, baseline: float) -> str:
    """Whether the page met its targets in this run, and which it missed."""
    targets = _targets(page["name"])
    if targets is None:
        return ""
    ratio, alone = targets
    missed = []
    if ratio and page["rps"] / baseline < ratio:
        missed.append("ratio")
    if page.get("alone_p50_ms") is None or page["alone_p50_ms"] > alone:
        missed.append("alone")
    return "met" if not missed else "missed: " + " and ".join(missed)


def _retention_markdown(retention: dict) -> str:
    return (
        f"Retention (`retention_run`): one run of the whole schedule ({retention['rules']} rules) with "
        f"{retention['outbox_rows']:,} outbox rows past their period took {retention['seconds']} s in "
        f"{retention['queries']} queries and emptied {retention['outbox_changed']:,} of them (the batch limit, "
        f"{retention['batch_size']:,}); the next run resumes (rolled back afterwards)."
    )


def _release_markdown(release: dict) -> str:
    return (
        f"Releasing decisions (`release_start`, then the release task's body `release_run_continue`): "
        f"{release['released']:,} of {release['decisions']:,} decisions released in **{release['seconds']} s** "
        f"(confirming took {release['confirm_seconds']} s), {release['batch_size']} a batch with the progress "
        f"stored after each, {release['queries']} queries, an email queued for each applicant (rolled back afterwards)."
    )


def main() -> None:
    args = _arguments()
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    env = _environment(database_url)
    load_at_start = _load_average()
    seed_seconds = None if args.skip_seed else _seed(env, database_url, args)
    _manage(env, "collectstatic", "--no-input", "-v", "0")
    _log("Signing in and counting queries")
    prepared = _prepare(env)
    served = _serve_and_load(env, prepared["pages"], args)
    timings = _timings(env, skip_wave=args.skip_wave)
    report = {
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": _machine(database_url),
        "sizes": prepared["sizes"],
        "seed_seconds": seed_seconds,
        "server": {"workers": served["workers"], "kind": "gunicorn sync"},
        "load": {
            "concurrency": args.concurrency,
            "processes": served["processes"],
            "seconds": args.seconds,
            "requests": args.requests,
            "tool": "bench/run.py (http.client threads)",
        },
        "pages": served["pages"],
        **timings,
        "load_average": _load_average(),
        "load_average_at_start": load_at_start,
        "memory": served["memory"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.output}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{args.output}.md").write_text(_markdown(report))
    _log(f"Wrote {RESULTS / args.output}.md and .json")
    print(_markdown(report))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--reviewers", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0, help="At most this long per page.")
    parser.add_argument("--requests", type=int, default=2000, help="At most this many requests per page.")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 2 x CPUs + 1).")
    parser.add_argument("--skip-seed", action="store_true", help="Reuse the database from the last run.")
    parser.add_argument("--skip-wave", action="store_true", help="Leave out the email wave (not data-bound).")
    parser.add_argument("--output", default="latest", help="bench/results/<output>.md and .json (default latest).")
    return parser.parse_args()


def _seed(env: dict[str, str], database_url: str, args: argparse.Namespace) -> float:
    """A new database with the scale data set; returns how long seed_scale took."""
    _log(f"Creating {urlsplit(database_url).path.lstrip('/')} and migrating")
    _recreate_database(database_url)
    _manage(env, "migrate", "--no-input", "-v", "0")
    _log(f"seed_scale {args.applications} applications, {args.members} members, {args.reviewers} reviewers")
    started = time.monotonic()
    _manage(
        env,
        "seed_scale",
        "--force",
        f"--applications={args.applications}",
        f"--members={args.members}",
        f"--reviewers={args.reviewers}",
    )
    seed_seconds = round(time.monotonic() - started, 1)
    _log("seed_exchange_scale: a call with 2,000 ideas and 20,000 comments")
    _manage(env, "seed_exchange_scale", "--force", "--ideas=2000", "--comments=20000")
    _log("VACUUM ANALYZE, as autovacuum would have done by now in production")
    _vacuum_analyze(database_url)
    return seed_seconds


def _serve_and_load(env: dict[str, str], prepared_pages: list[dict], args: argparse.Namespace) -> dict:
    """Under gunicorn, each page loaded, then alone; returns the pages' figures,
    the server's peak memory, and the numbers of server workers and load processes."""
    cpus = os.cpu_count() or 1
    workers = args.workers or 2 * cpus + 1
    processes = max(1, min(4, cpus))
    port = _free_port()
    _log(f"Starting gunicorn with {workers} workers on {HOST}:{port}")
    server = _start_gunicorn(env, port, workers)
    beat = start_beat(env)
    pages = []
    try:
        for page in prepared_pages:
            _log(f"Loading {page['name']}: {page['path']}")
            result = _load(
                port,
                page,
                concurrency=args.concurrency,
                seconds=args.seconds,
                requests=args.requests,
                processes=processes,
            )
            alone = _alone(port, page)
            pages.append({key: page[key] for key in ("name", "path", "role", "queries")} | result | alone)
            _log(
                f"  {result['rps']} requests/s, p95 {result['p95_ms']} ms, alone p50 {alone['alone_p50_ms']} ms, "
                f"statuses {result['statuses']}"
            )
        memory = _peak_memory_mb(server)
    finally:
        beat.terminate()
        beat.wait()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return {"pages": pages, "memory": memory, "workers": workers, "processes": processes}


def _timings(env: dict[str, str], *, skip_wave: bool) -> dict:
    """The timings outside the web server: assignment, the wave, retention, release."""
    _log("Timing automatic assignment")
    assignment = _django_side(env, "assign")
    wave = None
    if not skip_wave:
        _log("Timing a 5,000-recipient email wave with two Celery workers (bench/wave.py)")
        wave = wave_bench.run(env)
    _log("Timing one retention run over 100,000 outbox rows past their period")
    retention = _django_side(env, "retention")
    _log("Timing the release of a decision on every application of the round in review")
    release = _django_side(env, "release")
    return {"assignment": assignment, "wave": wave, "retention": retention, "release": release}


if __name__ == "__main__":
    main()
