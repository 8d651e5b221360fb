"""The nominee's side of a nomination, reached from the signed link in the
invitation email: see who nominated them, start the prefilled application on the
nominated route (signed in, with the address nominated or confirming another), or
decline. The link itself is the credential for viewing and declining."""

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from q_portal.exceptions import PortalError

from ..forms.nominations import InvitationAcceptForm
from ..models import NominationStatus
from ..selectors.nominations import invitation_for_page
from ..services import nominations as services


def _link_problem(request, message: str):
    return render(request, "applications/nominations/invitation_problem.html", {"message": message}, status=404)


def _accept_form(request, nomination, data=None) -> InvitationAcceptForm | None:
    if not request.user.is_authenticated:
        return None
    return InvitationAcceptForm(
        data,
        needs_confirmation=not services.nomination_email_matches(nomination=nomination, user=request.user),
        nominated_email=nomination.email,
        account_email=request.user.email,
    )


class InvitationMixin:
    def dispatch(self, request, *args, **kwargs):
        try:
            self.nomination = services.invitation_from_token(kwargs["token"])
        except PortalError as error:
            return _link_problem(request, error.message)
        return super().dispatch(request, *args, **kwargs)

    def render_invitation(self, request, form=None):
        nomination = invitation_for_page(nomination=self.nomination)
        return render(
            request,
            "applications/nominations/invitation.html",
            {
                "nomination": nomination,
                "token": self.kwargs["token"],
                "form": form if form is not None else _accept_form(request, nomination),
                "accepted_here": nomination.status == NominationStatus.ACCEPTED
                and nomination.nominee_id == request.user.pk,
            },
        )


@method_decorator(never_cache, name="dispatch")
class InvitationView(InvitationMixin, View):
    def get(self, request, token):
        services.nomination_mark_opened(nomination=self.nomination)
        return self.render_invitation(request)


@method_decorator(never_cache, name="dispatch")
class InvitationAcceptView(InvitationMixin, View):
    http_method_names = ["post"]

    def post(self, request, token):
        invitation_url = reverse("nominations:invitation", kwargs={"token": token})
        if not request.user.is_authenticated:
            return redirect_to_login(invitation_url)
        return verified_email_required(self._accept)(request, token)

    def _accept(self, request, token):
        form = _accept_form(request, self.nomination, request.POST)
        if not form.is_valid():
            return self.render_invitation(request, form)
        try:
            application = services.nomination_accept(
                nomination=self.nomination,
                by=request.user,
                confirm_different_email=bool(form.cleaned_data.get("confirm_address")),
            )
        except PortalError as error:
            form.add_error("confirm_address" if error.field in form.fields else None, error.message)
            return self.render_invitation(request, form)
        messages.success(
            request,
            _("Your application is started, with the details %(organisation)s gave. Check them as you go.")
            % {"organisation": self.nomination.organisation.name},
        )
        return redirect(application.get_absolute_url())


@method_decorator(never_cache, name="dispatch")
class InvitationDeclineView(InvitationMixin, View):
    def get(self, request, token):
        return render(
            request,
            "applications/nominations/decline.html",
            {"nomination": self.nomination, "token": token},
        )

    def post(self, request, token):
        try:
            services.nomination_decline(nomination=self.nomination, by=request.user)
        except PortalError as error:
            messages.error(request, error.message)
            return redirect("nominations:invitation", token=token)
        return render(request, "applications/nominations/declined.html", {"nomination": self.nomination})
