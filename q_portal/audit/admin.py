from django.contrib import admin

from ..read_only_admin import ReadOnlyAdmin
from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The log is evidence: nobody edits or deletes it through the admin."""

    list_display = ["at", "actor", "action", "target_type", "target_id", "summary"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "summary", "actor__email", "target_id"]
    list_select_related = ["actor", "target_type"]
    date_hierarchy = "at"
