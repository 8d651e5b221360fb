"""The pace of a batch: each email reserves its own moment, `60 / rate` seconds
after the previous one, whichever worker asks; other batches and other portals
sharing the Redis server are not slowed by it. Nothing here sleeps: the tests
read the wait each reservation returns."""

import threading
import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.utils import timezone

from q_portal.outbox import throttle
from q_portal.outbox.models import SendThrottle
from q_portal.outbox.services import BatchEmail, email_queue_batch, outbox_send
from q_portal.outbox.throttle import throttle_reserve, throttle_wait
from tests.outbox.concurrency import run_together

pytestmark = pytest.mark.django_db

# Slack for the time between two reservations in one test (Redis's clock runs on).
SLACK = 0.25


@pytest.fixture
def batch():
    """A batch name of its own, so no other test (or run) shares its pace."""
    return f"wave:test-{uuid.uuid4().hex}"


@pytest.fixture(params=["redis", "database"])
def store(request, settings):
    """Each test runs against both stores: Redis, and the database (no Redis)."""
    if request.param == "database":
        settings.REDIS_URL = ""
    return request.param


def waits(batch: str, per_minute: int, count: int) -> list[float]:
    return [throttle_reserve(batch=batch, per_minute=per_minute) for _email in range(count)]


@pytest.fixture
def frozen(store):
    """The database store reads the portal's clock: hold it still so waits are exact."""
    if store == "database":
        with time_machine.travel(timezone.now(), tick=False):
            yield
    else:
        yield


def test_each_email_of_a_batch_waits_one_interval_more_than_the_last(store, frozen, batch):
    first, second, third = waits(batch, 60, 3)

    assert first == pytest.approx(0, abs=SLACK)
    assert second == pytest.approx(1.0, abs=SLACK)
    assert third == pytest.approx(2.0, abs=SLACK)


def test_one_email_a_minute_is_paced_a_minute_apart(store, frozen, batch):
    first, second = waits(batch, 1, 2)

    assert first == pytest.approx(0, abs=SLACK)
    assert second == pytest.approx(60.0, abs=SLACK)


def test_two_batches_sharing_the_server_do_not_pace_each_other(store, frozen, batch):
    other = f"{batch}-other"

    mine = waits(batch, 60, 2)
    theirs = waits(other, 60, 2)

    assert mine == [pytest.approx(0, abs=SLACK), pytest.approx(1.0, abs=SLACK)]
    assert theirs == [pytest.approx(0, abs=SLACK), pytest.approx(1.0, abs=SLACK)]


def test_two_portals_sharing_one_redis_do_not_pace_each_other(monkeypatch, batch):
    first = waits(batch, 60, 2)
    monkeypatch.setitem(django_settings.DATABASES["default"], "NAME", "another_portal")
    other_database = waits(batch, 60, 2)

    assert first == [pytest.approx(0, abs=SLACK), pytest.approx(1.0, abs=SLACK)]
    assert other_database == [pytest.approx(0, abs=SLACK), pytest.approx(1.0, abs=SLACK)]


def test_redis_key_names_the_prefix_the_database_and_the_batch(settings):
    settings.OUTBOX_THROTTLE_PREFIX = "portal:pace"
    database = django_settings.DATABASES["default"]["NAME"]

    assert throttle._key("wave:7") == f"portal:pace:{database}:wave:7"


def test_idle_batch_starts_again_without_a_burst(settings, batch):
    settings.REDIS_URL = ""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        waits(batch, 60, 3)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        after_idle = waits(batch, 60, 2)

    assert after_idle == [0.0, 1.0]
    assert SendThrottle.objects.get(batch=batch).next_slot_at == start + timedelta(minutes=5, seconds=2)


def test_no_rate_never_waits_and_reserves_nothing(store, batch):
    assert waits(batch, 0, 3) == [0.0, 0.0, 0.0]
    assert not SendThrottle.objects.filter(batch=batch).exists()


def test_throttle_wait_sleeps_for_the_reserved_slot_only_when_there_is_one(monkeypatch, settings, batch):
    settings.REDIS_URL = ""
    slept = []
    monkeypatch.setattr(throttle.time, "sleep", slept.append)

    with time_machine.travel(timezone.now(), tick=False):
        throttle_wait(batch=batch, per_minute=30)
        throttle_wait(batch=batch, per_minute=30)
        throttle_wait(batch=f"{batch}-fast", per_minute=120)
        throttle_wait(batch=f"{batch}-fast", per_minute=120)

    assert slept == [2.0, 0.5]


def test_redis_key_has_the_portals_prefix_unless_told_otherwise():
    database = django_settings.DATABASES["default"]["NAME"]

    assert not hasattr(django_settings, "OUTBOX_THROTTLE_PREFIX")
    assert throttle._key("wave:7") == f"q_portal:throttle:{database}:wave:7"


class ArrivalsBackend(LocmemBackend):
    """Delivers to the locmem outbox and notes when each recipient's message arrived."""

    arrivals: list[tuple[str, float]] = []
    _lock = threading.Lock()

    def send_messages(self, email_messages):
        with self._lock:
            type(self).arrivals.extend((message.to[0], time.monotonic()) for message in email_messages)
        return super().send_messages(email_messages)


def _rate(times: list[float]) -> float:
    times = sorted(times)
    return (len(times) - 1) * 60 / (times[-1] - times[0])


@pytest.mark.django_db(transaction=True)
def test_two_waves_sending_at_once_each_keep_their_own_rate(settings, mailoutbox):
    """Two waves at 600 a minute each, sent at the same time by two workers: each
    goes at its own rate (sharing one pace would halve it to 300), never faster.
    The lower bound has room for a busy machine falling behind."""
    settings.EMAIL_BACKEND = "tests.outbox.test_throttle.ArrivalsBackend"
    ArrivalsBackend.arrivals = []
    waves = [f"wave:concurrent-{uuid.uuid4().hex}" for _wave in range(2)]
    with transaction.atomic():
        for number, wave in enumerate(waves):
            emails = [
                BatchEmail(
                    to=f"w{number}-p{person}@example.org", subject="News", body_text="Hi", key=f"{wave}:{person}"
                )
                for person in range(15)
            ]
            email_queue_batch(emails=emails, batch=wave)

    def sender(wave):
        def send():
            while outbox_send(batch=wave, per_minute=600).picked:
                pass

        return send

    run_together(sender(waves[0]), sender(waves[1]), timeout=60)

    assert len(mailoutbox) == 30
    for number in range(2):
        times = [moment for to, moment in ArrivalsBackend.arrivals if to.startswith(f"w{number}-")]
        assert 450 < _rate(times) < 600 * 1.1


def test_a_block_of_slots_takes_the_next_moments_and_the_next_reservation_follows_it(store, frozen, batch):
    first = throttle_reserve(batch=batch, per_minute=60, count=3)
    after_block = throttle_reserve(batch=batch, per_minute=60)

    assert first == 0.0
    assert after_block == pytest.approx(3.0, abs=SLACK)


def test_pacer_sends_at_the_rate_reserving_a_block_at_a_time(monkeypatch, settings, batch):
    """At 6,000 a minute (10 ms apart) a pacer of 25 emails reserves 10 at a time
    (BLOCK_SECONDS), and no more than the run has left."""
    settings.REDIS_URL = ""
    reservations = []
    real_reserve = throttle.throttle_reserve

    def reserve(**kwargs):
        reservations.append(kwargs["count"])
        return real_reserve(**kwargs)

    monkeypatch.setattr(throttle, "throttle_reserve", reserve)
    monkeypatch.setattr(throttle.time, "sleep", lambda seconds: None)
    pace = throttle.throttle_pacer(batch=batch, per_minute=6000, emails=21)
    for _email in range(21):
        pace()

    assert reservations == [10, 10, 1]


@pytest.fixture
def worker_clock(monkeypatch, settings):
    """Time that moves only when the worker sleeps, for the worker's clock and the
    database's alike: what each `pace()` waited is exact."""
    settings.REDIS_URL = ""
    now, slept, reservations = [1000.0], [], []
    real_reserve = throttle.throttle_reserve
    traveller = time_machine.travel(timezone.now(), tick=False)
    portal_clock = traveller.start()

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds
        portal_clock.shift(timedelta(seconds=seconds))

    def reserve(**kwargs):
        reservations.append(kwargs["count"])
        return real_reserve(**kwargs)

    monkeypatch.setattr(throttle.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(throttle.time, "sleep", sleep)
    monkeypatch.setattr(throttle, "throttle_reserve", reserve)
    yield slept, reservations
    traveller.stop()


def test_pacer_at_one_email_a_minute_sends_them_a_minute_apart(worker_clock, batch):
    slept, reservations = worker_clock
    pace = throttle.throttle_pacer(batch=batch, per_minute=1, emails=3)
    for _email in range(3):
        pace()

    assert slept == [60.0, 60.0]
    assert reservations == [1, 1, 1]


def test_pacer_spaces_a_block_of_slots_one_interval_apart_and_never_sleeps_for_nothing(worker_clock, batch):
    slept, reservations = worker_clock
    pace = throttle.throttle_pacer(batch=batch, per_minute=6000, emails=12)
    for _email in range(12):
        pace()

    # The first goes at once; each of the rest 10 ms after the one before, across blocks.
    assert slept == [0.01] * 11
    assert reservations == [10, 2]


def test_pacer_with_no_rate_never_waits_and_reserves_nothing(worker_clock, batch):
    slept, reservations = worker_clock
    pace = throttle.throttle_pacer(batch=batch, per_minute=0, emails=3)
    for _email in range(3):
        pace()

    assert (slept, reservations) == ([], [])
    assert not SendThrottle.objects.filter(batch=batch).exists()
