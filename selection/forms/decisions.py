"""Forms for releasing and reversing decisions, feedback, and answering the offer
of a place. They check the shape of input; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import DecisionOutcome, PlaceOfferStatus
from ..services.feedback import FEEDBACK_MAX_CHARACTERS


class DecisionReverseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("New decision"),
        choices=DecisionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the new decision."), "invalid_choice": _("Choose the new decision.")},
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        help_text=_("Kept in the application's history. The applicant is not sent it."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Give the reason for changing a released decision."),
            "max_length": _("Keep the reason to 2,000 characters or fewer."),
        },
    )

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            (value, label) for value, label in DecisionOutcome.choices if value != current
        ]


class FeedbackForm(forms.Form):
    """One optional text per criterion, prefilled by the view."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"feedback_{criterion.letter}"] = forms.CharField(
                label=_("Feedback on criterion (%(letter)s) %(title)s")
                % {"letter": criterion.letter, "title": criterion.title},
                required=False,
                max_length=FEEDBACK_MAX_CHARACTERS,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("A few sentences the applicant will read. Leave it blank to give no feedback on it."),
                error_messages={
                    "max_length": _("Keep the feedback to %(max)s characters or fewer.")
                    % {"max": f"{FEEDBACK_MAX_CHARACTERS:,}"}
                },
            )

    def texts(self) -> dict[str, str]:
        return {criterion.letter: self.cleaned_data[f"feedback_{criterion.letter}"] for criterion in self.criteria}


class FeedbackFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("waiting", _("Feedback waiting for approval")), ("all", _("Every decided application"))],
    )


class PlaceOfferFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Every offer")), *PlaceOfferStatus.choices]
    )


class PlaceConfirmForm(forms.Form):
    agrees_to_compact = forms.BooleanField(
        label=_("I agree to the member compact"),
        error_messages={
            "required": _(
                "Agree to the member compact to confirm your place. If you do not want it, decline it instead."
            )
        },
    )


class PlaceDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Would you tell us why?"),
        help_text=_("This helps us plan future rounds. Only the programme team reads it."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Keep it to 1,000 characters or fewer.")},
    )


class ReleaseConfirmForm(forms.Form):
    confirmation = forms.CharField(
        label=_("To confirm, type the round's name"),
        max_length=300,
        error_messages={"required": _("Type the round's name to confirm the release.")},
    )

    def __init__(self, *args, round_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmation"].help_text = _("Type %(name)s. Releasing cannot be undone.") % {"name": round_name}
