"""Feedback to applicants: the round's list of decided applications with their
feedback (waiting for approval first), one application's feedback form next to
its reviewers' comments, and approving an application's drafts from the list.
Programme team only."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, ListView

from q_portal.exceptions import PortalError, add_portal_error

from ..forms.decisions import FeedbackFilterForm, FeedbackForm
from ..models import Decision
from ..selectors.decisions import feedback_of, feedback_queue, reviewer_comments_of
from ..services import feedback as feedback_services
from .programme import ApplicationSelectionMixin, SelectionRoundMixin


class FeedbackListView(SelectionRoundMixin, ListView):
    template_name = "selection/programme/feedback_list.html"
    context_object_name = "applications"
    paginate_by = 50

    @cached_property
    def show(self) -> str:
        form = FeedbackFilterForm(self.request.GET or None)
        return (form.cleaned_data["show"] if form.is_valid() else "") or "waiting"

    def get_queryset(self):
        return feedback_queue(round=self.round, waiting_only=self.show == "waiting")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filter_form=FeedbackFilterForm(initial={"show": self.show}), show=self.show, **kwargs
        )


class FeedbackView(ApplicationSelectionMixin, FormView):
    """One text per criterion. The first time, each is prefilled with the
    reviewers' comments on it, for the team to shorten and soften."""

    template_name = "selection/programme/feedback.html"
    form_class = FeedbackForm

    @cached_property
    def criteria(self):
        return sorted(self.application.round.criteria.all(), key=lambda criterion: criterion.letter)

    @cached_property
    def feedback(self):
        return feedback_of(application=self.application)

    @cached_property
    def comments(self):
        return reviewer_comments_of(application=self.application)

    @cached_property
    def decision(self):
        return Decision.objects.filter(application=self.application).first()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "criteria": self.criteria}

    def get_initial(self):
        if self.feedback:
            return {
                f"feedback_{criterion.letter}": self.feedback[criterion.pk].text
                for criterion in self.criteria
                if criterion.pk in self.feedback
            }
        return {
            f"feedback_{criterion.letter}": "\n\n".join(row.comment for row in self.comments.get(criterion.pk, []))
            for criterion in self.criteria
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(application=self.application, decision=self.decision, **kwargs)
        form = context["form"]
        context["rows"] = [
            (
                criterion,
                form[f"feedback_{criterion.letter}"],
                self.feedback.get(criterion.pk),
                self.comments.get(criterion.pk, []),
            )
            for criterion in self.criteria
        ]
        context["locked"] = self.decision is not None and self.decision.is_released
        context["prefilled"] = not self.feedback
        return context

    def form_valid(self, form):
        approve = self.request.POST.get("action") == "approve"
        try:
            feedback_services.feedback_save(
                application=self.application, texts=form.texts(), approve=approve, by=self.request.user
            )
        except PortalError as error:
            add_portal_error(form, error)
            return self.form_invalid(form)
        if approve:
            messages.success(
                self.request,
                _("The feedback on %(reference)s is approved: it will be sent with the decision.")
                % {"reference": self.application},
            )
        else:
            messages.success(
                self.request,
                _("The feedback on %(reference)s is saved as a draft. Only approved feedback is sent.")
                % {"reference": self.application},
            )
        return redirect("selection:feedback", pk=self.application.pk)


class FeedbackApproveView(ApplicationSelectionMixin, View):
    """Approve an application's draft feedback as written, from the round's list."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        application = self.application
        try:
            count = feedback_services.feedback_approve(application=application, by=request.user)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d feedback text on %(reference)s approved.",
                    "%(count)d feedback texts on %(reference)s approved.",
                    count,
                )
                % {"count": count, "reference": application},
            )
        url = reverse("selection:feedback_list", kwargs={"pk": application.round_id})
        show = request.POST.get("show")
        return redirect(f"{url}?{urlencode({'show': show})}" if show in ("waiting", "all") else url)
