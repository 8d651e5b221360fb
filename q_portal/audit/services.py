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
