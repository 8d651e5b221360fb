from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditEntry(models.Model):
    """One state change: who did what to which object, and what changed. Written by
    services in the same transaction as the change; never edited afterwards."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Indexed in Meta, not here: `db_index=True` would add a second index for LIKE
    # on PostgreSQL, and the foreign key's own index would duplicate the first
    # column of (target_type, target_id). Each index is written on every entry,
    # 10,000 at once when a round is assigned.
    action = models.CharField(max_length=100)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, db_index=False)
    target_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["action"], name="audit_entry_action"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
