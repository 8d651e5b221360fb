from django import forms
from django.db.models import OuterRef
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from members.models import Organisation, Region, User
from q_portal.roles import Role

from ..conflicts import conflicted
from ..models import SelectionSettings


class SelectionSettingsForm(forms.ModelForm):
    """The round's review settings, with one weight and one descriptor per rubric
    level as plain fields."""

    class Meta:
        model = SelectionSettings
        fields = [
            "reviewers_per_application",
            "default_capacity",
            "blind",
            "prefer_other_region",
            "review_due_on",
            "moderation_spread",
            "place_confirm_days",
            "waitlist_promotion",
        ]
        widgets = {"review_due_on": forms.DateInput(attrs={"type": "date"}), "waitlist_promotion": forms.RadioSelect}

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.fields["reviewers_per_application"].min_value = 1
        self.fields["reviewers_per_application"].max_value = 5
        self.fields["reviewers_per_application"].widget.attrs.update(min=1, max=5)
        self.fields["moderation_spread"].min_value = 1
        self.fields["moderation_spread"].widget.attrs.update(min=1)
        self.fields["place_confirm_days"].min_value = 1
        self.fields["place_confirm_days"].max_value = 90
        self.fields["place_confirm_days"].widget.attrs.update(min=1, max=90)
        for criterion in self.criteria:
            self.fields[f"weight_{criterion.letter}"] = forms.DecimalField(
                label=_("Weight of criterion (%(letter)s) %(title)s")
                % {"letter": criterion.letter, "title": criterion.title},
                min_value=0,
                max_value=10,
                decimal_places=2,
                initial=self.instance.weight_of(criterion.letter),
                help_text=_("1 is the default; 2 counts twice as much."),
            )
        for level, text in self.instance.rubric_levels:
            self.fields[f"level_{level}"] = forms.CharField(
                label=_("What a score of %(level)d means") % {"level": level},
                initial=text,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def changes(self) -> dict:
        data = {field: self.cleaned_data[field] for field in self.Meta.fields}
        data["weights"] = {c.letter: float(self.cleaned_data[f"weight_{c.letter}"]) for c in self.criteria}
        if all(weight == 1 for weight in data["weights"].values()):
            data["weights"] = {}
        data["rubric"] = {
            str(level): self.cleaned_data[f"level_{level}"].strip() for level, _text in self.instance.rubric_levels
        }
        return data

    def clean(self):
        cleaned = super().clean()
        weights = [cleaned.get(f"weight_{c.letter}") for c in self.criteria]
        if weights and all(weight is not None for weight in weights) and sum(weights) == 0:
            self.add_error(f"weight_{self.criteria[0].letter}", _gettext("At least one criterion must have a weight."))
        return cleaned


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, max_value=10000)


class ReviewerProfileForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        help_text=_("Used to find conflicts of interest with applicants from the same organisation."),
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)


class AddReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label=_("Reviewer"),
        queryset=User.objects.none(),
        error_messages={"required": _("Choose a reviewer."), "invalid_choice": _("Choose a reviewer from the list.")},
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        # Only reviewers who could take it: not those assigned already, nor those
        # with a conflict of interest with it (declared, or found by the rules).
        self.fields["reviewer"].queryset = (
            User.objects.filter(groups__name=Role.REVIEWER, is_active=True)
            .exclude(assignments__application=application)
            .exclude(conflicted(application_id=application.pk, reviewer_id=OuterRef("pk")))
            .order_by("display_name", "pk")
        )
