"""Production: everything secret or site-specific comes from the environment
with no default, and every `check --deploy` hardening is on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT compiles any query it costs above 100,000 (a count over a
# round's 30,000 assignments): tens of milliseconds spent to save less, on
# every page. The portal's queries are short; compile none of them.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
REDIS_URL = env("REDIS_URL")
CACHES = {"default": {"BACKEND": "q_portal.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
# Sending through the organisation's provider: EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend
# (e.g. amazon_ses, postmark, sendgrid) and the provider's keys in ANYMAIL_PROVIDER_SETTINGS, a JSON
# object of anymail's settings (e.g. {"POSTMARK_SERVER_TOKEN": "..."}). With ANYMAIL_WEBHOOK_SECRET
# ("user:password") set, the provider's delivery webhooks are served under /email/provider/ and its
# bounces and complaints become suppressions (q_portal.outbox.provider_events).
ANYMAIL = {
    **env.json("ANYMAIL_PROVIDER_SETTINGS", default={}),
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
}
ANYMAIL_WEBHOOKS = bool(ANYMAIL["WEBHOOK_SECRET"])
REQUIRE_MFA_FOR_STAFF = env.bool("REQUIRE_MFA_FOR_STAFF", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The TLS-terminating proxy in front of gunicorn says the request was https.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
