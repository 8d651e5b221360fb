from django.views.generic import TemplateView

from ..selectors.applications import next_round_expected, rounds_open_for_applications


class HomeView(TemplateView):
    """What Q is, the round open now and how to apply, and updates."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            open_rounds=rounds_open_for_applications(), next_round=next_round_expected(), **kwargs
        )
