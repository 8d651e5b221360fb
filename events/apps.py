from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self):
        # Fill the members' area's panels (the member's home, profiles) from above:
        # members imports no other app, so events registers itself with it.
        from members import panels

        from . import member_panels

        panels.register_home_panel("events", member_panels.next_events_panel, order=10)
        panels.register_profile_section("events", member_panels.profile_events_section, order=10)
        panels.register_onboarding_check("event", member_panels.has_registered)

        from django.utils.translation import gettext_lazy as _

        from selection.insight_links import register_insight_link

        register_insight_link(
            "events",
            title=_("Events by region"),
            description=_("Events held and planned in each region, with registrations and attendance."),
            url_name="events:insight",
            order=10,
        )
