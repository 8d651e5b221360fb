"""Form fields shared by every app."""

from django import forms

from .text import single_line


class SingleLineCharField(forms.CharField):
    """A one-line text field (a name, organisation, job title, subject, search):
    what is typed or pasted is normalised by `q_portal.text.single_line` before
    validation, so a line break, tab, NUL or zero-width character never reaches
    a service, and the length limit counts what is kept."""

    def to_python(self, value):
        if value not in self.empty_values:
            value = single_line(str(value))
        return super().to_python(value)
