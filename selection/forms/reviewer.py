from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import QueueFilter, Recommendation


class QueueFilterForm(forms.Form):
    saves_drafts = True  # every filter may be left blank, as on the board: no "(optional)"

    state = forms.ChoiceField(label=_("Show"), required=False, choices=[("", _("All assigned")), *QueueFilter.choices])
    round = forms.TypedChoiceField(label=_("Round"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, rounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [("", _("All rounds"))] + [(round.pk, round.name) for round in rounds]


class ReviewForm(forms.Form):
    """One score (radio buttons on the rubric) and one comment per criterion, a
    recommendation and a note to the panel. Scores may be left out in a draft;
    submitting needs all of them and a recommendation. So the field template does
    not call them "(optional)" (`saves_drafts`); the fields that really are
    optional say so in their own labels."""

    saves_drafts = True

    recommendation = forms.ChoiceField(
        label=_("Your recommendation"),
        required=False,
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
    )
    note_to_panel = forms.CharField(
        label=_("Note to the selection panel (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Anything the panel should know when it moderates. The applicant does not see it."),
    )

    def __init__(self, *args, criteria, rubric_levels, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.submitting = submitting
        self.rubric_levels = rubric_levels
        choices = [(str(level), f"{level}: {text}") for level, text in rubric_levels]
        fields = {}
        for criterion in self.criteria:
            fields[f"score_{criterion.letter}"] = forms.TypedChoiceField(
                label=_("Score for criterion (%(letter)s) %(title)s")
                % {"letter": criterion.letter, "title": criterion.title},
                required=False,
                choices=choices,
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
            )
            fields[f"comment_{criterion.letter}"] = forms.CharField(
                label=_("Comment on criterion (%(letter)s) (optional)") % {"letter": criterion.letter},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        # Scores and comments first, in criterion order; then the recommendation and note.
        self.fields = {**fields, **self.fields}

    def clean(self):
        cleaned = super().clean()
        if self.submitting:
            for criterion in self.criteria:
                name = f"score_{criterion.letter}"
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(
                        name, _("Score criterion (%(letter)s) before submitting.") % {"letter": criterion.letter}
                    )
            if not cleaned.get("recommendation") and "recommendation" not in self.errors:
                self.add_error("recommendation", _("Choose a recommendation before submitting."))
        return cleaned

    def scores(self) -> dict[str, int | None]:
        return {criterion.letter: self.cleaned_data.get(f"score_{criterion.letter}") for criterion in self.criteria}

    def comments(self) -> dict[str, str]:
        return {
            criterion.letter: self.cleaned_data.get(f"comment_{criterion.letter}", "") for criterion in self.criteria
        }

    def review(self) -> dict:
        """The review as the services take it (`review_save`, `moderation_review_save`)."""
        return {
            "scores": self.scores(),
            "comments": self.comments(),
            "recommendation": self.cleaned_data.get("recommendation") or "",
            "note_to_panel": self.cleaned_data.get("note_to_panel") or "",
        }

    def criterion_fields(self):
        """(criterion, score field, comment field) for the template."""
        return [(c, self[f"score_{c.letter}"], self[f"comment_{c.letter}"]) for c in self.criteria]


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you have a conflict of interest?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For example: you know the applicant, have worked with them, or manage them. The programme team reads this."
        ),
        error_messages={"required": _("Tell us why you have a conflict of interest.")},
    )


class AbstainForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you abstaining?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        # The page above the field links to declaring a conflict instead.
        help_text=_("For example: the application is outside your experience. The programme team reads this."),
        error_messages={"required": _("Tell us why you are abstaining.")},
    )


class AgreementForm(forms.Form):
    accept = forms.BooleanField(
        label=_("I accept this agreement for the round"),
        error_messages={"required": _("Tick the box to accept the agreement, or go back to your queue.")},
    )


class NextForm(forms.Form):
    """Where "next" starts from: the assignment just left (optional)."""

    after = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
