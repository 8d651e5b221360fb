"""The applicant's answer to the offer of a place, under their application in
`/apply/`: confirm it by agreeing to the member compact, or decline it. Only the
applicant sees their own offer (anyone else's answers 404)."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy

from applications.views.applicant import ApplicationMixin
from q_portal.views import ServiceFormView

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


class PlaceView(PlaceMixin, ServiceFormView):
    """The offer, its deadline and the member compact; confirming takes up the place."""

    template_name = "selection/applicant/place.html"
    form_class = PlaceConfirmForm
    success_message = gettext_lazy(
        "Your place is confirmed: welcome to Q. We have emailed you how to complete your member profile."
    )

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_answer=self.offer.status == PlaceOfferStatus.OFFERED, **kwargs)

    def call_service(self, form):
        return place_services.place_confirm(
            offer=self.offer, by=self.request.user, agrees_to_compact=form.cleaned_data["agrees_to_compact"]
        )

    def get_success_url(self):
        return reverse("selection:place", kwargs={"pk": self.application.pk})


class PlaceDeclineView(PlaceMixin, ServiceFormView):
    """Check before turning the place down, with an optional reason."""

    template_name = "selection/applicant/place_decline.html"
    form_class = PlaceDeclineForm
    success_message = gettext_lazy(
        "You have declined your place. Thank you for telling us: we will offer it to someone else."
    )

    def get(self, request, *args, **kwargs):
        if self.offer is not None and self.offer.status != PlaceOfferStatus.OFFERED:
            return redirect("selection:place", pk=self.application.pk)
        return super().get(request, *args, **kwargs)

    def call_service(self, form):
        return place_services.place_decline(offer=self.offer, by=self.request.user, reason=form.cleaned_data["reason"])

    def get_success_url(self):
        return reverse("applications:status", kwargs={"pk": self.application.pk})
