"""Reading the schedule and its runs for pages."""

from dataclasses import dataclass
from datetime import datetime

from q_portal.audit.models import AuditEntry

from .registry import Rule, schedule
from .services import RUN_ACTION


@dataclass(frozen=True)
class RunCount:
    rule: Rule | None
    name: str
    count: int


@dataclass(frozen=True)
class RunRecord:
    at: datetime
    counts: list[RunCount]  # the rules that changed something, in schedule order
    total: int
    more_due: bool


def public_schedule() -> list[Rule]:
    """The rules a data subject reads in the privacy notice."""
    return [rule for rule in schedule() if rule.public]


def retention_runs(*, limit: int = 14) -> list[RunRecord]:
    """The last runs, newest first, with what each changed: one query."""
    rules = {rule.name: rule for rule in schedule()}
    order = {name: position for position, name in enumerate(rules)}
    runs = []
    for entry in AuditEntry.objects.filter(action=RUN_ACTION).only("at", "changes")[:limit]:
        counts = entry.changes.get("counts", {}) if isinstance(entry.changes, dict) else {}
        changed = sorted(
            (RunCount(rule=rules.get(name), name=name, count=count) for name, count in counts.items() if count),
            key=lambda run_count: order.get(run_count.name, len(order)),
        )
        runs.append(
            RunRecord(
                at=entry.at,
                counts=changed,
                total=sum(run_count.count for run_count in changed),
                more_due=bool(entry.changes.get("more_due")),
            )
        )
    return runs
