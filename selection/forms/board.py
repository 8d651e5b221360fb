"""Forms of the selection board, the moderation queue and the decision room.
Filters and the line are GET forms (a page's address says what it shows, and
they work without JavaScript); decisions and held places are POST forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.choices import RoleCategory
from members.models import Region
from q_portal.fields import SingleLineCharField

from ..choices import DecisionOutcome, LineMethod, LineRest, ModerationState
from ..selectors.decision_room import LineRule

PAGE_SIZES = (25, 50, 100, 250)
SCORE_LIMIT = 1000


# The board's columns by sort key, in the order they are shown.
COLUMN_LABELS = {
    "reference": _("Application"),
    "reviews": _("Reviews done"),
    "model": _("Estimate (95 % interval)"),
    "mean": _("Mean weighted total"),
    "normalised": _("Normalised score"),
    "spread": _("Spread"),
    "accept": _("Accept"),
    "maybe": _("Maybe"),
    "do_not_accept": _("Do not accept"),
    "route": _("Route"),
    "region": _("Region"),
    "role": _("Role"),
    "nominated_by": _("Nominated by"),
    "decision": _("Decision"),
}


TEXT_COLUMNS = frozenset({"reference", "route", "region", "role", "nominated_by", "decision"})


def _sort_choices():
    choices = []
    for key, label in COLUMN_LABELS.items():
        if key in TEXT_COLUMNS:
            choices.append((key, _("%(column)s (A to Z)") % {"column": label}))
            choices.append((f"-{key}", _("%(column)s (Z to A)") % {"column": label}))
        else:
            choices.append((f"-{key}", _("%(column)s (high to low)") % {"column": label}))
            choices.append((key, _("%(column)s (low to high)") % {"column": label}))
    return choices


def _score(label, help_text=""):
    return forms.FloatField(
        label=label,
        required=False,
        min_value=-SCORE_LIMIT,
        max_value=SCORE_LIMIT,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any"}),
        error_messages={"invalid": _("Enter a number, like 9.5 or -0.4.")},
    )


def _count(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=50,
        error_messages={"invalid": _("Enter a whole number.")},
    )


def _page_size_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Applications per page"),
        required=False,
        coerce=int,
        empty_value=PAGE_SIZES[0],
        choices=[(size, str(size)) for size in PAGE_SIZES],
    )


class BoardFilterForm(forms.Form):
    """Every filter of the board; all optional. An invalid value is shown with its
    error and ignored."""

    # Every filter may be left blank: includes/field.html does not mark them "(optional)".
    saves_drafts = True

    q = SingleLineCharField(label=_("Reference or name"), required=False, max_length=100)
    # Routes and regions by id, their choices read once as plain rows: a model choice
    # field would read them again for each of validating and rendering, through a
    # server-side cursor (PostgreSQL's DECLARE ... WITH HOLD, costly for a dozen rows).
    route = forms.TypedChoiceField(label=_("Route"), required=False, coerce=int, empty_value=None)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("Any role")), *RoleCategory.choices])
    nominated_by = forms.ChoiceField(label=_("Nominated by"), required=False)
    reviews = forms.ChoiceField(
        label=_("Reviews"),
        required=False,
        choices=[("", _("Any")), ("complete", _("All done")), ("incomplete", _("Some missing"))],
    )
    mean_min = _score(_("Mean weighted total from"))
    mean_max = _score(_("Mean weighted total up to"))
    normalised_min = _score(_("Normalised score from"))
    normalised_max = _score(_("Normalised score up to"))
    spread_min = _count(_("Spread of at least"))
    accept_min = _count(_("At least this many “accept”"))
    maybe_min = _count(_("At least this many “maybe”"))
    do_not_accept_min = _count(_("At least this many “do not accept”"))
    moderation = forms.ChoiceField(
        label=_("Moderation"),
        required=False,
        choices=[
            ("", _("Any")),
            ("needed", _("Needs moderation")),
            ("moderated", _("Moderated")),
            ("none", _("Not needed")),
        ],
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", _("Any")), ("none", _("No decision yet")), *DecisionOutcome.choices],
    )
    # Sorted by the column headings' links; kept when the filters change.
    sort = forms.ChoiceField(required=False, choices=_sort_choices, widget=forms.HiddenInput)
    size = _page_size_field()

    def __init__(self, *args, round, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].choices = [
            ("", _("Any route")),
            *((str(pk), name) for pk, name in round.routes.order_by("order", "pk").values_list("pk", "name")),
        ]
        self.fields["region"].choices = [
            ("", _("Any region")),
            *((str(pk), name) for pk, name in Region.objects.order_by("name").values_list("pk", "name")),
        ]
        self.fields["nominated_by"].choices = [
            ("", _("Anyone or no one")),
            ("none", _("Not nominated")),
            *((str(organisation.pk), organisation.name) for organisation in organisations),
        ]

    def filters(self) -> dict:
        """The valid filters; an invalid one is dropped (its error is on the form)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}

    def page_size(self) -> int:
        return self.filters().get("size") or PAGE_SIZES[0]


class ModerationFilterForm(forms.Form):
    saves_drafts = True  # every filter may be left blank, as on the board

    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Everything waiting for moderation")),
            *ModerationState.choices,
        ],
    )
    reason = forms.ChoiceField(
        label=_("Why"),
        required=False,
        choices=[("", _("Any reason")), ("disagree", _("Reviewers disagree")), ("missing", _("Reviews missing"))],
    )
    # Sorted by the column headings' links; kept when the filters change.
    sort = forms.ChoiceField(required=False, choices=_sort_choices, widget=forms.HiddenInput)
    size = _page_size_field()

    def value(self, name, default=""):
        if not self.is_bound or not self.is_valid():
            return default
        return self.cleaned_data.get(name) or default


class LineForm(forms.Form):
    """Where the decision room draws the line, and what happens below it."""

    method = forms.ChoiceField(
        label=_("Rank by"), choices=LineMethod.choices, initial=LineMethod.MODEL, widget=forms.RadioSelect
    )
    places = forms.IntegerField(
        label=_("Accept the top"),
        required=False,
        min_value=0,
        max_value=100_000,
        help_text=_("Places above the line, held and released places included."),
        error_messages={"invalid": _("Enter the number of places as a whole number.")},
    )
    min_score = _score(
        _("Or accept everyone with a score of at least"),
        _("Leave empty to draw the line by the number of places."),
    )
    waitlist = forms.IntegerField(
        label=_("Put this many of the next on the waiting list"),
        required=False,
        min_value=0,
        max_value=100_000,
        initial=0,
        error_messages={"invalid": _("Enter the number for the waiting list as a whole number.")},
    )
    rest = forms.ChoiceField(
        label=_("The rest"),
        initial=LineRest.LEAVE,
        widget=forms.RadioSelect,
        choices=LineRest.choices,
    )
    rest_below = _score(_("Unsuccessful below"))

    def __init__(self, *args, capacity: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].initial = capacity

    def clean(self):
        cleaned = super().clean()
        nothing_given = cleaned.get("min_score") is None and cleaned.get("places") is None
        if nothing_given and not {"places", "min_score"} & set(self.errors):
            self.add_error("places", _("Enter the number of places above the line, or a score."))
        below_without_score = cleaned.get("rest") == LineRest.BELOW and cleaned.get("rest_below") is None
        if below_without_score and "rest_below" not in self.errors:
            self.add_error("rest_below", _("Enter the score below which the rest are unsuccessful."))
        return cleaned

    def rule(self) -> LineRule:
        data = self.cleaned_data
        return LineRule(
            method=data["method"],
            places=data.get("places"),
            min_score=data.get("min_score"),
            waitlist=data.get("waitlist") or 0,
            rest=data["rest"],
            rest_below=data.get("rest_below") if data["rest"] == LineRest.BELOW else None,
        )

    def query(self) -> dict:
        return rule_query(self.rule())


def rule_query(rule: LineRule) -> dict:
    """The line as GET parameters, for links and the preview's form."""
    params = {"method": rule.method}
    if rule.places is not None:
        params["places"] = rule.places
    if rule.min_score is not None:
        params["min_score"] = f"{rule.min_score:g}"
    params["waitlist"] = rule.waitlist
    params["rest"] = rule.rest
    if rule.rest_below is not None:
        params["rest_below"] = f"{rule.rest_below:g}"
    return params


class ApplyDecisionsForm(LineForm):
    """The preview's confirmation: the same line, and the digest of the changes
    the team saw."""

    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)


class PlaceHoldForm(forms.Form):
    group = forms.ChoiceField(
        label=_("Group"), error_messages={"required": _("Choose a group."), "invalid_choice": _("Choose a group.")}
    )
    places = forms.IntegerField(
        label=_("Places to hold"),
        min_value=0,
        max_value=100_000,
        help_text=_("0 removes the hold."),
        error_messages={
            "required": _("Enter the number of places to hold."),
            "invalid": _("Enter the number of places as a whole number."),
        },
    )

    def __init__(self, *args, group_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("Choose a group")), *group_choices]

    def dimension_and_value(self) -> tuple[str, str]:
        """("region", "12") from the chosen "region:12" (the service checks both)."""
        dimension, _sep, value = self.cleaned_data["group"].partition(":")
        return dimension, value


class DecisionForm(forms.Form):
    NONE = "none"

    outcome = forms.ChoiceField(
        label=_("Decide"),
        widget=forms.RadioSelect,
        choices=[*DecisionOutcome.choices, (NONE, _("No decision yet"))],
        help_text=_("The decision can change until it is released; the applicant hears nothing until then."),
        error_messages={"required": _("Choose a decision."), "invalid_choice": _("Choose a decision.")},
    )

    def chosen_outcome(self) -> str | None:
        """The outcome chosen; None to take a decision back."""
        value = self.cleaned_data["outcome"]
        return None if value == self.NONE else value
