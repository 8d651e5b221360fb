"""Forms of the positive action page: enabling it for a round (with the reason
and the quality bar) and holding places for a group of a monitoring
characteristic. POST forms; the rules are the service's (`equality.services`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from equality.choices import QUESTIONS, characteristic_label
from equality.services import holdable_categories

QUALITY_BAR_LIMIT = 1000


class PositiveActionForm(forms.Form):
    ON, OFF = "on", "off"

    use = forms.ChoiceField(
        label=_("Positive action in this round"),
        widget=forms.RadioSelect,
        choices=[(ON, _("Use positive action")), (OFF, _("Do not use positive action"))],
        error_messages={"required": _("Choose whether to use positive action."), "invalid_choice": _("Choose one.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why the round needs it: the evidence that people of the group are under-represented or "
            "disadvantaged (for example, the stage table's flagged gap). Recorded in the round's history."
        ),
    )
    quality_bar = forms.FloatField(
        label=_("Quality bar"),
        required=False,
        min_value=0,
        max_value=QUALITY_BAR_LIMIT,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text=_("The lowest mean weighted total a held place may go to, for example 9.5."),
        error_messages={"invalid": _("Enter a number, like 9.5.")},
    )

    def enabled(self) -> bool:
        return self.cleaned_data["use"] == self.ON


def group_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every holdable group, as grouped choices `characteristic:category`."""
    return [
        (
            str(characteristic_label(question.field)),
            [(f"{question.field}:{key}", label) for key, label in holdable_categories(question.field)],
        )
        for question in QUESTIONS
    ]


class CharacteristicHoldForm(forms.Form):
    group = forms.ChoiceField(
        label=_("Group"),
        error_messages={"required": _("Choose a group."), "invalid_choice": _("Choose a group.")},
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("Choose a group")), *group_choices()]

    def characteristic_and_category(self) -> tuple[str, str]:
        characteristic, _sep, category = self.cleaned_data["group"].partition(":")
        return characteristic, category
