import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Organisation, Region

from .choices import Audience, EventFormat, Repeat


def single_line(value: str) -> str:
    """NFC, no control characters, whitespace collapsed."""
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in value)
    return " ".join(value.split())


def multi_line(value: str) -> str:
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return value.strip()


class LineField(forms.CharField):
    def to_python(self, value):
        return single_line(super().to_python(value))


class TextField(forms.CharField):
    widget = forms.Textarea

    def to_python(self, value):
        return multi_line(super().to_python(value))


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M")


class EventForm(forms.Form):
    """An event's details. Nominators choose among their own organisations; the
    programme team among all, or none."""

    title = LineField(label=_("Title"), max_length=200, error_messages={"required": _("Enter a title.")})
    summary = TextField(
        label=_("What happens"),
        max_length=3000,
        help_text=_("Who it is for, what people will do, anything they should bring."),
        error_messages={"required": _("Say what happens at the event.")},
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=EventFormat.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the event is held.")},
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=DateTimeInput(),
        help_text=_("UK time, for example 2027-03-14 10:00."),
        error_messages={"required": _("Enter when it starts."), "invalid": _("Enter a date and time.")},
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        widget=DateTimeInput(),
        help_text=_("UK time."),
        error_messages={"required": _("Enter when it ends."), "invalid": _("Enter a date and time.")},
    )
    organisation = forms.ModelChoiceField(label=_("Organised by"), queryset=Organisation.objects.none(), required=False)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("nation", "name"), required=False
    )
    venue = LineField(label=_("Venue"), max_length=300, required=False, help_text=_("For events held in person."))
    map_url = forms.URLField(label=_("Map link"), max_length=200, required=False, assume_scheme="https")
    online_url = forms.URLField(
        label=_("Online joining link"),
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text=_("Shown only to those registered, from an hour before the start."),
    )
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=5000,
        error_messages={"required": _("Enter the number of places.")},
    )
    audience = forms.ChoiceField(
        label=_("Who may register"),
        choices=Audience.choices,
        widget=forms.RadioSelect,
        initial=Audience.MEMBERS,
        error_messages={"required": _("Choose who may register.")},
    )

    def __init__(self, *args, organisations, may_leave_organisation_blank=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].required = not may_leave_organisation_blank
        if not may_leave_organisation_blank:
            self.fields["organisation"].error_messages["required"] = _("Choose your organisation.")
            self.fields["region"].help_text = _("Your organisation's region.")

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        kind = data.get("format")
        if kind in (EventFormat.IN_PERSON, EventFormat.HYBRID):
            if not data.get("venue"):
                self.add_error("venue", _("Enter the venue of an event held in person."))
            if not data.get("region"):
                self.add_error("region", _("Choose the region of an event held in person."))
        if kind in (EventFormat.ONLINE, EventFormat.HYBRID) and not data.get("online_url"):
            self.add_error("online_url", _("Enter the joining link of an online event."))
        return data


class EventCreateForm(EventForm):
    repeat = forms.ChoiceField(label=_("Repeats"), choices=Repeat.choices, required=False)
    occurrences = forms.IntegerField(
        label=_("Number of occasions"),
        min_value=1,
        max_value=26,
        required=False,
        help_text=_("For a series, such as a monthly webinar: each occasion is its own event."),
    )

    def clean(self):
        data = super().clean()
        if data.get("repeat") and not data.get("occurrences"):
            self.add_error("occurrences", _("Enter how many times the event happens."))
        return data


class EventFilterForm(forms.Form):
    when = forms.ChoiceField(
        label=_("When"),
        choices=[("upcoming", _("Coming up")), ("past", _("Past events"))],
        required=False,
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("nation", "name"), required=False, to_field_name="slug"
    )


class CheckInSearchForm(forms.Form):
    q = LineField(label=_("Search by name"), max_length=100, required=False)


class EventPledgeForm(forms.Form):
    text = LineField(
        label=_("Your pledge"),
        max_length=280,
        help_text=_("What will you give back to the community? Up to 280 characters."),
        error_messages={"required": _("Enter your pledge.")},
    )
    show_name = forms.BooleanField(
        label=_("Show my first name and organisation on the wall"), required=False, initial=True
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was the event?"),
        choices=[(5, _("Very useful")), (4, _("Useful")), (3, _("Neither")), (2, _("Not very")), (1, _("Not at all"))],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how useful the event was.")},
    )
    went_well = TextField(label=_("What worked well"), max_length=2000, required=False)
    improve = TextField(label=_("What could be better"), max_length=2000, required=False)
