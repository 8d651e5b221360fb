"""The insight pages' GET forms: which applications a page shows (and its
downloads export), the representation flag's threshold, and which reviewers the
calibration table lists. Each falls back to its defaults when a value is wrong,
and says so next to the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.choices import RoleCategory
from applications.models import Round
from members.models import Region

from ..choices import DecisionOutcome
from ..selectors.insight import UNDECIDED, InsightFilters


class InsightFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("name"),
        required=False,
        empty_label=_("All regions"),
        error_messages={"invalid_choice": _("Choose a region from the list.")},
    )
    role_category = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("All roles")), *RoleCategory.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose a role from the list.")},
    )
    route = forms.ModelChoiceField(
        label=_("Route"),
        queryset=None,
        required=False,
        empty_label=_("All routes"),
        error_messages={"invalid_choice": _("Choose a route from the list.")},
    )
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Any decision")), *DecisionOutcome.choices, (UNDECIDED, _("Not decided yet"))],
        required=False,
        error_messages={"invalid_choice": _("Choose a decision from the list.")},
    )

    def __init__(self, *args, round: Round, with_outcome: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = round.routes.order_by("order", "pk")
        if not with_outcome:
            del self.fields["outcome"]

    def filters(self) -> InsightFilters:
        """The filters chosen, or none at all when any value is wrong (a page
        never shows a part of the data while saying it shows another)."""
        if not self.is_bound or not self.is_valid():
            return InsightFilters()
        data = self.cleaned_data
        return InsightFilters(
            region=data["region"],
            role_category=data["role_category"],
            route=data["route"],
            outcome=data.get("outcome", ""),
        )


class RepresentationForm(forms.Form):
    threshold = forms.IntegerField(
        label=_("Flag a group whose acceptance rate differs from the round's by more than (percentage points)"),
        min_value=1,
        max_value=100,
        initial=10,
        error_messages={
            "invalid": _("Enter the threshold as a whole number of percentage points, like 10."),
            "min_value": _("The threshold must be at least 1 percentage point."),
            "max_value": _("The threshold must be 100 percentage points or fewer."),
            "required": _("Enter a threshold, like 10."),
        },
    )
    min_size = forms.IntegerField(
        label=_("and has at least this many decided applications"),
        min_value=1,
        max_value=100_000,
        initial=10,
        error_messages={
            "invalid": _("Enter the smallest group size as a whole number, like 10."),
            "min_value": _("The smallest group size must be at least 1."),
            "max_value": _("The smallest group size must be 100,000 or fewer."),
            "required": _("Enter the smallest group size, like 10."),
        },
    )

    def values(self) -> tuple[int, int]:
        """(threshold, min_size): what the team chose, or the defaults."""
        defaults = (self.fields["threshold"].initial, self.fields["min_size"].initial)
        if not self.is_bound or not self.is_valid():
            return defaults
        return self.cleaned_data["threshold"], self.cleaned_data["min_size"]


class CalibrationForm(forms.Form):
    ALL, FLAGGED = "all", "flagged"

    show = forms.ChoiceField(
        label=_("Show"),
        choices=[(ALL, _("Every reviewer")), (FLAGGED, _("Only reviewers flagged as harsh or lenient"))],
        required=False,
        error_messages={"invalid_choice": _("Choose which reviewers to show from the list.")},
    )

    def flagged_only(self) -> bool:
        return self.is_bound and self.is_valid() and self.cleaned_data["show"] == self.FLAGGED


class ChartDownloadForm(forms.Form):
    """`?csv=<slug>`: download one chart's figures instead of the page."""

    csv = forms.SlugField(max_length=50, required=False)
