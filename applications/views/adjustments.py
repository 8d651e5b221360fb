"""The programme team's view of reasonable adjustment requests."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from q_portal.roles import ProgrammeTeamMixin
from q_portal.views import ServiceFormView

from ..forms.adjustments import AdjustmentAnswerForm
from ..selectors.applications import adjustment_requests
from ..services.applications import application_answer_adjustment


class AdjustmentListView(ProgrammeTeamMixin, ListView):
    template_name = "applications/programme/adjustments.html"
    context_object_name = "requests"
    paginate_by = 25

    def get_queryset(self):
        return adjustment_requests()


class AdjustmentAnswerView(ProgrammeTeamMixin, ServiceFormView):
    template_name = "applications/programme/adjustment_answer.html"
    form_class = AdjustmentAnswerForm
    success_message = gettext_lazy("Your reply has been sent to the applicant.")
    success_url = "applications:adjustment_list"

    def dispatch(self, request, *args, **kwargs):
        self.application = get_object_or_404(adjustment_requests(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"adjustment_response": self.application.adjustment_response}

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, **kwargs)

    def call_service(self, form):
        return application_answer_adjustment(
            application=self.application, by=self.request.user, response_text=form.cleaned_data["adjustment_response"]
        )
