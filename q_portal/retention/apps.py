from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "q_portal.retention"
    label = "retention"
    verbose_name = "Retention schedule"
