from django.contrib import admin

from .models import CallVote, Project


@admin.register(CallVote)
class CallVoteAdmin(admin.ModelAdmin):
    list_display = ["call", "status", "opens_at", "closes_at"]
    readonly_fields = [
        "status",
        "opened_at",
        "closed_at",
        "counted_at",
        "published_at",
        "funding_confirmed_at",
        "announced_at",
    ]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "grant", "starts_on", "ends_on"]
