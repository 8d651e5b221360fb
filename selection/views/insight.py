"""The programme team's insight under `/programme/insight/`: a round's overview,
funnel, representation, reviewer calibration and agreement, score distributions
and nominations; membership growth; and the round's CSV downloads.

Every page is for the programme team only. Charts are drawn on the server
(`selection.charts`); any chart's figures download as CSV with `?csv=<chart>`
on its page (with the page's filters). Downloads are audited
(`selection.exports`)."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from applications.models import Round
from q_portal.forms import page_number
from q_portal.roles import ProgrammeTeamMixin

from .. import charts
from ..exports import ExportKind, chart_export, csv_response, round_export
from ..forms.insight import CalibrationForm, ChartDownloadForm, InsightFilterForm, RepresentationForm
from ..insight_links import insight_links
from ..selectors.insight import (
    INSIGHT_ROUND_STATUSES,
    InsightFilters,
    criteria_of,
    insight_round_default,
    membership_growth_insight,
    nominating_organisations,
    nomination_totals,
    representations,
    round_calibration,
    round_funnel,
    rounds_for_insight,
    score_distributions,
    score_levels,
    submissions_per_day,
)
from ..services.kept import kept

PAGES = [
    ("selection:insight_round", gettext_lazy("Overview")),
    ("selection:insight_funnel", gettext_lazy("Funnel")),
    ("selection:insight_representation", gettext_lazy("Representation")),
    ("selection:insight_calibration", gettext_lazy("Reviewers")),
    ("selection:insight_scores", gettext_lazy("Scores")),
    ("selection:insight_nominations", gettext_lazy("Nominations")),
    ("selection:insight_equality", gettext_lazy("Equality")),
]

EXPORTS = [
    (
        ExportKind.APPLICATIONS,
        gettext_lazy("Applications with scores and decisions"),
        gettext_lazy("Submitted applications (not drafts or withdrawn), with reviews, mean scores and the decision."),
    ),
    (
        ExportKind.REVIEWS,
        gettext_lazy("Reviews"),
        gettext_lazy("Every review of those applications, with its scores and recommendation."),
    ),
    (
        ExportKind.NOMINATIONS,
        gettext_lazy("Nominations"),
        gettext_lazy("The round's nominations, by organisation, with where each got to."),
    ),
    (
        ExportKind.MEMBERS,
        gettext_lazy("Members"),
        gettext_lazy("Members who joined through the round (their application was accepted)."),
    ),
]


class ChartDownloadMixin:
    """A page with charts: `get_context_data` puts them in `charts` (by slug), and
    `?csv=<slug>` downloads one chart's figures instead of the page."""

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        download = context["chart_download_form"] = ChartDownloadForm(request.GET)
        if "csv" in request.GET:
            slug = download.cleaned_data["csv"] if download.is_valid() else None
            chart = context["charts"].get(slug) if slug else None
            if chart is None:
                raise Http404("No such chart.")
            export = chart_export(
                chart=chart,
                round=context.get("round"),
                filters=context.get("filters") or InsightFilters(),
                by=request.user,
            )
            return csv_response(export)
        return self.render_to_response(context)


class InsightHomeView(ProgrammeTeamMixin, ListView):
    """Pick a round (the latest in review or decided first), or membership growth."""

    template_name = "selection/programme/insight/home.html"
    context_object_name = "rounds"
    paginate_by = 25

    def get_queryset(self):
        return rounds_for_insight()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            default_round=insight_round_default(), community_links=insight_links(), **kwargs
        )


class InsightRoundMixin(ProgrammeTeamMixin):
    url_name = ""

    @cached_property
    def round(self) -> Round:
        rounds = Round.objects.filter(status__in=INSIGHT_ROUND_STATUSES).select_related("selection_settings")
        return get_object_or_404(rounds, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        nav = [
            {"url": reverse(name, kwargs={"pk": self.round.pk}), "label": label, "current": name == self.url_name}
            for name, label in PAGES
        ]
        return super().get_context_data(round=self.round, insight_nav=nav, **kwargs)


def _filter_query(form: InsightFilterForm) -> str:
    """The filters as a query string, for links that keep them (the downloads)."""
    if not form.is_bound or not form.is_valid():
        return ""
    return urlencode({name: form.data[name] for name in form.fields if form.data.get(name)})


class InsightRoundView(ChartDownloadMixin, InsightRoundMixin, TemplateView):
    """The round at a glance (its funnel), filtered, with its downloads."""

    template_name = "selection/programme/insight/round.html"
    url_name = "selection:insight_round"

    def get_context_data(self, **kwargs):
        form = InsightFilterForm(self.request.GET or None, round=self.round)
        filters = form.filters()
        query = _filter_query(form)
        downloads = [
            {
                "label": label,
                "hint": hint,
                "url": reverse(f"selection:insight_export_{kind}", kwargs={"pk": self.round.pk})
                + (f"?{query}" if query else ""),
            }
            for kind, label, hint in EXPORTS
        ]
        funnel = round_funnel(round=self.round, filters=filters)
        chart = charts.funnel_chart(funnel)
        return super().get_context_data(
            filter_form=form,
            filters=filters,
            funnel=funnel,
            downloads=downloads,
            charts={chart.slug: chart},
            **kwargs,
        )


class InsightFunnelView(ChartDownloadMixin, InsightRoundMixin, TemplateView):
    template_name = "selection/programme/insight/funnel.html"
    url_name = "selection:insight_funnel"

    def get_context_data(self, **kwargs):
        form = InsightFilterForm(self.request.GET or None, round=self.round, with_outcome=False)
        filters = form.filters()
        funnel = round_funnel(round=self.round, filters=filters)
        days = submissions_per_day(round=self.round, filters=filters)
        chart_list = [charts.funnel_chart(funnel), charts.submissions_chart(days)]
        return super().get_context_data(
            filter_form=form,
            filters=filters,
            funnel=funnel,
            days=days,
            charts={chart.slug: chart for chart in chart_list},
            **kwargs,
        )


class InsightRepresentationView(ChartDownloadMixin, InsightRoundMixin, TemplateView):
    template_name = "selection/programme/insight/representation.html"
    url_name = "selection:insight_representation"

    def get_context_data(self, **kwargs):
        form = RepresentationForm(self.request.GET or None)
        threshold, min_size = form.values()
        counted, counted_at = kept("representation", round=self.round)
        sections = []
        for result in representations(round=self.round, threshold=threshold, min_size=min_size, counted=counted):
            shares, rates = charts.representation_charts(result)
            sections.append({"representation": result, "shares": shares, "rates": rates})
        chart_list = [chart for section in sections for chart in (section["shares"], section["rates"])]
        return super().get_context_data(
            form=form,
            threshold=threshold,
            min_size=min_size,
            counted_at=counted_at,
            sections=sections,
            charts={chart.slug: chart for chart in chart_list},
            **kwargs,
        )


class InsightCalibrationView(ChartDownloadMixin, InsightRoundMixin, TemplateView):
    template_name = "selection/programme/insight/calibration.html"
    url_name = "selection:insight_calibration"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        form = CalibrationForm(self.request.GET or None)
        criteria = criteria_of(round=self.round)
        figures = round_calibration(round=self.round, criteria=criteria)
        calibration, agreement, practice = figures.calibration, figures.agreement, figures.practice
        listed = calibration.flagged if form.flagged_only() else calibration.reviewers
        page = Paginator(listed, self.paginate_by).get_page(page_number(self.request.GET))
        chart_list = [
            charts.agreement_chart(agreement),
            charts.reviewer_means_chart(calibration, score_levels(round=self.round)),
        ]
        return super().get_context_data(
            form=form,
            criteria=criteria,
            calibration=calibration,
            panel_rows=list(zip(criteria, calibration.panel_for(criteria), strict=True)),
            agreement_rows=[(criterion, agreement.overall(criterion)) for criterion in criteria],
            practice=practice,
            reviewer_rows=[
                (
                    reviewer,
                    reviewer.stats_for(criteria),
                    practice.errors.get(reviewer.reviewer_id),
                    practice.live_effects.get(reviewer.reviewer_id),
                )
                for reviewer in page.object_list
            ],
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.paginator.num_pages > 1,
            charts={chart.slug: chart for chart in chart_list},
            **kwargs,
        )


class InsightScoresView(ChartDownloadMixin, InsightRoundMixin, TemplateView):
    template_name = "selection/programme/insight/scores.html"
    url_name = "selection:insight_scores"

    def get_context_data(self, **kwargs):
        form = InsightFilterForm(self.request.GET or None, round=self.round, with_outcome=False)
        filters = form.filters()
        criteria = criteria_of(round=self.round)
        distributions = score_distributions(round=self.round, criteria=criteria, filters=filters)
        chart_list = [charts.score_chart(distribution) for distribution in distributions]
        return super().get_context_data(
            filter_form=form,
            filters=filters,
            distributions=distributions,
            score_charts=chart_list,
            charts={chart.slug: chart for chart in chart_list},
            **kwargs,
        )


class InsightNominationsView(ChartDownloadMixin, InsightRoundMixin, TemplateView):
    template_name = "selection/programme/insight/nominations.html"
    url_name = "selection:insight_nominations"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        page = Paginator(nominating_organisations(round=self.round), self.paginate_by).get_page(
            page_number(self.request.GET)
        )
        totals = nomination_totals(round=self.round)
        chart = charts.nominations_chart(page.object_list, totals)
        return super().get_context_data(
            organisations=page.object_list,
            totals=totals,
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.paginator.num_pages > 1,
            charts={chart.slug: chart},
            **kwargs,
        )


class InsightGrowthView(ChartDownloadMixin, ProgrammeTeamMixin, TemplateView):
    """Membership growth against the target, by region and role: the membership
    issue's numbers (its page at /members/programme/growth/ sets the target)."""

    template_name = "selection/programme/insight/growth.html"

    def get_context_data(self, **kwargs):
        insight = membership_growth_insight()
        chart_list = charts.growth_charts(insight)
        return super().get_context_data(
            insight=insight,
            charts={chart.slug: chart for chart in chart_list},
            **kwargs,
        )


class InsightExportView(InsightRoundMixin, View):
    """A streamed CSV of the round's applications, reviews, nominations or
    members, narrowed by the same filters as the overview."""

    kind = ""

    def get(self, request, *args, **kwargs):
        form = InsightFilterForm(request.GET or None, round=self.round)
        if form.is_bound and not form.is_valid():
            problems = "; ".join(str(error) for errors in form.errors.values() for error in errors)
            return HttpResponseBadRequest(
                _("The download's filters are not valid: %(problems)s") % {"problems": problems},
                content_type="text/plain; charset=utf-8",
            )
        export = round_export(round=self.round, kind=self.kind, filters=form.filters(), by=request.user)
        return csv_response(export)
