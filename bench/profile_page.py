"""Profile one page in-process under production settings against the benchmark
database: the page's queries (SQL and time each) and where Python spends its time
(pyinstrument, when importable: it is not a project dependency; install it
outside the venv, e.g. `pip install --target /tmp/tools pyinstrument` and put
that folder on PYTHONPATH).

    BENCH_DATABASE_URL=... .venv/bin/python bench/profile_page.py board [--requests 20] [--out FILE]

Pages: the names in `_pages` below, or any path starting with "/" (`--email` signs in
someone else than the programme team, e.g. a member of the scale data set). Prints the query list of one request and the
profile of `--requests` more; `--out` also writes them to a file."""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import DEFAULT_DATABASE_URL, _environment  # noqa: E402

os.environ.update(_environment(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from applications.models import Round  # noqa: E402
from members.models import User  # noqa: E402
from selection.management.commands.seed_scale import PROGRAMME_EMAIL, REVIEW_ROUND  # noqa: E402


def _pages() -> dict:
    review_round = Round.objects.get(name=REVIEW_ROUND)
    board = reverse("selection:board", kwargs={"pk": review_round.pk})
    return {
        "healthz": "/healthz",
        "board": f"{board}?size=250&sort=-normalised",
        "board-mean": f"{board}?size=250&sort=-mean",
        "calibration": reverse("selection:insight_calibration", kwargs={"pk": review_round.pk}),
        "representation": reverse("selection:insight_representation", kwargs={"pk": review_round.pk}),
        "equality": reverse("selection:insight_equality", kwargs={"pk": review_round.pk}),
        "moderation": reverse("selection:moderation", kwargs={"pk": review_round.pk}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--out", default="")
    parser.add_argument("--email", default=PROGRAMME_EMAIL, help="Who is signed in (default the programme team).")
    args = parser.parse_args()
    path = args.page if args.page.startswith("/") else _pages()[args.page]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=args.email))
    client.get(path)
    lines = [f"# {args.page}: {path}", ""]
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
    lines.append(
        f"One request: status {response.status_code}, {len(response.content):,} bytes, {elapsed * 1000:.1f} ms, "
        f"{len(captured)} queries taking {sum(float(q['time']) for q in captured) * 1000:.1f} ms:"
    )
    lines += [f"- {float(q['time']) * 1000:.1f} ms: {q['sql'][:300]}" for q in captured.captured_queries]
    try:
        from pyinstrument import Profiler
    except ImportError:
        lines.append("\n(pyinstrument is not importable: no profile)")
    else:
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        with profiler:
            for _ in range(args.requests):
                client.get(path)
        each = (time.perf_counter() - started) / args.requests * 1000
        lines.append(f"\n{args.requests} requests: {each:.1f} ms each")
        lines.append(profiler.output_text(unicode=False, color=False, show_all=False))
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
