"""The applicant's forms. Every answer may be left blank while the application is
a draft (the task list shows what is missing); what is given must be well formed."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from members.models import Organisation, Region
from q_portal.fields import SingleLineCharField

from ..choices import RoleCategory, RouteKind
from ..models import ImprovementCourse
from ..validators import validate_word_limit


class DraftForm(forms.Form):
    """Blank answers are allowed while the application is a draft, but every
    answer is needed to submit, so no field is labelled "(optional)"."""

    saves_drafts = True


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class EligibilityForm(forms.Form):
    """One yes/no question per route the round accepts by self-selection."""

    def __init__(self, *args, routes, **kwargs):
        super().__init__(*args, **kwargs)
        self.routes = list(routes)
        for route in self.routes:
            self.fields[f"route_{route.pk}"] = forms.ChoiceField(
                label=route.question,
                help_text=route.summary,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer yes or no: %(question)s") % {"question": route.question}},
            )

    def route_decided(self):
        """The first route (in the round's order) the person said yes to, or None."""
        for route in self.routes:
            if self.cleaned_data.get(f"route_{route.pk}") == "yes":
                return route
        return None


class AboutYouForm(DraftForm):
    full_name = SingleLineCharField(label=_("Full name"), max_length=150, required=False)
    job_title = SingleLineCharField(label=_("Job title"), max_length=150, required=False)
    role_category = forms.ChoiceField(
        label=_("Which best describes your role?"),
        choices=RoleCategory.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label=_("Choose your organisation"),
        help_text=_("The organisation you work for or volunteer with."),
    )
    organisation_other = SingleLineCharField(
        label=_("If your organisation is not in the list, type its name"), max_length=200, required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Choose your region"),
        help_text=_("Where you mainly work: the 15 English AHSN areas, Scotland, Wales or Northern Ireland."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organisation") and cleaned.get("organisation_other", "").strip():
            self.add_error(
                "organisation_other",
                _("Choose your organisation from the list or type its name, not both."),
            )
        return cleaned


class RouteForm(DraftForm):
    route = forms.ModelChoiceField(
        label=_("How are you eligible to apply?"), queryset=None, widget=forms.RadioSelect, required=False
    )
    route_course = forms.ModelChoiceField(
        label=_("Which improvement course did you complete?"),
        queryset=ImprovementCourse.objects.filter(is_active=True),
        required=False,
        empty_label=_("Choose a course"),
        help_text=_("For the alumni route."),
    )
    route_organisation = forms.ModelChoiceField(
        label=_("Which national organisation do you work for?"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Choose an organisation"),
        help_text=_("For the national organisation route."),
    )
    route_evidence = forms.CharField(
        label=_("Evidence for your route"),
        widget=forms.Textarea(attrs={"rows": 5, "data-word-limit": "150"}),
        required=False,
        max_length=5000,
        help_text=_("In 150 words or fewer."),
    )

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        routes = round.routes.exclude(kind=RouteKind.NOMINATED)
        nominated = round.routes.filter(kind=RouteKind.NOMINATED, pk=self.initial.get("route") or 0)
        if nominated.exists():
            # A nominated application keeps its route: the only choice offered.
            routes = nominated
        self.routes = list(routes)
        # Ask only what the routes on offer need: one route is a fact, not a choice,
        # and a round with no alumni (or national organisation) route asks for no
        # course (or organisation).
        self.only_route = self.routes[0] if len(self.routes) == 1 else None
        if self.only_route:
            del self.fields["route"]
            self.fields["route_evidence"].help_text = f"{self.only_route.evidence_prompt} {_('In 150 words or fewer.')}"
        else:
            self.fields["route"].queryset = routes
        if any(route.asks_for_course for route in self.routes):
            if self.only_route:
                self.fields["route_course"].help_text = ""
        else:
            del self.fields["route_course"]
        if any(route.asks_for_organisation for route in self.routes):
            self.fields["route_organisation"].queryset = Organisation.objects.filter(
                eligibility_routes__in=[route.pk for route in self.routes]
            ).distinct()
            if self.only_route:
                self.fields["route_organisation"].help_text = ""
        else:
            del self.fields["route_organisation"]

    def clean_route_evidence(self):
        text = self.cleaned_data["route_evidence"]
        validate_word_limit(text, 150)
        return text

    def clean(self):
        cleaned = super().clean()
        if self.only_route:
            cleaned["route"] = self.only_route
        route, course = cleaned.get("route"), cleaned.get("route_course")
        if route and course and route.courses.exists() and not route.courses.filter(pk=course.pk).exists():
            self.add_error("route_course", _("Choose one of the courses listed for this route."))
        return cleaned


class CriterionForm(DraftForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), required=False, strip=True)

    def __init__(self, *args, criterion, **kwargs):
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        field = self.fields["text"]
        field.label = criterion.title
        field.help_text = _("In %(limit)s words or fewer.") % {"limit": criterion.word_limit}
        field.widget.attrs["data-word-limit"] = str(criterion.word_limit)
        # Far more than any answer within the limit, so a draft over the limit is
        # kept, but not unbounded.
        field.validators.append(MaxLengthValidator(criterion.word_limit * 20))

    def clean_text(self):
        text = self.cleaned_data["text"]
        validate_word_limit(text, self.criterion.word_limit)
        return text


class DeclarationsForm(DraftForm):
    declares_true = forms.BooleanField(
        label=_("The information in this application is true and my own words."), required=False
    )
    consents_to_processing = forms.BooleanField(
        label=_(
            "I agree to the Q programme team processing this information to assess my application, "
            "as the privacy notice describes."
        ),
        required=False,
    )


class AdjustmentForm(forms.Form):
    adjustment_request = forms.CharField(
        label=_("What adjustment would help you?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=2000,
        help_text=_(
            "For example, the application in another format, more time, or a call instead of writing. "
            "The programme team will reply. Leave it empty if you need nothing."
        ),
    )
