"""The "register for updates" form: shape only; the service decides the rest."""

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members.models import Region
from q_portal.fields import SingleLineCharField

from ..choices import RoleCategory


class UpdateRegistrationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We will send an email to this address to check it is yours."),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.org."),
            "max_length": _("Email address must be 254 characters or fewer."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    name = SingleLineCharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        error_messages={"max_length": _("Your name must be 150 characters or fewer.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Choose your region"),
        help_text=_("Where you mainly work: the 15 English AHSN areas, Scotland, Wales or Northern Ireland."),
        error_messages={"invalid_choice": _("Choose a region from the list.")},
    )
    role_category = forms.ChoiceField(
        label=_("Which best describes your role?"),
        choices=RoleCategory.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the roles listed.")},
    )
    consent = forms.BooleanField(
        label=_("Yes, email me updates from Q"),
        error_messages={"required": _("Tick the box to say you want updates from Q.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].help_text = format_html(
            _(
                "We will email you news about Q, including when the next opportunity to apply to join opens, "
                "and will not share your address. You can unsubscribe at any time with the link in every email. "
                'Read our <a href="{url}">privacy notice</a>.'
            ),
            url=reverse("privacy"),
        )
