from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "q_portal.outbox"
    label = "outbox"
    verbose_name = "Outbound email"
