"""Feedback to applicants: the round's list of decided applications with their
feedback (waiting for approval first), one application's feedback form next to
its reviewers' comments, and approving an application's drafts from the list.
Programme team only."""

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import ListView

from q_portal.views import ServiceActionView, ServiceFormView

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


class FeedbackView(ApplicationSelectionMixin, ServiceFormView):
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

    @property
    def approving(self) -> bool:
        return self.request.POST.get("action") == "approve"

    def call_service(self, form):
        return feedback_services.feedback_save(
            application=self.application, texts=form.texts(), approve=self.approving, by=self.request.user
        )

    def get_success_message(self):
        if self.approving:
            message = _("The feedback on %(reference)s is approved: it will be sent with the decision.")
        else:
            message = _("The feedback on %(reference)s is saved as a draft. Only approved feedback is sent.")
        return message % {"reference": self.application}

    def get_success_url(self):
        return reverse("selection:feedback", kwargs={"pk": self.application.pk})


class FeedbackApproveView(ApplicationSelectionMixin, ServiceActionView):
    """Approve an application's draft feedback as written, from the round's list."""

    def call_service(self):
        return feedback_services.feedback_approve(application=self.application, by=self.request.user)

    def get_success_message(self):
        count = self.outcome
        return ngettext(
            "%(count)d feedback text on %(reference)s approved.",
            "%(count)d feedback texts on %(reference)s approved.",
            count,
        ) % {"count": count, "reference": self.application}

    def get_success_url(self):
        url = reverse("selection:feedback_list", kwargs={"pk": self.application.round_id})
        show = self.request.POST.get("show")
        return f"{url}?{urlencode({'show': show})}" if show in ("waiting", "all") else url
