"""The reviewer's area, `/review/`: the queue (opening on what is still to do),
the round's confidentiality and conflicts agreement, scoring one application
(blind by default) and moving on to the next, declaring a conflict of interest
and abstaining. A reviewer reaches only their own assignments without a
conflict: anything else is 404."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from q_portal.roles import Role, RoleRequiredMixin
from q_portal.views import ServiceFormView

from .. import reviewer_agreement
from ..choices import QueueFilter, ReviewStatus
from ..forms.reviewer import AbstainForm, AgreementForm, ConflictForm, NextForm, QueueFilterForm, ReviewForm
from ..permissions import can_see_other_reviews, get_assignment_for_reviewer_or_404
from ..selectors.practice import practice_pending_for
from ..selectors.reviewer import (
    abstentions_for,
    assignment_for_scoring,
    declared_conflicts_for,
    drafts_for,
    has_accepted_agreement,
    next_unscored_for,
    other_reviews_of,
    queue_progress_for,
    review_queue_for,
)
from ..services import agreements as agreement_services
from ..services import assignments as assignment_services
from ..services import reviews as review_services
from ..services.settings import selection_settings_for


class ReviewerMixin(RoleRequiredMixin):
    required_roles = (Role.REVIEWER,)


class ReviewerHomeView(ReviewerMixin, ListView):
    """The queue: the reviewer's assignments, filtered by round and progress, with
    each round's due date and progress; declared conflicts as their own filter."""

    template_name = "selection/reviewer_home.html"
    context_object_name = "items"
    paginate_by = 25

    @cached_property
    def progress(self):
        return list(queue_progress_for(reviewer=self.request.user))

    @cached_property
    def filter_form(self):
        # The queue opens on what is still to do; "All assigned" is an empty choice.
        data = self.request.GET.copy()
        data.setdefault("state", QueueFilter.TO_DO)
        form = QueueFilterForm(data, rounds=self.progress)
        form.is_valid()
        return form

    def filters(self):
        data = getattr(self.filter_form, "cleaned_data", {})
        return data.get("state") or None, data.get("round")

    def get_queryset(self):
        state, round_id = self.filters()
        if state == QueueFilter.CONFLICT:
            return declared_conflicts_for(reviewer=self.request.user, round_id=round_id)
        if state == QueueFilter.ABSTAINED:
            return abstentions_for(reviewer=self.request.user, round_id=round_id)
        return review_queue_for(reviewer=self.request.user, round_id=round_id, state=state)

    def get_context_data(self, **kwargs):
        state, _round_id = self.filters()
        progress = self.progress
        return super().get_context_data(
            practice_pending=list(practice_pending_for(reviewer=self.request.user)),
            progress=progress,
            left_to_do=sum(round.assigned - round.scored for round in progress if round.status == "in_review"),
            filter_form=self.filter_form,
            state=state,
            showing_conflicts=state == QueueFilter.CONFLICT,
            showing_abstentions=state == QueueFilter.ABSTAINED,
            filtered=bool(self.request.GET),
            **kwargs,
        )


class AssignmentMixin(ReviewerMixin):
    @cached_property
    def assignment(self):
        return get_assignment_for_reviewer_or_404(
            user=self.request.user, pk=self.kwargs["pk"], queryset=assignment_for_scoring()
        )


class ReviewView(AssignmentMixin, ServiceFormView):
    """The application's answers beside the rubric and the scoring form. Others'
    scores appear only once the reviewer has submitted their own."""

    template_name = "selection/review.html"
    form_class = ReviewForm

    def agreement_first(self):
        """No application of a round opens before the reviewer has accepted the
        round's confidentiality and conflicts agreement."""
        if has_accepted_agreement(reviewer=self.request.user, round_id=self.assignment.round_id):
            return None
        return redirect("selection:reviewer_agreement", pk=self.assignment.pk)

    def practice_first(self):
        """The round's practice applications come before the real queue."""
        pending = practice_pending_for(reviewer=self.request.user, round_id=self.assignment.round_id).first()
        if pending is None:
            return None
        messages.info(self.request, _("Score the practice applications first: then your queue opens."))
        return redirect("selection:practice_score", pk=pending.pk)

    def get(self, request, *args, **kwargs):
        return self.practice_first() or self.agreement_first() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.practice_first() or self.agreement_first() or super().post(request, *args, **kwargs)

    @cached_property
    def settings(self):
        return selection_settings_for(round=self.assignment.round)

    @cached_property
    def review(self):
        return getattr(self.assignment, "review", None)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(
            criteria=sorted(self.assignment.round.criteria.all(), key=lambda c: c.letter),
            rubric_levels=self.settings.rubric_levels,
            submitting="submit" in self.request.POST,
        )
        return kwargs

    def get_initial(self):
        if self.review is None:
            return {}
        initial = {"recommendation": self.review.recommendation, "note_to_panel": self.review.note_to_panel}
        for row in self.review.scores.all():
            initial[f"score_{row.criterion.letter}"] = row.score
            initial[f"comment_{row.criterion.letter}"] = row.comment
        return initial

    def get_context_data(self, **kwargs):
        submitted = self.review is not None and self.review.status == ReviewStatus.SUBMITTED
        responses = {response.criterion_id: response for response in self.assignment.application.responses.all()}
        if "form" not in kwargs:
            kwargs["form"] = self.get_form()
        form = kwargs["form"]
        return super().get_context_data(
            assignment=self.assignment,
            application=self.assignment.application,
            settings=self.settings,
            review=self.review,
            submitted=submitted,
            editable=not submitted and self.assignment.round.status == "in_review",
            criteria_rows=[
                (criterion, responses.get(criterion.pk), score, comment)
                for criterion, score, comment in form.criterion_fields()
            ],
            other_reviews=list(other_reviews_of(assignment=self.assignment))
            if can_see_other_reviews(own_review=self.review)
            else None,
            **kwargs,
        )

    @property
    def submitting(self) -> bool:
        return "submit" in self.request.POST

    def call_service(self, form):
        return review_services.review_save(
            assignment=self.assignment, by=self.request.user, submit=self.submitting, **form.review()
        )

    def get_success_message(self):
        ref = {"ref": self.assignment.application}
        if self.submitting:
            return _("Your review of %(ref)s is submitted.") % ref
        return _("Your draft review of %(ref)s is saved.") % ref

    def get_success_url(self):
        # "Submit and next" and "Save draft and next" name the button's value "next".
        if self.request.POST.get("submit" if self.submitting else "save") != "next":
            return reverse("selection:review", kwargs={"pk": self.assignment.pk})
        upcoming = next_unscored_for(reviewer=self.request.user, after=self.assignment)
        if upcoming is None:
            return reverse("selection:review_next") + f"?after={self.assignment.pk}"
        return reverse("selection:review", kwargs={"pk": upcoming.pk})


class StepAsideView(AssignmentMixin, ServiceFormView):
    """Leave one application with a reason: it leaves the reviewer's queue and
    is reassigned. `service` is the assignment service that records why."""

    service = None
    success_url = "selection:reviewer_home"

    def get_context_data(self, **kwargs):
        return super().get_context_data(assignment=self.assignment, **kwargs)

    def call_service(self, form):
        return self.service(assignment=self.assignment, reason=form.cleaned_data["reason"], by=self.request.user)

    def get_success_message(self):
        return self.success_message % {"ref": self.assignment.application}


class DeclareConflictView(StepAsideView):
    template_name = "selection/declare_conflict.html"
    form_class = ConflictForm
    service = staticmethod(assignment_services.conflict_declare)
    success_message = gettext_lazy(
        "Your conflict of interest with %(ref)s is recorded. The application has been removed from your "
        "queue and will be reviewed by someone else."
    )


class AbstainView(StepAsideView):
    """Abstain from one application with a reason that is not a conflict of
    interest: it leaves the queue and is reassigned, as a declared conflict is."""

    template_name = "selection/abstain.html"
    form_class = AbstainForm
    service = staticmethod(assignment_services.assignment_abstain)
    success_message = gettext_lazy(
        "You have abstained from %(ref)s. The application has been removed from your queue and will be "
        "reviewed by someone else."
    )


class AgreementView(AssignmentMixin, ServiceFormView):
    """The round's confidentiality and conflicts agreement, reached on the way to
    an application of the round; accepted, the reviewer goes on to it."""

    template_name = "selection/reviewer_agreement.html"
    form_class = AgreementForm

    @cached_property
    def accepted(self):
        return has_accepted_agreement(reviewer=self.request.user, round_id=self.assignment.round_id)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            assignment=self.assignment,
            round=self.assignment.round,
            accepted=self.accepted,
            title=reviewer_agreement.TITLE,
            promises=reviewer_agreement.PROMISES,
            version=reviewer_agreement.VERSION,
            **kwargs,
        )

    def call_service(self, form):
        return agreement_services.reviewer_agreement_accept(round=self.assignment.round, by=self.request.user)

    def get_success_message(self):
        return _("Thank you: you have accepted the agreement for %(round)s.") % {"round": self.assignment.round.name}

    def get_success_url(self):
        return reverse("selection:review", kwargs={"pk": self.assignment.pk})


class ReviewNextView(ReviewerMixin, TemplateView):
    """The next application still to score (after `?after=`), or, when none is
    left, the page that says so, with any drafts still to submit."""

    template_name = "selection/review_done.html"

    def get(self, request, *args, **kwargs):
        form = NextForm(request.GET)
        after_pk = form.cleaned_data.get("after") if form.is_valid() else None
        after = review_queue_for(reviewer=request.user).filter(pk=after_pk).first() if after_pk else None
        upcoming = next_unscored_for(reviewer=request.user, after=after)
        if upcoming is not None:
            return redirect("selection:review", pk=upcoming.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            drafts=list(drafts_for(reviewer=self.request.user)[:50]),
            progress=list(queue_progress_for(reviewer=self.request.user)),
            **kwargs,
        )
