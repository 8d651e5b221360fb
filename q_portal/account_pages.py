"""The portal's own additions to allauth's account pages: its forms in plain
words, and asking for the link that confirms an email address again."""

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.account.internal.flows.email_verification import handle_verification_email_rate_limit
from allauth.account.models import EmailAddress
from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Keep me signed in on this device")


EMAIL_FORMAT_MESSAGE = _("Enter an email address in the right format, like name@example.org.")


def relabel(form, labels: dict) -> None:
    """Give allauth's fields the portal's labels. allauth repeats each label as
    the field's placeholder, which disappears as soon as someone types: drop it."""
    for name, label in labels.items():
        field = form.fields[name]
        field.label = label
        field.widget.attrs.pop("placeholder", None)


class AddEmailForm(AllauthAddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self, {"email": _("Email address")})
        self.fields["email"].error_messages.update(
            {"required": _("Enter the email address to add."), "invalid": EMAIL_FORMAT_MESSAGE}
        )


NEW_PASSWORD_LABELS = {"password1": _("New password"), "password2": _("New password (again)")}


class ChangePasswordForm(AllauthChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self, {"oldpassword": _("Current password"), **NEW_PASSWORD_LABELS})


class SetPasswordForm(AllauthSetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self, {"password1": _("Password"), "password2": _("Password (again)")})


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self, NEW_PASSWORD_LABELS)


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address."),
            "invalid": EMAIL_FORMAT_MESSAGE,
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def verification_email_resend(*, request, email: str) -> None:
    """Send a new confirmation link to `email` if an account waits for it to be
    confirmed; otherwise nothing. Either way the person sees the same message,
    so the page does not tell who has an account. allauth's cooldown limits how
    often a link goes to one address (the earlier link still works); the email
    goes through the outbox."""
    allowed = handle_verification_email_rate_limit(request, email.lower())
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=False, user__is_active=True).order_by("pk").first()
    )
    if allowed and address is not None:
        address.send_confirmation(request, signup=False)
    messages.info(
        request,
        _(
            "If %(email)s has an account waiting to be confirmed, we have sent it a new link. "
            "You can ask again after 3 minutes."
        )
        % {"email": email},
    )


class ResendVerificationView(FormView):
    template_name = "account/resend_verification.html"
    form_class = ResendVerificationForm

    def form_valid(self, form):
        verification_email_resend(request=self.request, email=form.cleaned_data["email"])
        return redirect("account_email_verification_sent")
