"""The email-wave figure of `make bench`: how long a wave of 5,000 recipients
takes end to end (the team presses "send now" → the last message reaches the
mail server) with two Celery worker processes against a local SMTP sink
(aiosmtpd, in a process of its own), beside plain `smtplib` sending the same
messages, already built, over one connection to the same kind of sink.

End to end covers: the start task computing the audience and bulk-inserting one
outbox row per person, the send tasks claiming with SKIP LOCKED, the Redis
throttle (at 60,000 a minute, so it paces nothing here but is asked for every
email), building each MIME message, SMTP, and marking each row sent.

    .venv/bin/python bench/wave.py [--recipients 5000 --workers 2]   # alone, on the bench database
    wave.run(env)                                                     # from bench/run.py

Run alone it migrates the benchmark database (BENCH_DATABASE_URL, default
q_portal_bench) if needed and adds its own subscribers; it prints one JSON line.
"""

import argparse
import json
import os
import secrets
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"


# --- The SMTP sink (its own process) -------------------------------------------------


def _sink(port: int, expect: int) -> None:
    """Accept every message; when `expect` have arrived, print the wall-clock
    times of the first and the last, then keep serving until stdin closes."""
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)

    class Handler:
        count = 0
        first = last = 0.0

        async def handle_DATA(self, server, session, envelope):
            now = time.time()
            Handler.count += 1
            Handler.first = Handler.first or now
            Handler.last = now
            if Handler.count == expect:
                print(json.dumps({"first": Handler.first, "last": Handler.last, "count": Handler.count}), flush=True)
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=HOST, port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


class Sink:
    def __init__(self, expect: int):
        self.port = _free_port()
        self.process = subprocess.Popen(  # noqa: S603 - this script
            [PYTHON, __file__, "sink", "--port", str(self.port), "--expect", str(expect)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._line(30) != "ready":
            raise SystemExit("The SMTP sink did not start.")

    def _line(self, timeout: float) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        return self.process.stdout.readline().strip() if ready else ""

    def wait_done(self, timeout: float) -> dict | None:
        line = self._line(timeout)
        return json.loads(line) if line else None

    def stop(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_memory_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- The Django side ---------------------------------------------------------------------


def _measure(recipients: int, workers: int) -> dict:
    tag = secrets.token_hex(4)
    _django_setup(queue=f"bench-waves-{tag}")
    wave, team = _wave_to_new_subscribers(recipients, tag)
    sink = Sink(recipients)
    processes = _start_workers(workers, tag, sink_port=sink.port)
    try:
        sent = _send_now(wave, team, sink, processes)
    finally:
        _stop(processes)
        sink.stop()
    wave.refresh_from_db()
    smtp_seconds = _smtplib_seconds(wave, recipients)
    return {
        "recipients": recipients,
        "workers": workers,
        "status": wave.status,
        "seconds": round(sent["wave_seconds"], 2),
        "per_second": round(recipients / sent["wave_seconds"], 1),
        "first_email_seconds": round(sent["first_email_seconds"], 2),
        "smtplib_seconds": round(smtp_seconds, 2),
        "smtplib_per_second": round(recipients / smtp_seconds, 1),
        "ratio": round(smtp_seconds / sent["wave_seconds"], 2),
        "cpu_ms_per_email": {
            name: round((sent["cpu_after"][name] - sent["cpu_before"][name]) * 1000 / recipients, 2)
            for name in sent["cpu_after"]
        },
        "worker_peak_memory_mb": max(sent["worker_memory"]),
        "load_average": sent["load_during"],
    }


def _django_setup(*, queue: str) -> None:
    """Django with the benchmark's settings, its tasks sent to a queue of this run's own."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "q_portal.settings.production")
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = queue

    import django

    django.setup()


def _wave_to_new_subscribers(recipients: int, tag: str):
    """A draft wave to `recipients` confirmed subscribers of a region of its own;
    returns it and the programme team member who made it."""
    from django.utils import timezone

    from applications.choices import SubscriptionStatus
    from applications.models import UpdateSubscription
    from members.models import Region, User
    from outreach import services
    from outreach.audiences import Audience

    region = Region.objects.create(name=f"Bench region {tag}", slug=f"bench-{tag}", nation="england")
    now = timezone.now()
    UpdateSubscription.objects.bulk_create(
        (
            UpdateSubscription(
                email=f"wave-{tag}-{number:05d}@bench.example.org",
                name=f"Reader {number}",
                region=region,
                status=SubscriptionStatus.CONFIRMED,
                consented_at=now,
                confirmed_at=now,
            )
            for number in range(recipients)
        ),
        batch_size=1000,
    )
    team = User.objects.filter(groups__name="Programme team").order_by("pk").first()
    wave = services.wave_create(
        name=f"Benchmark wave {tag}",
        round=None,
        subject="Q is recruiting, {{ first_name }}",
        body="Hello {{ first_name }},\n\nThe next round is open. Find out more: {{ personal_link }}\n\n"
        "The Q programme team",
        audience=Audience.from_json({"segments": [{"kind": "subscribers", "region_id": region.pk}]}),
        rate_per_minute=60_000,
        by=team,
    )
    return wave, team


def _start_workers(workers: int, tag: str, *, sink_port: int) -> list[subprocess.Popen]:
    """Celery worker processes (solo pool) sending through SMTP to the sink."""
    worker_env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(sink_port),
        "EMAIL_USE_TLS": "false",
        "WAVE_SEND_TASKS": str(workers),
        "LOG_LEVEL": "WARNING",
    }
    return [
        subprocess.Popen(  # noqa: S603 - our own worker
            [
                str(Path(PYTHON).with_name("celery")),
                "-A",
                "q_portal",
                "worker",
                "--pool=solo",
                f"--hostname=bench-{tag}-{number}@%h",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=worker_env,
        )
        for number in range(workers)
    ]


def _cpu_by_process(sink: Sink, processes: list[subprocess.Popen]) -> dict[str, float]:
    return {"sink": _cpu_seconds(sink.process.pid)} | {
        f"worker {number}": _cpu_seconds(process.pid) for number, process in enumerate(processes)
    }


def _send_now(wave, team, sink: Sink, processes: list[subprocess.Popen]) -> dict:
    """Once every worker answers, press "send now" and wait for the last message
    at the sink, then for the wave to be marked sent. Returns the timings, and
    the CPU time of each process before and after."""
    from outreach import services
    from outreach.models import Wave, WaveStatus
    from q_portal.celery import app

    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=0.5) or []) < len(processes):
        if time.monotonic() > deadline:
            raise SystemExit("The Celery workers did not start.")
    # CPU time used during the wave by each process taking part: where the
    # machine's time goes when it is shared with other work.
    cpu_before = _cpu_by_process(sink, processes)
    started = time.time()
    services.wave_schedule(wave=wave, send_at=None, by=team)  # "send now": queues the start task
    done = sink.wait_done(timeout=600)
    if done is None:
        raise SystemExit("The wave did not reach every recipient within 10 minutes.")
    sent = {
        "wave_seconds": done["last"] - started,
        "first_email_seconds": done["first"] - started,
        "cpu_before": cpu_before,
        "cpu_after": _cpu_by_process(sink, processes),
        "worker_memory": [_peak_memory_mb(process.pid) for process in processes],
        "load_during": [round(value, 2) for value in os.getloadavg()],
    }
    deadline = time.monotonic() + 30
    while Wave.objects.get(pk=wave.pk).status != WaveStatus.SENT and time.monotonic() < deadline:
        time.sleep(0.2)
    return sent


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _smtplib_seconds(wave, recipients: int) -> float:
    """The same messages, built beforehand, sent by plain smtplib over one connection."""
    import smtplib

    from django.conf import settings

    from q_portal.outbox.models import OutboundEmail
    from q_portal.outbox.services import _message_for

    emails = OutboundEmail.objects.filter(batch=wave.batch).order_by("pk")
    built = [(email.to, _message_for(email, connection=None).message().as_bytes(linesep="\r\n")) for email in emails]
    sink = Sink(recipients)
    try:
        smtp_started = time.perf_counter()
        with smtplib.SMTP(HOST, sink.port) as smtp:
            sender = settings.DEFAULT_FROM_EMAIL
            for to, message in built:
                smtp.sendmail(sender, [to], message)
        smtp_seconds = time.perf_counter() - smtp_started
        sink.wait_done(timeout=60)
    finally:
        sink.stop()
    return smtp_seconds


# --- From bench/run.py, or alone ------------------------------------------------------------


def json_of_script(env: dict[str, str], script: str, *arguments: str) -> dict:
    """Run one of the benchmark's scripts in a Python process of its own; the
    last line it prints is its result, as JSON (also used by bench/run.py)."""
    completed = subprocess.run(  # noqa: S603 - the benchmark's own scripts
        [PYTHON, script, *arguments], cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run(env: dict[str, str], *, recipients: int = 5_000, workers: int = 2) -> dict:
    """Measure in a process of its own with the benchmark's environment; returns
    the figures as a dict."""
    return json_of_script(env, __file__, "measure", "--recipients", str(recipients), "--workers", str(workers))


def markdown(figure: dict) -> str:
    return (
        f'Email wave: {figure["recipients"]:,} recipients, end to end ("send now" to the last message at a local '
        f"SMTP sink) with {figure['workers']} Celery worker processes: **{figure['seconds']} s** "
        f"({figure['per_second']} emails/s; the first reached the sink after {figure['first_email_seconds']} s). "
        f"Plain `smtplib` sending the same messages, already built, over one connection: "
        f"{figure['smtplib_seconds']} s ({figure['smtplib_per_second']} emails/s)"
        + (
            f": the wave ran at **{figure['ratio']:.0%}** of smtplib's rate (target ≥ 70 %). CPU time per email "
            f"during the wave: "
            + ", ".join(f"{name} {ms} ms" for name, ms in figure["cpu_ms_per_email"].items())
            + f"; load average as the wave ended {', '.join(map(str, figure['load_average']))}. "
            f"Peak memory of a Celery worker (solo pool): {figure['worker_peak_memory_mb']} MB."
            if "ratio" in figure
            else "."
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="alone", choices=["alone", "measure", "sink"])
    parser.add_argument("--recipients", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--expect", type=int, default=0)
    args = parser.parse_args()
    if args.mode == "sink":
        _sink(args.port, args.expect)
    elif args.mode == "measure":
        print(json.dumps(_measure(args.recipients, args.workers)))
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from run import DEFAULT_DATABASE_URL, _environment

        env = _environment(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
        subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        figure = run(env, recipients=args.recipients, workers=args.workers)
        print(markdown(figure))
        print(json.dumps(figure))


if __name__ == "__main__":
    main()
