"""Admin for people registered for updates. Imported by `applications/admin.py`."""

from django.contrib import admin

from .models import UpdateSubscription


@admin.register(UpdateSubscription)
class UpdateSubscriptionAdmin(admin.ModelAdmin):
    """Read-only: subscriptions change only through the person's own links
    (register, confirm, unsubscribe), which record their consent and audit each
    change. To stop emailing someone, add a suppression in the outbox."""

    list_display = ["email", "name", "region", "role_category", "status", "created_at"]
    list_filter = ["status", "region", "role_category"]
    search_fields = ["email", "name"]
    list_select_related = ["region"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False
    fields = [
        "email",
        "name",
        "region",
        "role_category",
        "status",
        "consented_at",
        "confirmed_at",
        "unsubscribed_at",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
