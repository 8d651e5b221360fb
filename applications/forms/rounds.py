"""The programme team's forms for rounds and nomination quotas. They check the
shape of what is typed; the rules (dates in order, no overlapping open rounds,
routes in use, criteria fixed once open) are the services' and come back as
errors on the same fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from members.models import Organisation, Region
from q_portal.fields import SingleLineCharField

from ..choices import Phase, RoundStatus
from ..models import Criterion, NominationQuota, Round, Route
from ..services.rounds import DATES_FIXED_FROM

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099
MAX_PLACES = 100_000


def validate_sensible_year(value):
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            _("Enter a year between %(earliest)s and %(latest)s."),
            code="year",
            params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )


class UKDateTimeField(forms.DateTimeField):
    """A date and time typed in UK time (Europe/London, the current time zone) in
    a `datetime-local` input; browsers without one accept "2026-03-01 09:00"."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)
    default_validators = [validate_sensible_year]


class RouteChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RoundForm(forms.Form):
    name = SingleLineCharField(
        label=_("Name"),
        max_length=200,
        help_text=_("Shown to applicants, for example “Wider recruitment, spring 2026”."),
        error_messages={"required": _("Enter a name for the round.")},
    )
    phase = forms.ChoiceField(
        label=_("Phase"),
        choices=Phase.choices,
        widget=forms.RadioSelect,
        help_text=_("Only one round of each phase can be open at any moment."),
        error_messages={"required": _("Choose the phase of the round.")},
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to applicants on the home page and in the eligibility check."),
    )
    opens_at = UKDateTimeField(
        label=_("Opens"),
        help_text=_("Date and time in UK time, for example 2026-03-01 09:00."),
        error_messages={
            "required": _("Enter the date and time the round opens."),
            "invalid": _("Enter the date and time the round opens as a real date and time, like 2026-03-01 09:00."),
        },
    )
    closes_at = UKDateTimeField(
        label=_("Closes"),
        help_text=_("Date and time in UK time. Applications can be submitted until then."),
        error_messages={
            "required": _("Enter the date and time the round closes."),
            "invalid": _("Enter the date and time the round closes as a real date and time, like 2026-04-01 17:00."),
        },
    )
    decisions_expected_on = forms.DateField(
        label=_("Decisions expected on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_sensible_year],
        help_text=_("Told to applicants as when they will hear, for example 2026-06-30."),
        error_messages={"invalid": _("Enter the date decisions are expected as a real date, like 2026-06-30.")},
    )
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=MAX_PLACES,
        help_text=_("How many people the round can accept."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Enter how many places the round offers."),
            "invalid": _("Enter the number of places as a whole number, like 120."),
            "min_value": _("A round must offer at least 1 place."),
            "max_value": _("Enter %(limit_value)s places or fewer."),
        },
    )
    routes = RouteChoiceField(
        label=_("Eligibility routes"),
        queryset=Route.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who may apply. At least one is needed before the round can open."),
        error_messages={
            "invalid_choice": _("Choose routes from the list."),
            "invalid_pk_value": _("Choose routes from the list."),
        },
    )
    criteria = forms.ModelMultipleChoiceField(
        label=_("Selection criteria"),
        queryset=Criterion.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What applicants answer and reviewers score. Fixed once the round has opened."),
        error_messages={
            "invalid_choice": _("Choose criteria from the list."),
            "invalid_pk_value": _("Choose criteria from the list."),
        },
    )

    def __init__(self, *args, round: Round | None = None, **kwargs):
        self.round = round
        if round is not None:
            kwargs["initial"] = {**self.initial_for(round), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        if round is not None and round.status != RoundStatus.DRAFT:
            self.fields["criteria"].disabled = True
            self.fields["criteria"].help_text = _("Fixed: the round has opened.")
        if round is not None and round.status in DATES_FIXED_FROM:
            for field in ("opens_at", "closes_at"):
                self.fields[field].disabled = True
                self.fields[field].help_text = _("Fixed: review has started.")
        if round is None:
            self.fields["criteria"].initial = list(Criterion.objects.all())

    @staticmethod
    def initial_for(round: Round) -> dict:
        # Typed times have whole minutes, so a time left as it was is not "changed".
        return {
            "name": round.name,
            "phase": round.phase,
            "description": round.description,
            "opens_at": round.opens_at.replace(second=0, microsecond=0),
            "closes_at": round.closes_at.replace(second=0, microsecond=0),
            "decisions_expected_on": round.decisions_expected_on,
            "capacity": round.capacity,
            "routes": list(round.routes.all()),
            "criteria": list(round.criteria.all()),
        }

    def changes(self) -> dict:
        """What was changed, for `round_update`."""
        return {field: self.cleaned_data[field] for field in self.changed_data}

    def clean(self):
        cleaned = super().clean()
        # Also a rule of round_create/round_update; said here too so that it is
        # listed with any other mistake on the page, not after they are fixed.
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The closing date must be after the opening date."))
        return cleaned

    def clean_opens_at(self):
        # Keep the typed time's minute: a datetime-local input can carry seconds.
        value = self.cleaned_data["opens_at"]
        return value.replace(second=0, microsecond=0) if value else value

    def clean_closes_at(self):
        value = self.cleaned_data["closes_at"]
        return value.replace(second=0, microsecond=0) if value else value


class QuotaForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label=_("Choose an organisation"),
        help_text=_("Choose an organisation or a region, not both."),
        error_messages={"invalid_choice": _("Choose an organisation from the list.")},
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Choose a region"),
        help_text=_("A region's quota is shared by the organisations in it."),
        error_messages={"invalid_choice": _("Choose a region from the list.")},
    )
    places = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=MAX_PLACES,
        help_text=_("How many people they may nominate. Setting it again for the same one changes it."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Enter how many people they may nominate."),
            "invalid": _("Enter the number of places as a whole number, like 10."),
            "min_value": _("Give at least 1 place. To stop nominations, remove the quota instead."),
            "max_value": _("Enter %(limit_value)s places or fewer."),
        },
    )


class QuotaRemoveForm(forms.Form):
    quota = forms.ModelChoiceField(queryset=NominationQuota.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, round: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quota"].queryset = NominationQuota.objects.filter(round=round).select_related(
            "organisation", "region"
        )


class RoundTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=RoundStatus.choices, widget=forms.HiddenInput)
