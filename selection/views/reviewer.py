"""The reviewer's area, `/review/`: the queue, scoring one application (blind by
default), and declaring a conflict of interest. A reviewer reaches only their
own assignments without a conflict: anything else is 404."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView

from q_portal.exceptions import PortalError, add_portal_error
from q_portal.roles import Role, RoleRequiredMixin

from ..choices import QueueFilter, ReviewStatus
from ..forms.reviewer import ConflictForm, QueueFilterForm, ReviewForm
from ..permissions import can_see_other_reviews, get_assignment_for_reviewer_or_404
from ..selectors.practice import practice_pending_for
from ..selectors.reviewer import (
    assignment_for_scoring,
    declared_conflicts_for,
    other_reviews_of,
    queue_progress_for,
    review_queue_for,
)
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
        form = QueueFilterForm(self.request.GET or None, rounds=self.progress)
        form.is_valid()
        return form

    def filters(self):
        data = getattr(self.filter_form, "cleaned_data", {})
        return data.get("state") or None, data.get("round")

    def get_queryset(self):
        state, round_id = self.filters()
        if state == QueueFilter.CONFLICT:
            return declared_conflicts_for(reviewer=self.request.user, round_id=round_id)
        return review_queue_for(reviewer=self.request.user, round_id=round_id, state=state)

    def get_context_data(self, **kwargs):
        state, _round_id = self.filters()
        return super().get_context_data(
            practice_pending=list(practice_pending_for(reviewer=self.request.user)),
            progress=self.progress,
            filter_form=self.filter_form,
            showing_conflicts=state == QueueFilter.CONFLICT,
            filtered=bool(state or _round_id),
            **kwargs,
        )


class AssignmentMixin(ReviewerMixin):
    @cached_property
    def assignment(self):
        return get_assignment_for_reviewer_or_404(
            user=self.request.user, pk=self.kwargs["pk"], queryset=assignment_for_scoring()
        )


class ReviewView(AssignmentMixin, FormView):
    """The application's answers beside the rubric and the scoring form. Others'
    scores appear only once the reviewer has submitted their own."""

    template_name = "selection/review.html"
    form_class = ReviewForm

    def practice_first(self):
        """The round's practice applications come before the real queue."""
        pending = practice_pending_for(reviewer=self.request.user, round_id=self.assignment.round_id).first()
        if pending is None:
            return None
        messages.info(self.request, _("Score the practice applications first: then your queue opens."))
        return redirect("selection:practice_score", pk=pending.pk)

    def get(self, request, *args, **kwargs):
        return self.practice_first() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.practice_first() or super().post(request, *args, **kwargs)

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

    def form_valid(self, form):
        submit = "submit" in self.request.POST
        try:
            review_services.review_save(
                assignment=self.assignment,
                by=self.request.user,
                scores=form.scores(),
                comments=form.comments(),
                recommendation=form.cleaned_data.get("recommendation") or "",
                note_to_panel=form.cleaned_data.get("note_to_panel") or "",
                submit=submit,
            )
        except PortalError as error:
            add_portal_error(form, error)
            return self.form_invalid(form)
        if submit:
            messages.success(
                self.request, _("Your review of %(ref)s is submitted.") % {"ref": self.assignment.application}
            )
        else:
            messages.success(self.request, _("Your draft review is saved."))
        return redirect("selection:review", pk=self.assignment.pk)


class DeclareConflictView(AssignmentMixin, FormView):
    template_name = "selection/declare_conflict.html"
    form_class = ConflictForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(assignment=self.assignment, **kwargs)

    def form_valid(self, form):
        try:
            assignment_services.conflict_declare(
                assignment=self.assignment, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except PortalError as error:
            add_portal_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Your conflict of interest with %(ref)s is recorded. The application has been removed from your "
                "queue and will be reviewed by someone else."
            )
            % {"ref": self.assignment.application},
        )
        return redirect("selection:reviewer_home")
