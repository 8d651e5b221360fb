"""One run of the retention schedule does bounded work, whatever is due: on
100,000 outbox rows past their period, a run empties exactly one batch, in the
same number of queries as on a few rows, and the task's continuations carry on
where it stopped."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from q_portal.outbox.models import OutboundEmail
from q_portal.retention import schedule
from q_portal.retention.services import retention_rule_apply, retention_run
from q_portal.retention.tasks import retention_apply

pytestmark = pytest.mark.django_db

BATCH = 1000


def sent_long_ago(count: int, *, start: int = 0) -> None:
    sent_at = timezone.now() - timedelta(days=800)
    OutboundEmail.objects.bulk_create(
        (
            OutboundEmail(
                to=f"person{n}@example.org",
                subject="Your application",
                body_text="Dear person",
                key=f"bounded.{n}",
                batch="wave:1",
                status=OutboundEmail.Status.SENT,
                sent_at=sent_at,
                created_at=sent_at,
            )
            for n in range(start, start + count)
        ),
        batch_size=5000,
    )


def emptied() -> int:
    return OutboundEmail.objects.filter(to="").count()


def outbox_rule():
    return next(rule for rule in schedule() if rule.name == "outbox.OutboundEmail")


def test_a_batch_costs_the_same_queries_on_few_rows_and_100000_and_a_run_touches_one_batch(
    django_assert_num_queries, settings
):
    rule, now = outbox_rule(), timezone.now()
    ContentType.objects.get_for_model(OutboundEmail)  # cached for the process after its first use
    sent_long_ago(BATCH + 10)
    # select the batch's ids, empty them, find audit entries about them (+ savepoint and release)
    with django_assert_num_queries(5):
        changed, full = retention_rule_apply(rule=rule, now=now, batch_size=BATCH)
    assert (changed, full, emptied()) == (BATCH, True, BATCH)

    sent_long_ago(100_000 - BATCH - 10, start=BATCH + 10)
    with django_assert_num_queries(5):
        changed, full = retention_rule_apply(rule=rule, now=now, batch_size=BATCH)
    assert (changed, full, emptied()) == (BATCH, True, 2 * BATCH)

    # A whole run of the schedule touches one batch of them, and the next resumes.
    settings.RETENTION_BATCH_SIZE = BATCH
    run = retention_run()
    assert (run.counts["outbox.OutboundEmail"], run.more_due, emptied()) == (BATCH, True, 3 * BATCH)
    # The untouched rows still have their address: nothing was half done.
    assert OutboundEmail.objects.exclude(to="").count() == 100_000 - 3 * BATCH


def test_the_task_runs_again_while_more_is_due_up_to_the_daily_limit(settings):
    settings.RETENTION_BATCH_SIZE = 100
    settings.RETENTION_RUNS_PER_DAY = 3
    sent_long_ago(1000)

    retention_apply.delay()  # eager in tests: its continuations run in turn

    assert emptied() == 300


def test_the_task_stops_when_nothing_more_is_due(settings):
    settings.RETENTION_BATCH_SIZE = 100
    settings.RETENTION_RUNS_PER_DAY = 50
    sent_long_ago(250)

    retention_apply.delay()

    assert emptied() == 250
