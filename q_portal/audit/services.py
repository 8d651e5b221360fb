import re
from collections.abc import Mapping

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def audit_log(*, actor, action: str, target: models.Model | None = None, summary: str = "", changes=None) -> AuditEntry:
    """Record one state change. Call it inside the service's transaction, so the
    entry exists exactly when the change does."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        summary=summary[:500],
        changes=changes or {},
    )


def audit_value(value):
    """A value as the audit log's JSON keeps it: dates and times as ISO text,
    collections as a sorted list of text, anything else as it is."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset | list | tuple):
        return sorted(str(item) for item in value)
    return value


def audit_diff(before: Mapping, after: Mapping) -> dict[str, list]:
    """An audit entry's `changes`: `{field: [old, new]}` for each field of `after`
    whose value differs from `before`'s, in `after`'s order."""
    return {
        field: [audit_value(before.get(field)), audit_value(value)]
        for field, value in after.items()
        if before.get(field) != value
    }


# A stored value kept when redacting an audit entry's changes: numbers, yes/no and
# choice values ("accept", "under_review") say nothing about the person.
_CHOICE_VALUE = re.compile(r"[a-z0-9_]{0,40}")
_REDACTED = object()


def _redacted(value):
    if isinstance(value, dict):
        kept = {key: _redacted(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item is not _REDACTED}
    if isinstance(value, list):
        return [item for item in map(_redacted, value) if item is not _REDACTED]
    if isinstance(value, str) and not _CHOICE_VALUE.fullmatch(value):
        return _REDACTED
    return value


def audit_entries_redact(*, entries: models.QuerySet[AuditEntry]) -> int:
    """Redact audit entries: the summary goes, and so does any text in the changes;
    what was done, when, by whom, to which object, and numbers and choices (scores,
    outcomes) stay. The one edit an audit entry ever gets: the person's right to
    be forgotten outweighs the record's wording. Returns how many changed."""
    changed = []
    for entry in entries.only("pk", "summary", "changes"):
        changes = _redacted(entry.changes)
        if entry.summary or changes != entry.changes:
            entry.summary, entry.changes = "", changes
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["summary", "changes"], batch_size=500)
    return len(changed)


def audit_entries_about(*, model, ids) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(model), target_id__in=[str(pk) for pk in ids]
    )
