"""`make run`: serve the demo with a Celery worker (and beat) beside it.

Started by make, so a Ctrl-C in the terminal would reach make itself, which then
reports the recipe as interrupted. This launcher takes the terminal's foreground
for its own process group, so Ctrl-C reaches only this launcher (the server and
the worker run in process groups of their own): it stops both with one TERM each
(a warm shutdown for the worker), gives the terminal back to make and exits 0.

The server's address and the demo accounts are printed last, once the server
answers and the emails the demo data queued have gone out, so they are what a
newcomer sees on the screen."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

ADDRESS = os.environ.get("DEMO_ADDRESS", "127.0.0.1:8000")
STARTUP_SECONDS = 60


def _take_terminal() -> int | None:
    """Become the terminal's foreground process group; return the old one."""
    if not os.isatty(sys.stdin.fileno()):
        return None
    previous = os.tcgetpgrp(sys.stdin.fileno())
    if os.getpgrp() != os.getpid():  # not already leading a group (a session leader is)
        os.setpgid(0, 0)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    os.tcsetpgrp(sys.stdin.fileno(), os.getpgrp())
    return previous


def _give_back_terminal(previous: int | None) -> None:
    if previous is not None:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(sys.stdin.fileno(), previous)


def _listening() -> bool:
    """Whether the server accepts connections (a bare connection, so the server's
    request log stays clean)."""
    host, port = ADDRESS.split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def _emails_waiting() -> int:
    import django

    django.setup()
    from q_portal.outbox.selectors import emails_due_count

    return emails_due_count()


def _wait_until_ready(server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        if _listening() and _emails_waiting() == 0:
            return
        time.sleep(1)


def _banner(accounts: list[str], password: str) -> str:
    lines = ["", f"Q Portal: http://{ADDRESS}   (Ctrl-C stops the server and the worker)", ""]
    lines.append(f"Demo accounts, all with the password {password}:")
    lines += [f"  {email}" for email in accounts]
    return "\n".join(lines)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "q_portal.settings.local")
    previous = _take_terminal()
    python = sys.executable
    celery = os.path.join(os.path.dirname(python), "celery")
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [celery, "-A", "q_portal", "worker", "--beat", "--loglevel=WARNING", "--concurrency=2"], process_group=0
    )
    server = subprocess.Popen([python, "manage.py", "runserver", ADDRESS], process_group=0)  # noqa: S603
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        _wait_until_ready(server)
        if not stopping and server.poll() is None:
            from members.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

            print(_banner([account[0] for account in DEMO_ACCOUNTS], DEMO_PASSWORD), flush=True)
        while not stopping and server.poll() is None and worker.poll() is None:
            time.sleep(0.5)
    finally:
        for process in (server, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        _give_back_terminal(previous)
    failed = not stopping and (server.returncode or worker.returncode)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
