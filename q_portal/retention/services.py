"""Applying the schedule: one run takes at most a batch of due rows from each rule,
each batch in its own transaction, and records the counts in the audit log."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from q_portal.audit.services import audit_entries_about, audit_entries_redact, audit_log

from .registry import Rule, hooks_before, schedule

logger = logging.getLogger(__name__)

RUN_ACTION = "retention.run"


@dataclass(frozen=True)
class RetentionRun:
    counts: dict[str, int]  # rule name → rows deleted or anonymised
    more_due: bool  # a rule filled its batch: the next run has more to do


def retention_batch_size() -> int:
    return int(getattr(settings, "RETENTION_BATCH_SIZE", 1000))


@transaction.atomic
def retention_rule_apply(*, rule: Rule, now: datetime, batch_size: int) -> tuple[int, bool]:
    """Apply one rule to at most `batch_size` of its due rows, in one transaction,
    in a number of queries that does not depend on how many rows are due. Returns
    how many changed and whether the batch was full."""
    model = rule.model_class
    ids = list(rule.due_rows(now).order_by().values_list("pk", flat=True)[:batch_size])
    if not ids:
        return 0, False
    rows = model._default_manager.filter(pk__in=ids)
    for hook in hooks_before(rule.name):
        hook(rows, now)
    changed = rule.apply(rows, now)
    if rule.redact_audit:
        audit_entries_redact(entries=audit_entries_about(model=model, ids=ids))
    return changed, len(ids) >= batch_size


def retention_run(*, now: datetime | None = None, batch_size: int | None = None) -> RetentionRun:
    """Apply the whole schedule once, a bounded batch per rule; rows past their
    period that did not fit are left for the next run (each rule's `due` still
    finds them). Side effect: one audit entry with the counts per rule, written
    even when a rule fails (the failure is then raised)."""
    now = now or timezone.now()
    batch_size = batch_size or retention_batch_size()
    counts: dict[str, int] = {}
    more_due = False
    try:
        for rule in schedule():
            if not rule.runs:
                continue
            counts[rule.name], full = retention_rule_apply(rule=rule, now=now, batch_size=batch_size)
            more_due = more_due or full
    finally:
        audit_log(
            actor=None,
            action=RUN_ACTION,
            summary="Retention schedule applied",
            changes={"counts": counts, "more_due": more_due, "batch_size": batch_size},
        )
    return RetentionRun(counts=counts, more_due=more_due)
