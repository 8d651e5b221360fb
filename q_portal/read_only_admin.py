from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record the admin lists and shows but never adds, changes or deletes:
    its rows change only through the services, which check the rules and audit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
