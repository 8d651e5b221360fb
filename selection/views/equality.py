"""Equality impact for the programme team: each stage of selection by each
monitoring characteristic, for a round (`/programme/insight/rounds/<id>/equality/`)
and across rounds (`/programme/insight/equality/`). Aggregates only, small numbers
suppressed; every view and download is audited."""

from django.views.generic import TemplateView

from equality.models import Stage
from q_portal.roles import ProgrammeTeamMixin

from ..equality_charts import fewer_than, flag_words, rate_chart, stage_table_download
from ..selectors.equality import equality_impact
from ..services.equality import equality_analysis_view_record
from ..services.kept import kept
from .insight import ChartDownloadMixin, InsightRoundMixin

CHARTED_STAGE = Stage.SELECTED.value


class EqualityImpactMixin(ChartDownloadMixin):
    def impact_context(self, round):
        counted, counted_at = kept("equality", round=round)
        impact = equality_impact(round=round, counted=counted)
        sections = []
        for table in impact.tables:
            download = stage_table_download(table)
            chart = rate_chart(table, CHARTED_STAGE)
            sections.append({"table": table, "download": download, "chart": chart})
        charts_by_slug = {}
        for section in sections:
            charts_by_slug[section["download"].slug] = section["download"]
            charts_by_slug[section["chart"].slug] = section["chart"]
        if self.request.GET.get("csv") is None:
            equality_analysis_view_record(round=round, by=self.request.user)
        return {
            "impact": impact,
            "counted_at": counted_at,
            "sections": sections,
            "charts": charts_by_slug,
            "hidden_words": fewer_than(impact.threshold),
            "gap_words": flag_words("gap"),
            "possible_words": flag_words("possible"),
        }


class InsightEqualityView(EqualityImpactMixin, InsightRoundMixin, TemplateView):
    template_name = "selection/programme/insight/equality.html"
    url_name = "selection:insight_equality"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.impact_context(self.round), **kwargs)


class InsightEqualityAcrossView(EqualityImpactMixin, ProgrammeTeamMixin, TemplateView):
    template_name = "selection/programme/insight/equality.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.impact_context(None), **kwargs)
