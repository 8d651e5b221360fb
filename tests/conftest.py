"""Shared fixtures. Before anything else, make sure PostgreSQL and Redis answer:
`make test` runs against real services and says how to start a missing one."""

import os
import socket
from urllib.parse import urlparse

import pytest


def _service_answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


SQLITE_MARKERS = {"sqlite_smoke", "sqlite_smokeorboth_databases", "both_databasesorsqlite_smoke", "both_databases"}


def pytest_configure(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # `make smoke`: the demo's SQLite and folder broker, no server needed. Only
        # the tests written for both databases (and the smoke crawl) run there.
        if config.option.markexpr.replace(" ", "") not in SQLITE_MARKERS:
            raise pytest.UsageError(
                "On SQLite only the smoke suite runs: `make smoke`. Set DATABASE_URL to a PostgreSQL database "
                "for the rest."
            )
        return
    database_url = f"postgres://{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}"
    problems = []
    if database["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL must name a PostgreSQL database for the tests.")
    elif not _service_answers(database_url, 5432):
        problems.append(
            f"PostgreSQL does not answer at {database_url}. Start it "
            "(`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or set DATABASE_URL."
        )
    if not _service_answers(settings.REDIS_URL, 6379):
        problems.append(
            f"Redis does not answer at {settings.REDIS_URL}. Start it "
            "(`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''`) or set REDIS_URL."
        )
    if problems:
        raise pytest.UsageError("\n".join(problems))


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Rate limits and other cached state never leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _sent_emails(mailoutbox):
    """Every test starts with an empty locmem mailbox (pytest-django's mailoutbox)."""
    return mailoutbox


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def broker_down():
    """Nothing listens on port 1, and Celery is not eager: queueing a task after
    commit really tries the unreachable broker. Returns what brings it back."""
    from q_portal.broker import broker_reset
    from q_portal.celery import app as celery_app

    conf = celery_app.conf
    previous = conf.broker_url, conf.task_always_eager

    def broker_as(url, eager):
        conf.broker_url, conf.task_always_eager = url, eager
        # Celery keeps its connection pools: drop them so the next publish uses `url`.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        broker_reset()

    broker_as("redis://127.0.0.1:1/0", False)
    try:
        yield lambda: broker_as(*previous)
    finally:
        broker_as(*previous)
