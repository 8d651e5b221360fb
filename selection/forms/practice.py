import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _


def _single_line(value: str) -> str:
    """NFC, control characters removed, whitespace collapsed."""
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value)
    return re.sub(r"\s+", " ", value).strip()


def _score_field(label, levels, *, required=True):
    return forms.TypedChoiceField(
        label=label,
        required=required,
        choices=[(str(level), f"{level}: {text}") for level, text in levels],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a score."), "invalid_choice": _("Choose one of the scores shown.")},
    )


class PracticeApplicationForm(forms.Form):
    """A practice application: a title, each criterion's answer and agreed
    score, and the rationale reviewers read after scoring it."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("Shown to reviewers, e.g. “Practice 1: a ward sister leading a falls project”."),
        error_messages={"required": _("Enter a title.")},
    )
    rationale = forms.CharField(
        label=_("Why these are the agreed scores"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Reviewers read this beside their own scores once they have scored the application."),
        error_messages={"required": _("Explain why these are the agreed scores.")},
    )

    def __init__(self, *args, criteria, rubric_levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        fields = {"title": self.fields["title"]}
        for criterion in self.criteria:
            fields[f"answer_{criterion.letter}"] = forms.CharField(
                label=_("Answer to criterion (%(letter)s) %(title)s")
                % {"letter": criterion.letter, "title": criterion.title},
                max_length=20_000,
                widget=forms.Textarea(attrs={"rows": 6}),
                error_messages={"required": _("Enter the answer reviewers will score.")},
            )
            fields[f"agreed_{criterion.letter}"] = _score_field(
                _("Agreed score for criterion (%(letter)s)") % {"letter": criterion.letter}, rubric_levels
            )
        fields["rationale"] = self.fields["rationale"]
        self.fields = fields

    def clean_title(self):
        title = _single_line(self.cleaned_data["title"])
        if not title:
            raise forms.ValidationError(_("Enter a title."))
        return title

    def answers(self) -> dict[str, str]:
        return {c.letter: self.cleaned_data[f"answer_{c.letter}"].strip() for c in self.criteria}

    def agreed_scores(self) -> dict[str, int]:
        return {c.letter: self.cleaned_data[f"agreed_{c.letter}"] for c in self.criteria}


class PracticeReviewForm(forms.Form):
    """A reviewer's score per criterion of a practice application."""

    def __init__(self, *args, criteria, rubric_levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.letter}"] = _score_field(
                _("Your score for criterion (%(letter)s) %(title)s")
                % {"letter": criterion.letter, "title": criterion.title},
                rubric_levels,
            )

    def scores(self) -> dict[str, int]:
        return {c.letter: self.cleaned_data[f"score_{c.letter}"] for c in self.criteria}
