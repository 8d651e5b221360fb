from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import QUESTIONS


class MonitoringForm(forms.Form):
    """Every equality monitoring question, each optional, each with "Prefer not to say"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            if question.widget == "select":
                choices = [("", _("Choose an answer")), *question.choices]
                widget = forms.Select
            else:
                choices = list(question.choices)
                widget = forms.RadioSelect
            self.fields[question.field] = forms.ChoiceField(
                label=question.label,
                help_text=question.hint,
                choices=choices,
                required=False,
                widget=widget,
            )

    def protected_fields(self):
        return [self[question.field] for question in QUESTIONS if not question.professional]

    def professional_fields(self):
        return [self[question.field] for question in QUESTIONS if question.professional]


class MonitoringDeleteForm(forms.Form):
    """Deleting one's own answers: a button, nothing to fill in."""
