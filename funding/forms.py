from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.forms import _when
from exchange.validators import LineField, TextField

from .choices import TieBreak

MAX_IMAGE_BYTES = 5 * 1024 * 1024


class VoteRulesForm(forms.Form):
    votes_per_member = forms.IntegerField(
        label=_("Votes per member"),
        min_value=1,
        max_value=50,
        error_messages={"required": _("Enter how many votes each member has.")},
    )
    most_per_theme = forms.IntegerField(
        label=_("Most votes in one theme"),
        min_value=1,
        max_value=50,
        required=False,
        help_text=_("Leave empty for no limit per theme."),
    )
    own_team_may_vote = forms.BooleanField(
        label=_("Members may vote for a proposal whose team they are on"), required=False
    )
    panel_reviewers_may_vote = forms.BooleanField(
        label=_("Panel reviewers may vote for proposals they reviewed"),
        required=False,
        help_text=_("Their review was blind and independent, so this is usually allowed."),
    )
    totals_hidden = forms.BooleanField(label=_("Hide running totals until the vote closes"), required=False)
    opens_at = _when(_("Vote opens"))
    closes_at = _when(_("Vote closes"))
    tie_break = forms.ChoiceField(
        label=_("Tie-break rule"),
        choices=TieBreak.choices,
        widget=forms.RadioSelect,
        help_text=_("Declared before the vote opens and published with the results."),
        error_messages={"required": _("Choose how ties are broken.")},
    )


class CastForm(forms.Form):
    """Place, move or withdraw one vote. The rules are the service's."""

    ACTIONS = (("place", _("Vote")), ("withdraw", _("Withdraw")), ("move", _("Move")))

    action = forms.ChoiceField(choices=ACTIONS)
    proposal = forms.IntegerField(min_value=1, max_value=2**62)
    from_proposal = forms.IntegerField(min_value=1, max_value=2**62, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "move" and not cleaned.get("from_proposal"):
            raise forms.ValidationError(_("Choose the vote to move."))
        return cleaned


class FundingForm(forms.Form):
    vote_weight = forms.IntegerField(
        label=_("Weight of the member vote (%)"),
        min_value=0,
        max_value=100,
        help_text=_("100: the vote decides and the panel's ranking breaks ties; 50: both count equally."),
        error_messages={"required": _("Enter the vote's weight, from 0 to 100.")},
    )

    def __init__(self, *args, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.themes = list(themes)
        for theme in self.themes:
            self.fields[f"share_{theme.pk}"] = forms.IntegerField(
                label=_("Share for “%(theme)s” (£)") % {"theme": theme.name},
                min_value=0,
                max_value=100_000_000,
                required=False,
                help_text=_("Leave empty to fund it from the money not set aside for a theme."),
            )

    def shares(self) -> dict:
        return {theme: self.cleaned_data.get(f"share_{theme.pk}") for theme in self.themes}


class AnnounceForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Projects start on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Enter the start date."), "invalid": _("Enter a real date.")},
    )
    months = forms.IntegerField(
        label=_("Projects run for (months)"),
        min_value=1,
        max_value=60,
        initial=12,
        error_messages={"required": _("Enter how many months the projects run.")},
    )
    every_months = forms.IntegerField(
        label=_("An update every (months)"),
        min_value=1,
        max_value=12,
        initial=3,
        error_messages={"required": _("Enter how often the teams post an update.")},
    )


class ScheduleForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Starts"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Enter the start date."), "invalid": _("Enter a real date.")},
    )
    ends_on = forms.DateField(
        label=_("Ends"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Enter the end date."), "invalid": _("Enter a real date.")},
    )
    every_months = forms.IntegerField(
        label=_("An update every (months)"),
        min_value=1,
        max_value=12,
        error_messages={"required": _("Enter how often the team posts an update.")},
    )


class UpdateForm(forms.Form):
    title = LineField(label=_("Title"), max_length=150, error_messages={"required": _("Give the update a title.")})
    body = TextField(
        label=_("What happened"),
        max_length=20000,
        rows=10,
        help_text=_("You can use Markdown: *italic*, **bold**, [links](https://example.org), lists."),
        error_messages={"required": _("Write what happened since the last update.")},
    )
    links = TextField(
        label=_("Links"),
        max_length=2000,
        rows=3,
        required=False,
        help_text=_("One web address a line (https://…): slides, a blog post, a video."),
    )
    image = forms.ImageField(
        label=_("An image (optional)"), required=False, help_text=_("A JPEG or PNG photo or chart, at most 5 MB.")
    )
    image_alt = LineField(label=_("Describe the image"), max_length=300, required=False)

    def clean_links(self):
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        validate = forms.URLField(assume_scheme="https").clean
        for line in lines:
            if not line.startswith(("https://", "http://")):
                raise forms.ValidationError(
                    _("Each link must start with https:// or http://: “%(line)s”") % {"line": line[:80]}
                )
            validate(line)
        return "\n".join(lines)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and image.size > MAX_IMAGE_BYTES:
            raise forms.ValidationError(_("The image is larger than 5 MB."))
        if image and getattr(image, "image", None) is not None and image.image.format not in ("JPEG", "PNG"):
            raise forms.ValidationError(_("The image must be a JPEG or a PNG."))
        return image


class UpdateCommentForm(forms.Form):
    body = TextField(
        label=_("Your comment"),
        max_length=5000,
        rows=4,
        help_text=_("You can use Markdown: *italic*, **bold**, [links](https://example.org), lists."),
        error_messages={"required": _("Enter your comment.")},
    )
