from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AbuseReport, Community, GrowthTarget, Interest, MemberProfile, Organisation, Pledge, Region, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_active", "is_staff", "is_superuser", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal details"), {"fields": ["display_name"]}),
        (_("Roles"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})]
    filter_horizontal = ["groups"]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "nation"]
    list_filter = ["nation"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "region"]
    list_select_related = ["region"]
    search_fields = ["name"]


# --- Membership -----------------------------------------------------------------------
# Changes of status, imports and moderation go through the programme team's pages
# (which call the services and audit); the admin is for looking and for fixing data.


@admin.register(MemberProfile)
class MemberProfileAdmin(admin.ModelAdmin):
    list_display = ["full_name", "membership_number", "status", "region", "role_category", "cohort_name", "joined_on"]
    list_filter = ["status", "visibility", "source", "role_category", "region"]
    list_select_related = ["region"]
    search_fields = ["full_name", "membership_number", "user__email"]
    raw_id_fields = ["user", "organisation"]
    readonly_fields = ["membership_number", "status", "status_changed_at", "status_reason", "created_at", "updated_at"]
    filter_horizontal = ["interests"]
    exclude = ["search_vector"]


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["suggested_by"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "is_open", "created_at"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["created_by"]


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    list_display = ["member", "category", "created_at"]
    list_filter = ["category"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]


@admin.register(AbuseReport)
class AbuseReportAdmin(admin.ModelAdmin):
    list_display = ["reported", "reporter", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["reported", "reporter"]
    raw_id_fields = ["reporter", "reported", "message", "resolved_by"]


@admin.register(GrowthTarget)
class GrowthTargetAdmin(admin.ModelAdmin):
    list_display = ["members", "by_date", "updated_at"]
