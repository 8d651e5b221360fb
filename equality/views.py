"""The person's own equality monitoring form at `/apply/equality/`: optional,
separate from any application, answerable and changeable at any time."""

from allauth.account.decorators import verified_email_required
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from .choices import CHARACTERISTICS
from .forms import MonitoringDeleteForm, MonitoringForm
from .selectors import monitoring_response_of
from .services import monitoring_response_delete, monitoring_response_save


class VerifiedPersonMixin:
    def dispatch(self, request, *args, **kwargs):
        return verified_email_required(super().dispatch)(request, *args, **kwargs)


class MonitoringFormView(VerifiedPersonMixin, FormView):
    template_name = "equality/monitoring_form.html"
    form_class = MonitoringForm

    def get_initial(self):
        response = monitoring_response_of(user=self.request.user)
        if response is None:
            return {}
        return {field: getattr(response, field) for field in CHARACTERISTICS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            has_answers=monitoring_response_of(user=self.request.user) is not None,
            suppress_below=settings.EQUALITY_SUPPRESS_BELOW,
            **kwargs,
        )

    def form_valid(self, form):
        monitoring_response_save(user=self.request.user, answers=form.cleaned_data, by=self.request.user)
        messages.success(self.request, _("Thank you. Your equality monitoring answers are saved."))
        return redirect("equality:form")


class MonitoringDeleteView(VerifiedPersonMixin, FormView):
    template_name = "equality/monitoring_delete.html"
    form_class = MonitoringDeleteForm

    def form_valid(self, form):
        if monitoring_response_delete(user=self.request.user, by=self.request.user):
            messages.success(self.request, _("Your equality monitoring answers are deleted."))
        return redirect("equality:form")
