"""The `make run` demo: DEBUG on, SQLite and a folder broker unless the
environment names real services, emails printed to the console after the outbox
has recorded them, and MFA for staff optional so every role can be explored."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
REQUIRE_MFA_FOR_STAFF = env.bool("REQUIRE_MFA_FOR_STAFF", default=False)
