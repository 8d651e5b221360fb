import os

from celery import Celery, Task
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "q_portal.settings.local")


class PortalTask(Task):
    """Every task's retry policy, in one place. Retries are only for the database
    failing under the task; a task's own failures (an email refused, a row gone)
    are its service's to handle. Results are not kept: tasks write rows."""

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 5
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5
    ignore_result = True


# `@shared_task` anywhere in the portal makes a PortalTask.
app = Celery("q_portal", task_cls=PortalTask)
# Every CELERY_* Django setting configures Celery (see settings/base.py).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender, **kwargs):
    """The embedded filesystem broker (no REDIS_URL) needs its folders to exist
    before the web process or the worker touches them."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
