"""allauth's account adapter: every email allauth sends (confirmation, password
reset, security notices) goes through the outbox like the rest of the portal's."""

import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from q_portal.outbox.services import email_queue
from q_portal.roles import start_page_name


class PortalAccountAdapter(DefaultAccountAdapter):
    # allauth's messages that a person meets on the portal's pages, in its words.
    error_messages = DefaultAccountAdapter.error_messages | {
        "cannot_remove_primary_email": _("You cannot remove your main email address."),
        "duplicate_email": _("This email address is already on your account."),
        "email_password_mismatch": _("The email address or password is not right. Check them and try again."),
        "enter_current_password": _("Your current password is not right. Check it and try again."),
        "incorrect_password": _("That password is not right. Check it and try again."),
        "rate_limited": _("You have tried too many times. Wait a few minutes, then try again."),
        "unverified_primary_email": _("Confirm this email address before you make it your main address."),
    }

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        html = ""
        for alternative, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = alternative
        email_queue(
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            # Each of allauth's emails is a fresh message (a new code or link), so
            # each gets its own key; the outbox still sends it exactly once.
            key=f"account:{template_prefix}:{uuid.uuid4()}",
        )

    def get_login_redirect_url(self, request):
        """Each role lands where its work is (`start_page_name`); a `next` page
        asked for before signing in still wins (allauth checks it first)."""
        return reverse(start_page_name(request.user))

    # The ways to confirm it is you, offered under "Other ways to confirm".
    reauthentication_descriptions = {
        "reauthenticate": _("Use your password instead"),
        "mfa_reauthenticate": _("Use a code from your authenticator app, or a recovery code"),
    }

    def get_reauthentication_methods(self, user):
        return [
            {**method, "description": self.reauthentication_descriptions.get(method["id"], method["description"])}
            for method in super().get_reauthentication_methods(user)
        ]

    def get_login_stages(self):
        # The MFA stage also accepts an identity provider's assertion (q_portal/sso).
        return [
            "q_portal.sso.stages.ProviderAwareAuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def logout(self, request):
        from q_portal.sso.session import SESSION_KEY, SIGNED_OUT_KEY

        signed_in = request.session.get(SESSION_KEY)
        super().logout(request)
        if signed_in:
            # The fresh session remembers only which provider to offer a sign-out from.
            request.session[SIGNED_OUT_KEY] = {
                key: signed_in[key] for key in ("name", "end_session", "client_id") if key in signed_in
            }

    def get_logout_redirect_url(self, request):
        from q_portal.sso.session import SESSION_KEY, SIGNED_OUT_KEY

        # Asked before signing out (allauth's logout view) and again after.
        if request.session.get(SESSION_KEY) or request.session.get(SIGNED_OUT_KEY):
            return reverse("sso_signed_out")
        return super().get_logout_redirect_url(request)


class PortalMFAAdapter(DefaultMFAAdapter):
    error_messages = DefaultMFAAdapter.error_messages | {
        "add_email_blocked": _(
            "You cannot add an email address while two-factor authentication is on. Turn it off first."
        ),
        "cannot_generate_recovery_codes": _("Set up an authenticator app before you make recovery codes."),
        "incorrect_code": _(
            "That code is not right. Check it and try again: the app shows a new code every 30 seconds."
        ),
        "unverified_email": _(
            "Confirm each of your email addresses, or remove the ones you have not confirmed, "
            "before you turn on two-factor authentication."
        ),
    }
