"""Nominations in the Django admin: who nominates for which organisation (the
programme team's page at /nominate/programme/nominators/ does the same, and
adds the role), and a read-only view of nominations, which change only through
the nominator's and nominee's pages. Import it from `applications.admin`."""

from django.contrib import admin

from q_portal.read_only_admin import ReadOnlyAdmin

from .models import Nomination, NominatorOrganisation
from .services import nominations as services


@admin.register(NominatorOrganisation)
class NominatorOrganisationAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "created_at"]
    list_filter = ["organisation"]
    search_fields = ["user__email", "user__display_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service, so the user gets the Nominators role and it is audited.
        obj.pk = services.nominator_grant(user=obj.user, organisation=obj.organisation, by=request.user).pk

    def delete_model(self, request, obj):
        services.nominator_revoke(link=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for link in queryset.select_related("user", "organisation"):
            services.nominator_revoke(link=link, by=request.user)


@admin.register(Nomination)
class NominationAdmin(ReadOnlyAdmin):
    """Read-only: quotas, duplicates and invitations are the services' to keep."""

    list_display = ["full_name", "organisation", "round", "status", "created_at"]
    list_filter = ["round", "status", "organisation"]
    search_fields = ["full_name", "email", "organisation__name"]
    list_select_related = ["organisation", "round"]
