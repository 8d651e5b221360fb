"""`/updates/`: register for updates (double opt-in), confirm, and the one-click
unsubscribe link every email carries. Open to everyone; nobody signs in."""

import ipaddress
import time

from allauth.account.adapter import get_adapter
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView, TemplateView

from q_portal.exceptions import PortalError
from q_portal.outbox.unsubscribe import address_from_unsubscribe_token
from q_portal.rate_limits import rate_limit_take

from ..choices import SubscriptionStatus
from ..forms.updates import UpdateRegistrationForm
from ..selectors.updates import subscription_for_confirmation
from ..services.updates import (
    subscription_confirm,
    subscription_register,
    subscription_resubscribe,
    subscription_unsubscribe,
)

# Registrations each client IP may make per window: enough for a family or an
# office behind one address, too few to use the form to flood inboxes.
REGISTRATIONS_PER_WINDOW = 10
REGISTRATION_WINDOW_SECONDS = 60


def registration_allowed(request) -> bool:
    """Count one registration from the request's client IP (as allauth finds it,
    honouring ALLAUTH_TRUSTED_PROXY_COUNT) and say whether it is within the limit.
    A fixed window (the key names it) in the shared cache."""
    window = int(time.time()) // REGISTRATION_WINDOW_SECONDS
    key = f"updates:register:{_client_network(request)}:{window}"
    return rate_limit_take(key=key, limit=REGISTRATIONS_PER_WINDOW, window_seconds=REGISTRATION_WINDOW_SECONDS * 2)


def _client_network(request) -> str:
    """The client's IPv4 address, or its IPv6 /64: one household or office is
    given a whole /64, so counting single IPv6 addresses would count nothing."""
    address = get_adapter().get_client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def _link_problem(request, message: str):
    return render(request, "applications/updates/link_problem.html", {"message": message}, status=400)


class RegisterView(FormView):
    template_name = "applications/updates/register.html"
    form_class = UpdateRegistrationForm

    def form_valid(self, form):
        if not registration_allowed(self.request):
            form.add_error(
                None,
                _(
                    "There have been too many registrations from your network in the last minute. Wait a minute, "
                    "then press “Register” again: what you typed is still here."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        subscription_register(
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            region=form.cleaned_data["region"],
            role_category=form.cleaned_data["role_category"],
        )
        return redirect("updates:check_email")


class CheckEmailView(TemplateView):
    template_name = "applications/updates/check_email.html"


@method_decorator(never_cache, name="dispatch")
class ConfirmView(View):
    """GET only shows a "Confirm" button: mail scanners follow links in emails,
    and must not confirm for the person."""

    def get(self, request, token):
        try:
            subscription = subscription_for_confirmation(token=token)
        except PortalError as error:
            return _link_problem(request, error.message)
        if subscription.status == SubscriptionStatus.CONFIRMED:
            return render(request, "applications/updates/confirmed.html")
        return render(request, "applications/updates/confirm.html")

    def post(self, request, token):
        try:
            subscription_confirm(token=token)
        except PortalError as error:
            return _link_problem(request, error.message)
        return redirect("updates:confirm", token=token)


class _UnsubscribeLinkView(View):
    """A page reached by the signed link in an email's footer: GET shows the
    `button_template` (one button), POST `act`s on the address the token names.
    A link that does not verify gets the same explanation either way."""

    button_template: str

    def get(self, request, token):
        if address_from_unsubscribe_token(token) is None:
            return _link_problem(request, _unsubscribe_link_message())
        return render(request, self.button_template, {"token": token})

    def post(self, request, token):
        address = address_from_unsubscribe_token(token)
        if address is None:
            return _link_problem(request, _unsubscribe_link_message())
        return self.act(request, token, address)

    def act(self, request, token, address):
        raise NotImplementedError


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class UnsubscribeView(_UnsubscribeLinkView):
    """Opening the link only shows one button: email security scanners follow every
    link in a message, and a GET that unsubscribed would unsubscribe people who
    never asked. Pressing the button POSTs, and so does a mail client's RFC 8058
    one-click unsubscribe (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`,
    no page and no CSRF token); either unsubscribes at once, with an "Undo"
    button after. Exempting the POST from CSRF is safe: all it can do is
    unsubscribe the address the signed token names."""

    button_template = "applications/updates/unsubscribe.html"

    def act(self, request, token, address):
        subscription_unsubscribe(address=address)
        return render(request, "applications/updates/unsubscribed.html", {"token": token})


@method_decorator(never_cache, name="dispatch")
class ResubscribeView(_UnsubscribeLinkView):
    """The "Undo" button on the unsubscribed page (a POST with a CSRF token). GET
    only shows the button."""

    button_template = "applications/updates/resubscribe.html"

    def act(self, request, token, address):
        subscription = subscription_resubscribe(address=address)
        return render(request, "applications/updates/resubscribed.html", {"subscription": subscription})


def _unsubscribe_link_message() -> str:
    return _(
        "This unsubscribe link does not work. It may have been cut short: copy the whole link from the email and "
        "try again."
    )
