from django.contrib import admin
from django.db import models

from .models import CalendarFeed, Event, EventPledge, EventSeries, Feedback, Registration


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "region", "format", "capacity", "status"]
    list_filter = ["status", "format", "region"]
    search_fields = ["title"]
    list_select_related = ["region"]
    raw_id_fields = ["series", "created_by", "organisation"]
    # Map and online links are https unless typed otherwise (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(EventSeries)
class EventSeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "created_at"]
    raw_id_fields = ["created_by"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["event", "user", "status", "registered_at", "checked_in_at"]
    list_filter = ["status"]
    raw_id_fields = ["event", "user", "checked_in_by"]
    list_select_related = ["event", "user"]


@admin.register(EventPledge)
class EventPledgeAdmin(admin.ModelAdmin):
    list_display = ["text", "event", "member", "hidden", "created_at"]
    raw_id_fields = ["event", "member"]


admin.site.register(Feedback)
admin.site.register(CalendarFeed)
