"""`make test`: PostgreSQL and Redis from the environment (the local standard
ports by default), MFA for staff on, fast password hashing, emails kept in memory."""

from .base import *  # noqa: F403
from .base import env

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/q_portal")}
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Rate limits and locks are per test process, so tests in parallel never see each
# other's counters; Redis itself is exercised as the broker.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
# Tasks run in the test process unless a test starts a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

DEBUG = False
REQUIRE_MFA_FOR_STAFF = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the source folders, as `runserver` does: no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A session is written at most every few minutes (the cap: 1 % of its age), so a
# page's query count does not depend on how long the test took to build its data.
SESSION_REFRESH_SECONDS = 60 * 60
