"""A wave of 2,000 recipients sent by real Celery workers (`celery -A q_portal
worker` subprocesses) on the real Redis broker, to a local SMTP server, while
the workers are killed with SIGKILL twice and started again: every recipient
gets exactly one message.

How the kills are placed, and why. The outbox marks each email sent in its own
commit straight after the server accepts it, before it starts the next; the one
moment a killed worker could cause a duplicate is between the server accepting
the message and that commit (see `q_portal.outbox.services`), which no SMTP
client can close. The test kills a worker at the moment its next MAIL FROM
reaches the server: mid-batch, with emails claimed and not yet sent and its task
unacknowledged, but outside that unavoidable window, so the assertion "exactly
once" is deterministic rather than usually true. Killing it there exercises
everything else: the claimed rows are recovered after the lease, the lost tasks
are replaced by the dispatcher (the test plays beat, sending its tick every 0.3
seconds), and the other worker carries on meanwhile without taking rows it does not
hold.

Isolation: the workers use a Redis database of their own (flushed afterwards)
and the test's PostgreSQL database, which they reach through DATABASE_URL.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.utils import timezone
from kombu import Connection

from outreach.models import Wave, WaveStatus
from q_portal.celery import app as celery_app
from q_portal.outbox.models import OutboundEmail
from q_portal.outbox.services import Status
from tests.factories.waves import WaveFactory, subscribers

from .smtp_sink import SmtpSink

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("waves_worker")]

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 2_000
KILL_AT_MAIL = (500, 1_300)
WORKERS = 2
DEADLINE_SECONDS = 75


def _database_url() -> str:
    database = settings.DATABASES["default"]
    credentials = quote(database.get("USER") or "")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"])
    host = f"{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}"
    return f"postgres://{credentials}@{host}/{database['NAME']}"


def _redis_url(worker_id: str) -> str:
    """A Redis database of this test's own: 11 (12, 13… under xdist)."""
    number = 11 + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    return urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{number}"))


def _pid_with_local_port(port: int, pids: list[int]) -> int | None:
    """Which of these processes holds the TCP connection from 127.0.0.1:port."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port:
            inode = fields[9]
            break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(f"/proc/{pid}/fd/{descriptor}") == target:
                    return pid
            except OSError:
                continue
    return None


class Workers:
    """`celery -A q_portal worker` processes (solo pool: the task runs in the
    process we kill), each in its own session so a kill takes all of it."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.processes: dict[int, subprocess.Popen] = {}
        self.killed: list[tuple[int, float]] = []  # (slot, when)
        self.started = 0
        self.logs = []

    def start(self, slot: int) -> None:
        self.started += 1
        log = (self.log_dir / f"worker-{slot}-{self.started}.log").open("w")
        self.logs.append(log)
        self.processes[slot] = subprocess.Popen(  # noqa: S603 - our own worker
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "q_portal",
                "worker",
                "--pool=solo",
                f"--hostname=kill-test-{slot}-{self.started}@%h",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes.values() if process.poll() is None]

    def kill_pid(self, pid: int) -> bool:
        for slot, process in self.processes.items():
            if process.pid == pid and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
                self.killed.append((slot, time.monotonic()))
                return True
        return False

    def restart_killed(self, *, after: float) -> None:
        for slot, when in self.killed:
            if self.processes[slot].poll() is not None and time.monotonic() - when >= after:
                self.start(slot)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for log in self.logs:
            log.close()


def test_wave_of_2000_survives_two_sigkills_and_every_recipient_gets_exactly_one(worker_id, tmp_path):
    addresses = {subscription.email for subscription in subscribers(RECIPIENTS, prefix="kill")}
    wave = WaveFactory(status=WaveStatus.SCHEDULED, scheduled_for=timezone.now(), rate_per_minute=60_000)
    broker = _redis_url(worker_id)
    redis.Redis.from_url(broker).flushdb()
    queue = f"waves-kill-{worker_id}"

    with SmtpSink() as sink:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "q_portal.settings.local",
            "DEBUG": "false",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": broker,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink.port),
            "EMAIL_USE_TLS": "false",
            # Short enough for a test: a dead worker's rows come back after 3 s,
            # a quiet wave gets new tasks after 1 s.
            "OUTBOX_LEASE_SECONDS": "3",
            "WAVE_STALL_SECONDS": "1",
            "WAVE_TASK_SECONDS": "10",
            "WAVE_SEND_TASKS": str(WORKERS),
            "LOG_LEVEL": "WARNING",
        }
        workers = Workers(env, tmp_path)
        pending_kills = list(KILL_AT_MAIL)

        def kill_at_mail(number, peer):
            # Called in the SMTP server's thread, before it answers MAIL FROM.
            if pending_kills and number >= pending_kills[0]:
                pid = _pid_with_local_port(peer[1], workers.pids())
                if pid is not None and workers.kill_pid(pid):
                    pending_kills.pop(0)

        sink.handler.on_mail = kill_at_mail
        for slot in range(WORKERS):
            workers.start(slot)
        started = time.monotonic()
        # The test process publishes (as beat would); its tasks are not run here.
        celery_app.conf.task_always_eager = False
        try:
            with Connection(broker) as connection:
                while time.monotonic() - started < DEADLINE_SECONDS:
                    # Beat's tick: start the due wave, recover, replace lost tasks.
                    celery_app.send_task("applications.dispatch_waves", queue=queue, connection=connection)
                    workers.restart_killed(after=1.0)
                    if Wave.objects.get(pk=wave.pk).status == WaveStatus.SENT:
                        break
                    time.sleep(0.3)
        finally:
            celery_app.conf.task_always_eager = True
            workers.stop()
            redis.Redis.from_url(broker).flushdb()
        received = sink.received

    logs = "\n".join(path.read_text()[-2000:] for path in sorted(tmp_path.glob("worker-*.log")))
    wave.refresh_from_db()
    per_recipient = Counter(address for message in received for address in message.recipients)
    assert len(workers.killed) == 2, logs
    assert wave.status == WaveStatus.SENT, logs
    assert wave.recipient_count == RECIPIENTS
    assert set(per_recipient) == addresses
    assert [count for count in per_recipient.values() if count != 1] == []
    assert len(received) == RECIPIENTS
    assert len({message.message_id for message in received}) == RECIPIENTS
    assert Counter(OutboundEmail.objects.filter(batch=wave.batch).values_list("status", flat=True)) == {
        Status.SENT: RECIPIENTS
    }
    # The killed workers held claimed emails, which were recovered and sent by others.
    assert OutboundEmail.objects.filter(batch=wave.batch, attempts=2).exists()
