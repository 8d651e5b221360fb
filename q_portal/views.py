import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from .celery import app as celery_app
from .retention.selectors import public_schedule

logger = logging.getLogger(__name__)


class PrivacyView(TemplateView):
    template_name = "pages/privacy.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(retention_rules=public_schedule(), **kwargs)


class AccessibilityView(TemplateView):
    template_name = "pages/accessibility.html"


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("healthz: database did not answer", exc_info=True)
        return False


def _broker_answers() -> bool:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("healthz: broker did not answer", exc_info=True)
        return False


@never_cache
@require_GET
def healthz(request):
    status = {
        "database": "ok" if _database_answers() else "unavailable",
        "broker": "ok" if _broker_answers() else "unavailable",
    }
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **status}, status=200 if healthy else 503)
