"""The selection board and moderation, under `/programme/selection/`: every
scored application of a round, sorted and filtered; the moderation queue; one
application's reviews side by side with the moderator's own review; asking
another reviewer to moderate. Programme team only; each change is one service
call."""

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from applications.choices import RoleCategory
from applications.models import Route
from members.models import Organisation, Region
from q_portal.forms import page_number
from q_portal.roles import ProgrammeTeamMixin
from q_portal.views import ServiceActionView, ServiceFormOnPageMixin

from ..choices import DecisionOutcome, ReviewStatus
from ..forms.board import COLUMN_LABELS, TEXT_COLUMNS, BoardFilterForm, ModerationFilterForm
from ..forms.reviewer import ReviewForm
from ..selectors.board import (
    DEFAULT_SORT,
    application_for_moderation,
    board_rows,
    moderation_reasons,
    moderation_rows,
    nominating_organisations,
    reviews_compared,
)
from ..selectors.programme import SELECTION_ROUND_STATUSES, assignments_of
from ..services import moderation as moderation_services
from ..services import scores as score_services
from ..services.settings import selection_settings_for
from ..templatetags.selection_board import estimate_text
from .programme import SelectionRoundMixin


def sort_headers(request, current: str, columns=COLUMN_LABELS) -> list[dict]:
    """Each column's header: its label, the link that sorts by it (again: the
    other way round) keeping the filters, and its aria-sort."""
    headers = []
    for key, label in columns.items():
        if current == key:
            target, aria = f"-{key}", "ascending"
        elif current == f"-{key}":
            target, aria = key, "descending"
        else:
            target, aria = (key if key in TEXT_COLUMNS else f"-{key}"), None
        query = request.GET.copy()
        query["sort"] = target
        query.pop("page", None)
        headers.append({"key": key, "label": label, "url": f"?{query.urlencode()}", "aria_sort": aria})
    return headers


def url_for_pk(name: str):
    """A function giving the URL of `name` for a pk, reversing once: a page of 250
    rows would otherwise reverse 500 times."""
    prefix, suffix = reverse(name, kwargs={"pk": 0}).rsplit("/0/", 1)
    return lambda pk: f"{prefix}/{pk}/{suffix}"


# What an empty cell shows, as the templates' default filters do.
BLANK = "\N{EN DASH}"


def _number(value) -> str:
    return BLANK if value is None else f"{value:.2f}"


def _names(rows, column: str, known: dict[int, str], model) -> dict[int, str]:
    """`known` names by id, with any id of `rows` missing from it read (rarely: a
    route taken off the round after people applied by it)."""
    missing = {getattr(row, column) for row in rows} - set(known) - {None}
    if not missing:
        return known
    return known | dict(model.objects.filter(pk__in=missing).values_list("pk", "name"))


def board_display(
    rows, *, routes: dict[int, str], regions: dict[int, str], organisations: dict[int, str]
) -> list[dict]:
    """The board's rows ready to print: numbers formatted, labels translated and
    links made once per page, not once per cell; route, region and nominating
    organisation named from the lists the filters read (by id)."""
    rows = list(rows)
    routes = _names(rows, "application__route_id", routes, Route)
    regions = _names(rows, "application__region_id", regions, Region)
    organisations = _names(rows, "application__nomination__organisation_id", organisations, Organisation)
    application_url = url_for_pk("selection:application")
    moderation_url = url_for_pk("selection:moderation_application")
    roles = {value: str(label) for value, label in RoleCategory.choices}
    outcomes = {value: str(label) for value, label in DecisionOutcome.choices}
    return [
        {
            "url": application_url(row.application_id),
            "moderation_url": moderation_url(row.application_id) if row.needs_moderation else "",
            "moderated": bool(row.moderation_reviews_done),
            "reference": row.application__reference,
            "name": row.application__full_name,
            "reviews": f"{row.reviews_done}/{row.reviews_expected}",
            "model": estimate_text(row.model_score, row.model_low, row.model_high),
            "mean": _number(row.mean_score),
            "normalised": _number(row.normalised_score),
            "spread": BLANK if row.spread is None else row.spread,
            "accept": row.accept_count,
            "maybe": row.maybe_count,
            "do_not_accept": row.do_not_accept_count,
            "route": routes.get(row.application__route_id) or BLANK,
            "region": regions.get(row.application__region_id) or BLANK,
            "role": roles.get(row.application__role_category) or BLANK,
            "nominated_by": organisations.get(row.application__nomination__organisation_id) or BLANK,
            "decision": outcomes.get(row.application__decision__outcome) or "",
            "released": row.application__decision__released_at is not None,
        }
        for row in rows
    ]


def paginated(request, queryset, size: int) -> dict:
    page = Paginator(queryset, size).get_page(page_number(request.GET))
    return {"page_obj": page, "paginator": page.paginator, "is_paginated": page.paginator.num_pages > 1}


# The filters' fields with their options, values and errors: a third of the board's
# rendering, the same for everyone asking the same question of the same round.
FILTERS_CACHE_SECONDS = 10 * 60


def board_filters_html(*, request, form: BoardFilterForm, round, filtered: bool) -> str:
    """The board's filter fields rendered, from the cache when the same filters of
    the same round with the same options were rendered before. The key holds
    everything the HTML depends on (the round, the language, the query but its
    page, the options read from the database), so a hit is the same HTML."""
    query = sorted((name, request.GET.getlist(name)) for name in request.GET if name != "page")
    options = [[(str(value), str(label)) for value, label in form.fields[name].choices] for name in DYNAMIC_FILTERS]
    fingerprint = repr((round.pk, get_language(), query, options, filtered)).encode()
    key = f"selection:board-filters:{hashlib.sha256(fingerprint).hexdigest()}"
    html = cache.get(key)
    if html is None:
        context = {"form": form, "round": round, "filtered": filtered}
        html = render_to_string("selection/programme/includes/board_filters.html", context, request=request)
        cache.set(key, html, FILTERS_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escaped it


def _choice_names(choices) -> dict[int, str]:
    return {int(value): str(label) for value, label in choices if value}


# The filters whose options come from the database (the rest are fixed in the code).
DYNAMIC_FILTERS = ("route", "region", "nominated_by")


class BoardView(SelectionRoundMixin, TemplateView):
    """The selection board: sorted by normalised score unless asked otherwise;
    25, 50, 100 or 250 a page."""

    template_name = "selection/programme/board.html"

    def get_context_data(self, **kwargs):
        organisations = list(nominating_organisations(round=self.round))
        form = BoardFilterForm(self.request.GET or None, round=self.round, organisations=organisations)
        filters = form.filters()
        sort = filters.get("sort") or DEFAULT_SORT
        rows = board_rows(round=self.round, filters=filters, sort=sort)
        pages = paginated(self.request, rows, form.page_size())
        filtered = bool(set(filters) - {"sort", "size"})
        return super().get_context_data(
            form=form,
            filters_html=board_filters_html(request=self.request, form=form, round=self.round, filtered=filtered),
            sort=sort,
            headers=sort_headers(self.request, sort),
            filtered=filtered,
            rows=board_display(
                pages["page_obj"].object_list,
                routes=_choice_names(form.fields["route"].choices),
                regions=_choice_names(form.fields["region"].choices),
                organisations={organisation.pk: organisation.name for organisation in organisations},
            ),
            **pages,
            **kwargs,
        )


class ScoresRefreshView(SelectionRoundMixin, View):
    """Recompute every stored score of the round now (they are kept up to date
    as reviews arrive; this repairs them after, say, a data import)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        written = score_services.scores_refresh_round(round=self.round)
        messages.success(
            request,
            ngettext(
                "The scores are recalculated: %(count)d application changed.",
                "The scores are recalculated: %(count)d applications changed.",
                written,
            )
            % {"count": written},
        )
        return redirect("selection:board", pk=self.round.pk)


MODERATION_HEADERS = {
    key: COLUMN_LABELS[key]
    for key in ("reference", "reviews", "spread", "accept", "maybe", "do_not_accept", "mean", "normalised")
}


class ModerationQueueView(SelectionRoundMixin, TemplateView):
    template_name = "selection/programme/moderation.html"

    def get_context_data(self, **kwargs):
        form = ModerationFilterForm(self.request.GET or None)
        sort = form.value("sort", "-spread")
        if sort.lstrip("-") not in MODERATION_HEADERS:
            sort = "-spread"
        rows = moderation_rows(
            round=self.round,
            settings=self.settings,
            state=form.value("state"),
            reason=form.value("reason"),
            sort=sort,
        )
        context = paginated(self.request, rows, form.value("size", 25))
        moderation_url = url_for_pk("selection:moderation_application")
        display = [
            {
                "url": moderation_url(row.application_id),
                "reference": row.application__reference,
                "route": row.application__route__name or "",
                "region": row.application__region__name or "",
                "reasons": moderation_reasons(row, self.settings),
                "moderated": bool(row.moderation_reviews_done),
                "moderator_assigned": row.moderator_assigned,
                "reviews": f"{row.reviews_done}/{row.reviews_expected}",
                "spread": BLANK if row.spread is None else row.spread,
                "accept": row.accept_count,
                "maybe": row.maybe_count,
                "do_not_accept": row.do_not_accept_count,
                "mean": _number(row.mean_score),
                "normalised": _number(row.normalised_score),
            }
            for row in context["page_obj"].object_list
        ]
        return super().get_context_data(
            form=form,
            headers=sort_headers(self.request, sort, MODERATION_HEADERS),
            rows=display,
            **context,
            **kwargs,
        )


class ModerationApplicationMixin(ProgrammeTeamMixin):
    @cached_property
    def application(self):
        return get_object_or_404(
            application_for_moderation().filter(round__status__in=SELECTION_ROUND_STATUSES), pk=self.kwargs["pk"]
        )


class ModerationApplicationView(ModerationApplicationMixin, ServiceFormOnPageMixin, TemplateView):
    """One application's reviews side by side, criterion by criterion, with the
    applicant's answers; the moderator's own review; asking another reviewer."""

    template_name = "selection/programme/moderation_application.html"

    @cached_property
    def settings(self):
        return selection_settings_for(round=self.application.round)

    @cached_property
    def criteria(self):
        return sorted(self.application.round.criteria.all(), key=lambda criterion: criterion.letter)

    @cached_property
    def assignments(self):
        return list(assignments_of(application=self.application))

    @cached_property
    def own_assignment(self):
        return next((a for a in self.assignments if a.reviewer_id == self.request.user.pk), None)

    def own_review(self):
        assignment = self.own_assignment
        return getattr(assignment, "review", None) if assignment is not None else None

    def can_write_review(self) -> bool:
        review = self.own_review()
        return (
            self.application.round.status == "in_review"
            and (self.own_assignment is None or self.own_assignment.is_moderation)
            and (review is None or review.status != ReviewStatus.SUBMITTED)
        )

    def review_form(self, data=None, submitting=False):
        review = self.own_review()
        initial = {}
        if review is not None:
            initial = {"recommendation": review.recommendation, "note_to_panel": review.note_to_panel}
            for row in review.scores.all():
                initial[f"score_{row.criterion.letter}"] = row.score
                initial[f"comment_{row.criterion.letter}"] = row.comment
        form = ReviewForm(
            data,
            initial=initial,
            criteria=self.criteria,
            rubric_levels=self.settings.rubric_levels,
            submitting=submitting,
        )
        # A draft may leave anything blank: fields are not marked "(optional)".
        form.saves_drafts = True
        return form

    def get_context_data(self, **kwargs):
        submitted = [
            a.review
            for a in self.assignments
            if not a.is_moderation and getattr(a, "review", None) and a.review.status == ReviewStatus.SUBMITTED
        ]
        responses = {response.criterion_id: response for response in self.application.responses.all()}
        score = getattr(self.application, "score_summary", None)
        form = kwargs.pop("form", None) or (self.review_form() if self.can_write_review() else None)
        return super().get_context_data(
            application=self.application,
            round=self.application.round,
            settings=self.settings,
            score=score,
            reasons=moderation_reasons(score, self.settings) if score else [],
            assignments=self.assignments,
            regular=[a for a in self.assignments if not a.is_moderation],
            moderators=[a for a in self.assignments if a.is_moderation],
            comparison=reviews_compared(
                reviews=submitted, criteria=self.criteria, threshold=self.settings.moderation_spread
            ),
            submitted=submitted,
            criteria_rows=[
                (
                    criterion,
                    responses.get(criterion.pk),
                    form[f"score_{criterion.letter}"] if form else None,
                    form[f"comment_{criterion.letter}"] if form else None,
                )
                for criterion in self.criteria
            ],
            form=form,
            own_assignment=self.own_assignment,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not self.can_write_review():
            messages.error(request, _("You cannot write a moderator review of this application."))
            return redirect("selection:moderation_application", pk=self.application.pk)
        submitting = "submit" in request.POST
        if submitting:
            back = reverse("selection:moderation", kwargs={"pk": self.application.round_id})
        else:
            back = reverse("selection:moderation_application", kwargs={"pk": self.application.pk})
        return self.post_service_form(
            self.review_form(request.POST, submitting=submitting), self.save_review, success_url=back
        )

    def save_review(self, form):
        submitting = "submit" in self.request.POST
        moderation_services.moderation_review_save(
            application=self.application, by=self.request.user, submit=submitting, **form.review()
        )
        if submitting:
            return _("Your moderator review of %(reference)s is submitted.") % {"reference": self.application.reference}
        return _("Your moderator review is saved as a draft.")


class RequestReviewerView(ModerationApplicationMixin, ServiceActionView):
    def call_service(self):
        return moderation_services.moderation_reviewer_request(application=self.application, by=self.request.user)

    def get_success_message(self):
        return _("%(name)s is asked for a moderator review: it is in their review queue.") % {
            "name": self.outcome.reviewer
        }

    def get_success_url(self):
        return reverse("selection:moderation_application", kwargs={"pk": self.application.pk})
