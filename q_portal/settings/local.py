"""The `make run` demo: DEBUG on, SQLite and a folder broker unless the
environment names real services, emails printed to the console after the outbox
has recorded them, and MFA for staff optional so every role can be explored."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
REQUIRE_MFA_FOR_STAFF = env.bool("REQUIRE_MFA_FOR_STAFF", default=False)
# One line per email in the worker's output (subject, recipients, first link); the
# whole email is in the outbox, readable in the admin.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="q_portal.outbox.backends.DemoLogBackend")
LOGGING["loggers"]["q_portal.outbox.demo"] = {"level": "INFO"}
