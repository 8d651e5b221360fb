from django import forms
from django.utils.translation import gettext_lazy as _

from applications.validators import validate_word_limit
from members.models import Region

from .choices import IDEA_SORTS, PANEL_SCORES, EmailPreference
from .models import Theme
from .validators import LineField, TextField

DATETIME_HINT = _("For example 2026-03-01 09:00 (UK time).")


def _names_one_a_line(text: str, *, longest: int, most: int, none, too_many) -> list[str]:
    """Names typed one a line (a call's themes, a panel's criteria): white space
    folded, each cut to `longest` characters, blank lines and repeats dropped."""
    names = list(dict.fromkeys(" ".join(line.split())[:longest] for line in text.splitlines()))
    names = [name for name in names if name]
    if not names:
        raise forms.ValidationError(none)
    if len(names) > most:
        raise forms.ValidationError(too_many)
    return names


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            from django.utils import timezone

            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


def _when(label):
    return forms.DateTimeField(
        label=label,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=DATETIME_HINT,
        error_messages={"required": _("Enter the date and time."), "invalid": _("Enter a real date and time.")},
    )


class CallForm(forms.Form):
    title = LineField(label=_("Title"), max_length=200, error_messages={"required": _("Enter the call's title.")})
    summary = TextField(
        label=_("Summary"), max_length=5000, error_messages={"required": _("Describe what the call funds.")}
    )
    themes = TextField(
        label=_("Themes"),
        max_length=2000,
        rows=4,
        help_text=_("One a line, for example “digital”, “patient safety”, “health inequalities”."),
        error_messages={"required": _("Enter at least one theme.")},
    )
    total_funding = forms.IntegerField(
        label=_("Total funding (£)"),
        min_value=1,
        max_value=100_000_000,
        error_messages={"required": _("Enter the total funding in pounds.")},
    )
    largest_grant = forms.IntegerField(
        label=_("Largest grant (£)"),
        min_value=1,
        max_value=100_000_000,
        error_messages={"required": _("Enter the largest grant in pounds.")},
    )
    ideas_open_at = _when(_("Ideas open"))
    refinement_from = _when(_("Refinement starts"))
    proposals_from = _when(_("Proposals open"))
    proposals_due_at = _when(_("Proposals due"))
    vote_from = _when(_("Vote opens"))
    results_from = _when(_("Results announced"))

    def clean_themes(self):
        return _names_one_a_line(
            self.cleaned_data["themes"],
            longest=100,
            most=20,
            none=_("Enter at least one theme."),
            too_many=_("Enter at most 20 themes."),
        )


class QuestionForm(forms.Form):
    text = LineField(label=_("Question"), max_length=300, error_messages={"required": _("Enter the question.")})
    hint = LineField(label=_("Hint"), max_length=500, required=False)
    word_limit = forms.IntegerField(
        label=_("Word limit"), min_value=1, max_value=5000, error_messages={"required": _("Enter a word limit.")}
    )
    position = forms.IntegerField(label=_("Position"), min_value=1, max_value=100, initial=1)


class IdeaForm(forms.Form):
    title = LineField(label=_("Title"), max_length=150, error_messages={"required": _("Give your idea a title.")})
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a theme."), "invalid_choice": _("Choose one of the call's themes.")},
    )
    problem = TextField(
        label=_("The problem"),
        max_length=5000,
        help_text=_("What is wrong now, and for whom. You can use Markdown."),
        error_messages={"required": _("Describe the problem.")},
    )
    plan = TextField(
        label=_("What you would do"), max_length=5000, error_messages={"required": _("Describe what you would do.")}
    )
    involved = TextField(label=_("Who is involved"), max_length=2000, required=False, rows=3)
    budget = forms.IntegerField(
        label=_("Rough budget (£)"),
        min_value=0,
        max_value=100_000_000,
        error_messages={
            "required": _("Enter a rough budget in pounds."),
            "invalid": _("Enter a whole number of pounds."),
        },
    )
    budget_private = TextField(
        label=_("Private budget line"),
        max_length=2000,
        required=False,
        rows=3,
        help_text=_("Only your team and the programme team see this."),
    )
    skills_wanted = LineField(
        label=_("Skills wanted"),
        max_length=300,
        required=False,
        help_text=_("What a new team member could bring, for example “data analysis, patient involvement”."),
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["theme"].queryset = Theme.objects.filter(call=call).order_by("name")

    def clean_budget(self):
        budget = self.cleaned_data["budget"]
        if budget > self.call.largest_grant:
            raise forms.ValidationError(
                _("The largest grant in this call is £%(largest)s.") % {"largest": f"{self.call.largest_grant:,}"}
            )
        return budget


class CommentForm(forms.Form):
    body = TextField(
        label=_("Your comment"),
        max_length=5000,
        rows=4,
        help_text=_("You can use Markdown: *italic*, **bold**, [links](https://example.org), lists."),
        error_messages={"required": _("Enter your comment.")},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class JoinForm(forms.Form):
    message = TextField(
        label=_("Message to the lead"),
        max_length=1000,
        required=False,
        rows=3,
        help_text=_("What you would bring to the team."),
    )


class PreferenceForm(forms.Form):
    email = forms.ChoiceField(
        label=_("Emails about your ideas"),
        choices=EmailPreference.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you want to hear about your ideas.")},
    )


class IdeaFilterForm(forms.Form):
    q = LineField(label=_("Search ideas"), max_length=200, required=False)
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none(), required=False)
    region = forms.ModelChoiceField(
        label=_("Lead's region"), queryset=Region.objects.order_by("nation", "name"), required=False
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[
            ("", _("Any")),
            ("open", _("Open ideas")),
            ("proposal", _("Proposals")),
            ("withdrawn", _("Withdrawn")),
        ],
    )
    skill = LineField(label=_("Needs a team member with…"), max_length=100, required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[("", _("Best match or newest")), *IDEA_SORTS])

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(call=call).order_by("name")


class ProposalForm(forms.Form):
    """The proposal and the call's questions: saved as a draft with any answers;
    word limits are checked (and shown) on every save."""

    saves_drafts = True

    title = LineField(label=_("Title"), max_length=150, error_messages={"required": _("Give the proposal a title.")})
    summary = TextField(label=_("Summary"), max_length=5000, error_messages={"required": _("Enter a summary.")})
    budget = forms.IntegerField(
        label=_("Budget (£)"),
        min_value=0,
        max_value=100_000_000,
        error_messages={"required": _("Enter the budget in pounds."), "invalid": _("Enter a whole number of pounds.")},
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"answer_{question.pk}"] = TextField(
                label=question.text,
                help_text=" ".join(
                    part
                    for part in [question.hint, _("Up to %(limit)s words.") % {"limit": question.word_limit}]
                    if part
                ),
                required=False,
                max_length=20000,
                rows=8,
                widget=forms.Textarea(attrs={"rows": 8, "data-word-limit": question.word_limit}),
            )

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            name = f"answer_{question.pk}"
            if name in cleaned:
                try:
                    validate_word_limit(cleaned[name], question.word_limit)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def answers(self) -> dict[int, str]:
        return {question.pk: self.cleaned_data.get(f"answer_{question.pk}", "") for question in self.questions}


class ProposalSubmitForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("The team has checked these answers and I submit the proposal on its behalf."),
        error_messages={"required": _("Confirm that the team has checked the answers.")},
    )


# --- Shortlisting by a member panel ----------------------------------------------------


class VolunteerForm(forms.Form):
    statement = TextField(
        label=_("What you would bring to the panel (optional)"),
        max_length=2000,
        required=False,
        help_text=_("For example your experience of improvement work or of assessing proposals."),
    )


class PanelForm(forms.Form):
    criteria = TextField(
        label=_("Criteria"),
        max_length=2000,
        rows=4,
        help_text=_("One a line. Assessors score each from 1 to 4."),
        error_messages={"required": _("Enter at least one criterion.")},
    )
    assessors_per_proposal = forms.IntegerField(label=_("Assessors per proposal"), min_value=1, max_value=10, initial=3)
    capacity = forms.IntegerField(label=_("Proposals per assessor, at most"), min_value=1, max_value=500, initial=12)
    moderation_spread = forms.IntegerField(
        label=_("Ask for moderation when assessors differ on a criterion by at least"),
        min_value=1,
        max_value=3,
        initial=2,
    )
    places = forms.IntegerField(label=_("Places on the shortlist"), min_value=1, max_value=1000, initial=10)
    conflict_same_organisation = forms.BooleanField(
        label=_("Works for the same organisation as a team member (from their member profile)"), required=False
    )
    conflict_supported = forms.BooleanField(label=_("Supported the idea"), required=False)
    conflict_commented = forms.BooleanField(label=_("Commented on the idea"), required=False)

    def clean_criteria(self):
        return _names_one_a_line(
            self.cleaned_data["criteria"],
            longest=200,
            most=10,
            none=_("Enter at least one criterion."),
            too_many=_("Enter at most 10 criteria."),
        )


class AssessmentForm(forms.Form):
    note = TextField(label=_("Note to the programme team (optional)"), max_length=3000, required=False)

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.letter}"] = forms.TypedChoiceField(
                label=str(criterion),
                choices=PANEL_SCORES,
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
            )
        self.order_fields([f"score_{criterion.letter}" for criterion in criteria] + ["note"])

    def scores(self) -> dict[str, int | None]:
        return {criterion.letter: self.cleaned_data.get(f"score_{criterion.letter}") for criterion in self.criteria}


class ShortlistForm(forms.Form):
    """One page of the ranking: the proposals ticked among those shown on it."""

    shortlisted = forms.TypedMultipleChoiceField(
        label=_("Shortlist"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    shown = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shortlisted"].choices = choices
        self.fields["shown"].choices = choices


SHORTLIST_SHOWS = (
    ("", _("Every assessed proposal")),
    ("shortlisted", _("Ticked for the shortlist")),
    ("attention", _("Needing moderation or too close to call")),
)


class ShortlistFilterForm(forms.Form):
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none(), required=False)
    show = forms.ChoiceField(label=_("Show"), choices=SHORTLIST_SHOWS, required=False)

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(call=call).order_by("name")


class FeedbackForm(forms.Form):
    text = TextField(
        label=_("Feedback to the team"),
        max_length=3000,
        rows=8,
        help_text=_("From the panel's scores and notes; the team reads it as written."),
        error_messages={"required": _("Enter the feedback to the team.")},
    )
    approve = forms.BooleanField(label=_("Approve it as written, ready to send"), required=False)
