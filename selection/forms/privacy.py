from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import SelectionWork


class PersonSearchForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("Any address the person used: their account's, or the one they were nominated or registered with."),
        error_messages={
            "required": _("Enter the person's email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.org."),
        },
    )


class PersonEraseForm(forms.Form):
    """The programme team confirms an erasure: why, and the address typed again so
    the wrong person is never erased by a slip."""

    reason = forms.CharField(
        label=_("Why are you erasing this person's data?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: “Erasure request received by email on 3 March, reference DP-114.” "
            "It is kept in the audit log, so do not write the person's name or address."
        ),
        error_messages={"required": _("Enter why you are erasing this person's data.")},
    )
    confirm_email = forms.CharField(
        label=_("Type the person's email address to confirm"),
        max_length=254,
        error_messages={"required": _("Type the person's email address to confirm.")},
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Enter why you are erasing this person's data."))
        return reason

    def clean_confirm_email(self):
        typed = self.cleaned_data["confirm_email"].strip()
        if typed.lower() != self.email.lower():
            raise forms.ValidationError(_("The address you typed is not this person's. Type it exactly as shown."))
        return typed


class PersonExportForm(forms.Form):
    """What of the team's working on the person's applications goes into the file
    for them. Everything they have been told is always in it; other people's
    opinions of them need the team's judgement (a reviewer's comments may be
    released, for example, while a note to the panel naming a third party is not)."""

    selection_work = forms.MultipleChoiceField(
        label=_("Also release to the person"),
        choices=SelectionWork.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Leave these unticked unless you have decided to release them. Your choice is recorded in the audit log."
        ),
    )
