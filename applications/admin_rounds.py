"""Configuration of recruitment in the Django admin: rounds (with their criteria
and nomination quotas inline), eligibility routes, criteria and improvement
courses. Imported by `applications.admin`.

A round's status changes only through `round_transition` (the programme team's
round page), which checks the rules and audits the move, so here it is read-only.
The admin keeps the round rules the services keep: criteria are fixed once a
round has opened, a route that applications use stays, and an open round's dates
cannot overlap another open round of its phase."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .choices import RoundStatus
from .models import Criterion, ImprovementCourse, NominationQuota, Round, RoundCriterion, Route
from .selectors.rounds import open_round_overlapping, route_application_counts


class RoundAdminForm(forms.ModelForm):
    class Meta:
        model = Round
        # Not status: it changes only through round_transition.
        fields = [
            "name",
            "phase",
            "description",
            "opens_at",
            "closes_at",
            "decisions_expected_on",
            "capacity",
            "routes",
        ]

    def clean_routes(self):
        routes = self.cleaned_data["routes"]
        if self.instance.pk is None:
            return routes
        current = {route.pk: route for route in self.instance.routes.all()}
        removed = set(current) - {route.pk for route in routes}
        used = route_application_counts(round=self.instance, route_ids=removed)
        if used:
            raise ValidationError(
                [
                    ngettext(
                        "%(route)s cannot be removed: %(count)d application uses it.",
                        "%(route)s cannot be removed: %(count)d applications use it.",
                        count,
                    )
                    % {"route": current[route_id].name, "count": count}
                    for route_id, count in used.items()
                ]
            )
        return routes

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at, phase = cleaned.get("opens_at"), cleaned.get("closes_at"), cleaned.get("phase")
        if self.instance.status == RoundStatus.OPEN and opens_at and closes_at and phase:
            other = open_round_overlapping(
                phase=phase, opens_at=opens_at, closes_at=closes_at, exclude_pk=self.instance.pk
            )
            if other is not None:
                raise ValidationError(
                    _("%(other)s, another round of this phase, is open at overlapping dates."),
                    params={"other": other.name},
                )
        return cleaned


class RoundCriterionInline(admin.TabularInline):
    """Criteria can change only while the round is a draft."""

    model = RoundCriterion
    extra = 0

    def _is_draft(self, obj) -> bool:
        return obj is None or obj.status == RoundStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_delete_permission(request, obj)


class NominationQuotaInline(admin.TabularInline):
    model = NominationQuota
    extra = 0
    autocomplete_fields = ["organisation", "region"]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    form = RoundAdminForm
    list_display = ["name", "phase", "status", "opens_at", "closes_at", "capacity"]
    list_filter = ["phase", "status"]
    search_fields = ["name"]
    date_hierarchy = "opens_at"
    readonly_fields = ["status", "created_at", "updated_at"]
    filter_horizontal = ["routes"]
    inlines = [RoundCriterionInline, NominationQuotaInline]

    def has_delete_permission(self, request, obj=None):
        # Only a draft may go: an opened round has applicants and an audit trail.
        if obj is not None and obj.status != RoundStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "order"]
    search_fields = ["name", "summary"]
    filter_horizontal = ["courses", "organisations"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["letter", "title", "word_limit"]
    search_fields = ["title"]


@admin.register(ImprovementCourse)
class ImprovementCourseAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "provider"]
