from django import forms
from django.utils.translation import gettext_lazy as _


class AdjustmentAnswerForm(forms.Form):
    adjustment_response = forms.CharField(
        label=_("Your reply to the applicant"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        error_messages={"required": _("Write a reply to the applicant.")},
        help_text=_("The applicant is emailed this reply and sees it on their application."),
    )
