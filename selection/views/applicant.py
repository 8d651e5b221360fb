"""The applicant's answer to the offer of a place, under their application in
`/apply/`: confirm it by agreeing to the member compact, or decline it. Only the
applicant sees their own offer (anyone else's answers 404)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import FormView

from applications.views.applicant import ApplicationMixin
from q_portal.exceptions import PortalError, add_portal_error

from ..choices import PlaceOfferStatus
from ..forms.decisions import PlaceConfirmForm, PlaceDeclineForm
from ..selectors.decisions import offer_for_applicant
from ..services import places as place_services


class PlaceMixin(ApplicationMixin):
    """The signed-in applicant's own application and its offer of a place; an
    application without one goes to its status page."""

    @cached_property
    def offer(self):
        return offer_for_applicant(application=self.application)

    def get(self, request, *args, **kwargs):
        if self.offer is None:
            return redirect("applications:status", pk=self.application.pk)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.offer is None:
            return redirect("applications:status", pk=self.application.pk)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(offer=self.offer, **kwargs)


class PlaceView(PlaceMixin, FormView):
    """The offer, its deadline and the member compact; confirming takes up the place."""

    template_name = "selection/applicant/place.html"
    form_class = PlaceConfirmForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_answer=self.offer.status == PlaceOfferStatus.OFFERED, **kwargs)

    def form_valid(self, form):
        try:
            place_services.place_confirm(
                offer=self.offer, by=self.request.user, agrees_to_compact=form.cleaned_data["agrees_to_compact"]
            )
        except PortalError as error:
            add_portal_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Your place is confirmed: welcome to Q. We have emailed you how to complete your member profile."),
        )
        return redirect("selection:place", pk=self.application.pk)


class PlaceDeclineView(PlaceMixin, FormView):
    """Check before turning the place down, with an optional reason."""

    template_name = "selection/applicant/place_decline.html"
    form_class = PlaceDeclineForm

    def get(self, request, *args, **kwargs):
        if self.offer is not None and self.offer.status != PlaceOfferStatus.OFFERED:
            return redirect("selection:place", pk=self.application.pk)
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            place_services.place_decline(offer=self.offer, by=self.request.user, reason=form.cleaned_data["reason"])
        except PortalError as error:
            add_portal_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("You have declined your place. Thank you for telling us: we will offer it to someone else.")
        )
        return redirect("applications:status", pk=self.application.pk)
