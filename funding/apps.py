from django.apps import AppConfig


class FundingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "funding"
    verbose_name = "Q Exchange: the member vote and funded projects"

    def ready(self):
        # The insight home (selection, below this app) lists the vote's and the
        # funded projects' pages through its registry.
        from django.utils.translation import gettext_lazy as _

        from selection.insight_links import register_insight_link

        register_insight_link(
            "funding-votes",
            title=_("Q Exchange calls and their votes"),
            description=_("Each call's shortlisting and member vote: turnout, votes by theme and region."),
            url_name="exchange:programme_calls",
            order=20,
        )
        register_insight_link(
            "funding-projects",
            title=_("Funded projects"),
            description=_("Every funded project's progress: updates posted, due and late."),
            url_name="funding:programme_projects",
            order=30,
        )
