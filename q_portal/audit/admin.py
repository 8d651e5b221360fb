from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "target_type", "target_id", "summary"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "summary", "actor__email", "target_id"]
    list_select_related = ["actor", "target_type"]
    date_hierarchy = "at"

    # The log is evidence: nobody edits or deletes it through the admin.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
