from django.contrib import admin

from .models import ReviewerProfile


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    """Where reviewers work. Assignments, conflicts and reviews change only through
    the selection pages, which check the rules and audit every change."""

    list_display = ["user", "organisation", "region"]
    list_filter = ["region"]
    search_fields = ["user__email", "user__display_name", "organisation__name"]
    list_select_related = ["user", "organisation", "region"]
    autocomplete_fields = ["user"]
