import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "q_portal.settings.local")

app = Celery("q_portal")
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
