from django.contrib import admin

from q_portal.read_only_admin import ReadOnlyAdmin

from . import admin_nominations, admin_rounds, admin_updates  # noqa: F401 - they register their models
from .models import Application, CriterionResponse


class CriterionResponseInline(admin.TabularInline):
    model = CriterionResponse
    extra = 0
    can_delete = False
    readonly_fields = ["criterion", "text", "updated_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    """Read-only: applications change only through the applicant's journey and the
    selection workflow, which check the rules and audit every change."""

    list_display = ["__str__", "applicant", "round", "status", "route", "region", "submitted_at"]
    list_filter = ["round", "status", "route", "region", "role_category", "adjustment_status"]
    search_fields = ["reference", "full_name", "applicant__email"]
    list_select_related = ["applicant", "round", "route", "region"]
    inlines = [CriterionResponseInline]
