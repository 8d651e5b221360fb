"""Forms of the positive action page: enabling it for a round (with the reason
and the quality bar) and holding places for a group of a monitoring
characteristic. POST forms; the rules are the service's (`equality.services`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from equality.choices import QUESTIONS, characteristic_label
from equality.services import holdable_categories

from .board import PlaceHoldForm

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


class CharacteristicHoldForm(PlaceHoldForm):
    """Places held for a group of a monitoring characteristic, chosen as
    `characteristic:category`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, group_choices=group_choices(), **kwargs)

    def characteristic_and_category(self) -> tuple[str, str]:
        return self.dimension_and_value()
