"""Calibration before scoring: the programme team's practice applications
(`/programme/selection/rounds/<pk>/practice/`) and a reviewer scoring one and
comparing their scores with the agreed ones (`/review/practice/<pk>/`)."""

from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from q_portal.views import ServiceFormView

from ..forms.practice import PracticeApplicationForm, PracticeReviewForm
from ..models import PracticeApplication, PracticeReview
from ..selectors.practice import PRACTICE_ROUND_STATUSES, practice_pending_for
from ..services import practice as practice_services
from ..services.settings import selection_settings_for
from .programme import SelectionRoundMixin
from .reviewer import ReviewerMixin


def _criteria(round):
    return sorted(round.criteria.all(), key=lambda criterion: criterion.letter)


class PracticeListView(SelectionRoundMixin, ServiceFormView):
    """The round's practice applications with their agreed scores, and adding
    one; each reviewer's practice error is on the reviewers' insight page."""

    template_name = "selection/programme/practice.html"
    form_class = PracticeApplicationForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "criteria": _criteria(self.round),
            "rubric_levels": self.settings.rubric_levels,
        }

    def get_context_data(self, **kwargs):
        practice = list(self.round.practice_applications.annotate(scored=Count("reviews")))
        return super().get_context_data(practice=practice, **kwargs)

    success_message = gettext_lazy("The practice application is added.")

    def call_service(self, form):
        return practice_services.practice_create(
            round=self.round,
            title=form.cleaned_data["title"],
            answers=form.answers(),
            agreed_scores=form.agreed_scores(),
            rationale=form.cleaned_data["rationale"],
            by=self.request.user,
        )

    def get_success_url(self):
        return reverse("selection:practice_list", kwargs={"pk": self.round.pk})


class PracticeMixin(ReviewerMixin):
    @cached_property
    def practice(self) -> PracticeApplication:
        return get_object_or_404(
            PracticeApplication.objects.select_related("round", "round__selection_settings").filter(
                round__status__in=PRACTICE_ROUND_STATUSES
            ),
            pk=self.kwargs["pk"],
        )

    @cached_property
    def own(self) -> PracticeReview | None:
        return PracticeReview.objects.filter(practice=self.practice, reviewer=self.request.user).first()

    def rows(self, form=None):
        answers = self.practice.answers
        return [
            (criterion, answers.get(criterion.letter, ""), form[f"score_{criterion.letter}"] if form else None)
            for criterion in _criteria(self.practice.round)
        ]


class PracticeScoreView(PracticeMixin, ServiceFormView):
    """Score a practice application; the agreed scores show only afterwards."""

    template_name = "selection/practice_score.html"
    form_class = PracticeReviewForm

    def get(self, request, *args, **kwargs):
        if self.own is not None:
            return redirect("selection:practice_compare", pk=self.practice.pk)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.own is not None:
            return redirect("selection:practice_compare", pk=self.practice.pk)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        settings = selection_settings_for(round=self.practice.round)
        return {
            **super().get_form_kwargs(),
            "criteria": _criteria(self.practice.round),
            "rubric_levels": settings.rubric_levels,
        }

    def get_context_data(self, **kwargs):
        form = kwargs.get("form") or self.get_form()
        kwargs["form"] = form
        return super().get_context_data(practice=self.practice, rows=self.rows(form), **kwargs)

    def call_service(self, form):
        return practice_services.practice_review_submit(
            practice=self.practice, scores=form.scores(), by=self.request.user
        )

    def get_success_url(self):
        return reverse("selection:practice_compare", kwargs={"pk": self.practice.pk})


class PracticeCompareView(PracticeMixin, TemplateView):
    """The reviewer's scores beside the agreed ones, with the rationale."""

    template_name = "selection/practice_compare.html"

    def get(self, request, *args, **kwargs):
        if self.own is None:
            return redirect("selection:practice_score", pk=self.practice.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        agreed = self.practice.agreed_scores
        comparison = [
            (criterion, self.own.scores.get(criterion.letter), agreed.get(criterion.letter))
            for criterion in _criteria(self.practice.round)
        ]
        return super().get_context_data(
            practice=self.practice,
            comparison=comparison,
            next_practice=practice_pending_for(reviewer=self.request.user, round_id=self.practice.round_id).first(),
            **kwargs,
        )
