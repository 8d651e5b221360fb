from django.conf import settings
from django.views.generic import TemplateView

from q_portal.roles import Role, RoleRequiredMixin

from .registry import schedule
from .selectors import public_schedule, retention_runs


class RetentionScheduleView(RoleRequiredMixin, TemplateView):
    """The programme team's view of the whole schedule and the last runs."""

    required_roles = (Role.PROGRAMME_TEAM,)
    template_name = "retention/programme.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rules=schedule(),
            runs=retention_runs(),
            batch_size=settings.RETENTION_BATCH_SIZE,
            runs_per_day=settings.RETENTION_RUNS_PER_DAY,
            **kwargs,
        )


class PublicRetentionView(TemplateView):
    """The schedule's public part, linked from the privacy notice."""

    template_name = "retention/public.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(rules=public_schedule(), **kwargs)
