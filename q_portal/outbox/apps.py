from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "q_portal.outbox"
    label = "outbox"
    verbose_name = "Outbound email"

    def ready(self):
        from anymail.signals import tracking

        from .provider_events import provider_event_received

        tracking.connect(provider_event_received, dispatch_uid="outbox.provider_events")
