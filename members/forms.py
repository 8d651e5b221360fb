from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from q_portal.fields import SingleLineCharField
from q_portal.spreadsheets import csv_text

from .choices import (
    InterestStatus,
    MembershipStatus,
    NotifyChoice,
    PledgeCategory,
    ReportStatus,
    RoleCategory,
    Visibility,
)
from .models import Interest, MemberProfile, Organisation, OrganisationKind, Region
from .validators import MAX_LINKS, validate_link, validate_photo_size


class SignupForm(forms.Form):
    """Extra fields on allauth's signup form (allauth adds email and password)."""

    display_name = SingleLineCharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How you would like to be addressed, for example Priya Shah."),
        error_messages={"required": _("Enter your name.")},
    )

    field_order = ["display_name", "email", "password1", "password2"]

    def clean_display_name(self):
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


# --- Membership ------------------------------------------------------------------


CSV_MAX_BYTES = 2 * 1024 * 1024


class InterestChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        if obj.status == InterestStatus.PENDING:
            return _("%(name)s (waiting for approval)") % {"name": obj.name}
        return obj.name


class ProfileForm(forms.Form):
    """The member's own details. The interests offered are the curated list and
    the member's own suggestions still waiting for approval."""

    full_name = SingleLineCharField(label=_("Name"), max_length=150, error_messages={"required": _("Enter your name.")})
    job_title = SingleLineCharField(label=_("Job title"), max_length=150, required=False)
    role_category = forms.ChoiceField(
        label=_("Role"), choices=RoleCategory.choices, required=False, widget=forms.RadioSelect
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name"), required=False
    )
    organisation_other = SingleLineCharField(label=_("Organisation not in the list"), max_length=200, required=False)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("nation", "name"), required=False
    )
    bio = forms.CharField(
        label=_("About you"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you work on and what you would like to collaborate on. Up to 3,000 characters."),
    )
    interests = InterestChoiceField(
        label=_("Areas of improvement interest and expertise"),
        queryset=Interest.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_interests = SingleLineCharField(
        label=_("Other interests"),
        required=False,
        max_length=300,
        help_text=_("Separate them with commas. The programme team checks new ones before other members see them."),
    )
    skills = forms.CharField(
        label=_("Skills you offer"), required=False, max_length=1500, widget=forms.Textarea(attrs={"rows": 3})
    )
    methods = forms.CharField(
        label=_("Improvement methods you use"),
        required=False,
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: model for improvement, PDSA cycles, statistical process control, experience-based co-design."
        ),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Up to 5 web addresses, one a line, each starting with https://"),
    )

    def __init__(self, *args, member: MemberProfile, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interests"].queryset = (
            Interest.objects.filter(
                models.Q(status=InterestStatus.APPROVED)
                | models.Q(status=InterestStatus.PENDING, member_profiles=member)
            )
            .distinct()
            .order_by("name")
        )

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean_links(self):
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        if len(lines) > MAX_LINKS:
            raise forms.ValidationError(_("Enter no more than 5 links."))
        cleaned, problems = [], []
        for line in lines:
            try:
                cleaned.append(validate_link(line))
            except forms.ValidationError:
                problems.append(line)
        if problems:
            raise forms.ValidationError(
                _("Each link must be a web address starting with https://. Check: %(links)s")
                % {"links": ", ".join(problems)}
            )
        return cleaned

    def clean_other_interests(self):
        names = [" ".join(name.split()) for name in self.cleaned_data["other_interests"].split(",")]
        names = [name for name in names if name]
        if any(len(name) > 80 for name in names):
            raise forms.ValidationError(_("Each interest must be 80 characters or fewer."))
        if len(names) > 5:
            raise forms.ValidationError(_("Suggest no more than 5 interests at a time."))
        return names


class SettingsForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Who can see your profile"),
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        help_text=_("Your email address is never shown. The programme team can always see your profile."),
        error_messages={"required": _("Choose who can see your profile.")},
    )
    contact_enabled = forms.BooleanField(
        label=_("Other members may send me messages through the portal"), required=False
    )
    coffee_opt_in = forms.BooleanField(
        label=_("Pair me each month with another member for a random coffee"),
        required=False,
        help_text=_("Your pair is sent your name, your profile and your email address, so you can arrange to meet."),
    )


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_(
            "A JPG, PNG, GIF or WebP image, smaller than 5 MB. We resize it and remove its metadata, such as location."
        ),
        validators=[validate_photo_size],
        error_messages={"required": _("Choose a photo to upload."), "empty": _("The selected file is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )


class PledgeForm(forms.Form):
    text = forms.CharField(
        label=_("Your pledge"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you will give back to the community, in up to 500 characters."),
        error_messages={"required": _("Enter your pledge.")},
    )
    category = forms.ChoiceField(
        label=_("Kind of pledge"), choices=[("", _("Choose one (optional)")), *PledgeCategory.choices], required=False
    )


class DirectorySearchForm(forms.Form):
    """The directory's search and filters. Choices come from
    `directory_filter_options`, so building the form costs no queries; the
    filters come back as slugs (and a cohort name)."""

    q = SingleLineCharField(
        label=_("Search"), required=False, max_length=200, help_text=_("A name, or words from a profile.")
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("Any role")), *RoleCategory.choices], required=False)
    interest = forms.ChoiceField(label=_("Interest"), required=False)
    community = forms.ChoiceField(label=_("Community"), required=False)
    cohort = forms.ChoiceField(label=_("Cohort"), required=False)
    organisation_kind = forms.ChoiceField(
        label=_("Type of organisation"),
        choices=[("", _("Any type")), *OrganisationKind.choices],
        required=False,
    )
    expertise = forms.CharField(
        label=_("Expertise"),
        required=False,
        max_length=100,
        help_text=_("A skill or method, for example coaching or statistical process control."),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[("", _("Best match, then name")), ("name", _("Name")), ("newest", _("Newest members"))],
        required=False,
    )

    def __init__(self, *args, filters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Any region"))] + [(r.slug, r.name) for r in filters.regions]
        self.fields["interest"].choices = [("", _("Any interest"))] + [(i.slug, i.name) for i in filters.interests]
        self.fields["community"].choices = [("", _("Any community"))] + [(c.slug, c.name) for c in filters.communities]
        self.fields["cohort"].choices = [("", _("Any cohort"))] + [(c, c) for c in filters.cohorts]


class PledgeWallFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("All regions"),
    )


class ContactForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Up to 3,000 characters. They will see your name, not your email address."),
        error_messages={"required": _("Enter your message.")},
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Replying sends them your email address, and sends you theirs."),
        error_messages={"required": _("Enter your reply.")},
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only the programme team reads this. The member is not told who reported them."),
        error_messages={"required": _("Tell us what is wrong.")},
    )


# --- The programme team -------------------------------------------------------------


class ImportForm(forms.Form):
    cohort_name = SingleLineCharField(
        label=_("Cohort"),
        max_length=200,
        initial=_("Founding cohort"),
        error_messages={"required": _("Enter the name of the cohort.")},
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "The first row names the columns: email, name, job_title, role_category, organisation, region, joined_on. "
            "Email and name are required."
        ),
        error_messages={"required": _("Choose a CSV file."), "empty": _("The selected file is empty.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("The file must be smaller than 2 MB."))
        return csv_text(upload.read())


class MemberFilterForm(forms.Form):
    """The programme team's search of the members list (posted; kept in the session)."""

    q = SingleLineCharField(label=_("Name, membership number or email address"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *MembershipStatus.choices], required=False
    )

    def clean_q(self):
        return self.cleaned_data["q"][:200]


class ReportFilterForm(forms.Form):
    """Open or resolved reports (the query string); anything else shows the open."""

    status = forms.ChoiceField(choices=ReportStatus.choices, required=False)


class StatusForm(forms.Form):
    to = forms.ChoiceField(choices=MembershipStatus.choices)
    reason = forms.CharField(
        label=_("Reason (sent to the member)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommunityForm(forms.Form):
    name = SingleLineCharField(label=_("Name"), max_length=120, error_messages={"required": _("Enter a name.")})
    description = forms.CharField(
        label=_("Description"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter a description.")},
    )
    is_open = forms.BooleanField(label=_("Members can join"), required=False, initial=True)


class InterestForm(forms.Form):
    name = SingleLineCharField(
        label=_("Interest"), max_length=80, error_messages={"required": _("Enter the interest.")}
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what was done.")},
    )


class GrowthTargetForm(forms.Form):
    members = forms.IntegerField(label=_("Target number of members"), min_value=1, max_value=1_000_000)
    by_date = forms.DateField(label=_("By"), widget=forms.DateInput(attrs={"type": "date"}))


# --- Special interest groups and discussions (issue #17) -----------------------------


def _one_line(value: str) -> str:
    import unicodedata

    value = unicodedata.normalize("NFC", value or "")
    return " ".join("".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in value).split())


def _text(value: str) -> str:
    import unicodedata

    value = unicodedata.normalize("NFC", value or "")
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()


class GroupProposalForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the group"), max_length=120, error_messages={"required": _("Enter a name.")}
    )
    learning_question = forms.CharField(
        label=_("The learning question it explores"),
        max_length=300,
        help_text=_("For example: how do we make medication reviews work for people with frailty?"),
        error_messages={"required": _("Enter the learning question.")},
    )
    description = forms.CharField(
        label=_("What the group is about"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say what the group is about.")},
    )
    welcome_message = forms.CharField(
        label=_("Welcome message"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to members when they join."),
    )
    co_convenors = forms.CharField(
        label=_("Co-convenors"),
        max_length=300,
        required=False,
        help_text=_("Membership numbers of other members who will convene it with you, separated by commas."),
    )

    def clean_name(self):
        name = _one_line(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Enter a name."))
        return name

    def clean_learning_question(self):
        question = _one_line(self.cleaned_data["learning_question"])
        if not question:
            raise forms.ValidationError(_("Enter the learning question."))
        return question

    def clean_description(self):
        return _text(self.cleaned_data["description"])

    def clean_welcome_message(self):
        return _text(self.cleaned_data["welcome_message"])

    def clean_co_convenors(self):
        numbers = [n.strip().upper() for n in _one_line(self.cleaned_data["co_convenors"]).split(",") if n.strip()]
        if len(numbers) > 5:
            raise forms.ValidationError(_("Name at most five co-convenors."))
        found = list(MemberProfile.objects.listed().filter(membership_number__in=numbers))
        missing = sorted(set(numbers) - {m.membership_number for m in found})
        if missing:
            raise forms.ValidationError(
                _("No member has the membership number %(numbers)s.") % {"numbers": ", ".join(missing)}
            )
        return found


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, error_messages={"required": _("Enter a title.")})
    body = forms.CharField(
        label=_("Your post"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Markdown works: **bold**, *italic*, lists, [links](https://…). Mention a member: @ and full name."
        ),
        error_messages={"required": _("Write your post.")},
    )

    def clean_title(self):
        title = _one_line(self.cleaned_data["title"])
        if not title:
            raise forms.ValidationError(_("Enter a title."))
        return title

    def clean_body(self):
        body = _text(self.cleaned_data["body"])
        if not body:
            raise forms.ValidationError(_("Write your post."))
        return body


class PostReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown works here. Mention a group member with @ and their full name."),
        error_messages={"required": _("Write your reply.")},
    )

    def clean_body(self):
        body = _text(self.cleaned_data["body"])
        if not body:
            raise forms.ValidationError(_("Write your reply."))
        return body


class GroupNotifyForm(forms.Form):
    notify = forms.ChoiceField(
        label=_("Emails about new posts"),
        choices=NotifyChoice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you would like to hear about new posts.")},
    )


class PostReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this post?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what is wrong.")},
    )

    def clean_reason(self):
        reason = _text(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError(_("Say what is wrong."))
        return reason


class OnboardingStepForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150, error_messages={"required": _("Enter a subject.")})
    body = forms.CharField(
        label=_("Message"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The greeting (“Hello name,”) and the link to act on are added for you."),
        error_messages={"required": _("Enter the message.")},
    )
    is_active = forms.BooleanField(label=_("Send this email"), required=False)

    def clean_subject(self):
        subject = _one_line(self.cleaned_data["subject"])
        if not subject:
            raise forms.ValidationError(_("Enter a subject."))
        return subject

    def clean_body(self):
        body = _text(self.cleaned_data["body"])
        if not body:
            raise forms.ValidationError(_("Enter the message."))
        return body
