"""No admin for equality monitoring answers: they are never shown row by row,
not even to administrators. Tallies are counts only, so they are readable."""

from django.contrib import admin

from .models import StageTally


@admin.register(StageTally)
class StageTallyAdmin(admin.ModelAdmin):
    list_display = ("round", "characteristic", "category", "stage", "count")
    list_filter = ("characteristic", "stage")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
