"""`make run`'s launcher, run as a person runs it: in a terminal, on the embedded
SQLite database and filesystem broker. The address and the demo accounts are the
last lines on the screen, and Ctrl-C stops the server and the worker and exits 0."""

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from django.core import mail

from members.demo import DEMO_ACCOUNTS
from q_portal.outbox.backends import DemoLogBackend

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _read_until(fd: int, pattern: str, timeout: float) -> str:
    seen, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen += chunk
            if re.search(pattern, seen.decode(errors="replace")):
                return seen.decode(errors="replace")
    raise AssertionError(f"{pattern!r} never appeared; the screen showed:\n{seen.decode(errors='replace')[-3000:]}")


def _read_for(fd: int, seconds: float) -> str:
    """Everything the terminal shows in the next few seconds."""
    seen, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen.decode(errors="replace")


def test_demo_backend_logs_one_line_with_the_first_link(caplog):
    message = mail.EmailMessage(
        subject="Confirm your email", body="Hello,\n\nConfirm: http://127.0.0.1:8000/accounts/confirm/abc/\n\nQ"
    )
    message.to = ["asha@example.org"]

    with caplog.at_level("INFO", logger="q_portal.outbox.demo"):
        sent = DemoLogBackend().send_messages([message])

    assert sent == 1
    assert caplog.messages == [
        "Email to asha@example.org: Confirm your email (http://127.0.0.1:8000/accounts/confirm/abc/)"
    ]


@pytest.mark.skipif(not sys.stdin or not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.skipif(not shutil.which("make") or not (ROOT / ".venv" / "bin" / "python").exists(), reason="needs make")
def test_make_run_ends_with_the_accounts_and_ctrl_c_exits_zero(tmp_path):
    """`make run` itself, as the README tells a newcomer to run it: migrate, load
    the demo data (which queues emails for the worker to send), serve. make, not
    only the launcher, must exit 0 on Ctrl-C: make is what printed "Segmentation
    fault". The dependencies are taken as installed (-o), so the test installs nothing."""
    port = _free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "q_portal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        "DEMO_ADDRESS": f"127.0.0.1:{port}",
    }

    controller, terminal = pty.openpty()
    make = subprocess.Popen(
        ["make", "--no-print-directory", "-o", ".venv/.installed-runtime", "run"],  # noqa: S607 - make from PATH
        cwd=ROOT,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,  # the pseudo-terminal becomes its controlling terminal
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(terminal)
    try:
        # seed_demo lists the accounts too; wait for the launcher's list, after the address.
        banner = re.escape("Q Portal: http://") + r"[\s\S]*" + re.escape(DEMO_ACCOUNTS[-1][0])
        screen = _read_until(controller, banner, timeout=300)
        # Whatever the worker still had to say (an email sent, a warning) would now follow.
        screen += _read_for(controller, seconds=5)
        last_lines = [line.strip() for line in screen.replace("\r", "").splitlines() if line.strip()]
        assert last_lines[-len(DEMO_ACCOUNTS) - 2 :] == [
            f"Q Portal: http://127.0.0.1:{port}   (Ctrl-C stops the server and the worker)",
            "Demo accounts, all with the password demo-pass-2016:",
            *[email for email, *_ in DEMO_ACCOUNTS],
        ]
        os.write(controller, b"\x03")  # Ctrl-C, as the terminal sends it
        assert make.wait(timeout=60) == 0
        after = _read_for(controller, seconds=1)
        assert "Segmentation fault" not in after
        assert "make: ***" not in after
        assert "Traceback" not in after
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        os.close(controller)
