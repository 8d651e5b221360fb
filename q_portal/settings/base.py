"""Settings shared by every environment, read from the environment (django-environ).

`local` (the `make run` demo), `test` and `production` import this and change only
what differs. Nothing secret has a default that production could fall back on:
`production` requires SECRET_KEY, DATABASE_URL, REDIS_URL and ALLOWED_HOSTS.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

from q_portal.sso.config import apps_from_environment, provider_origins

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications ---------------------------------------------------------------

INSTALLED_APPS = [
    "q_portal.apps.PortalAdminConfig",  # django.contrib.admin, signed into through allauth
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "csp",
    "django_celery_beat",
    "anymail",  # production's email provider and its delivery webhooks (q_portal.outbox.provider_events)
    # Cross-cutting infrastructure, usable by every app below.
    "q_portal.audit",
    "q_portal.sso",
    "q_portal.outbox",
    "q_portal.retention",
    # The portal's apps, lowest layer first (see DESIGN.md §3).
    "members",
    "applications",
    "outreach",
    "equality",
    "selection",
    "events",
    "exchange",
    "funding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed when the browser accepts it (a board page: 170 KB to 15 KB), with
    # Django's BREACH mitigation; static files are compressed by WhiteNoise before this.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "q_portal.sessions.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "q_portal.sso.middleware.ProviderMfaMiddleware",
]

ROOT_URLCONF = "q_portal.urls"
WSGI_APPLICATION = "q_portal.wsgi.application"
ASGI_APPLICATION = "q_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "q_portal.context_processors.portal",
                "q_portal.context_processors.choices",
            ],
            # The portal's own tags, for templates of any app (q_portal is not an app).
            "libraries": {
                "portal_fields": "q_portal.templatetags.portal_fields",
                "portal_time": "q_portal.templatetags.portal_time",
            },
        },
    },
]

# Django's form renderer, with every <select> written in Python (q_portal/widgets.py).
FORM_RENDERER = "q_portal.widgets.PortalFormRenderer"

# The choices classes every template may compare a status with, by the name it
# uses (`{% if wave.status == WaveStatus.DRAFT %}`); q_portal imports none of the
# apps, so they are named here, not imported.
TEMPLATE_CHOICES = {
    "AdjustmentStatus": "applications.choices.AdjustmentStatus",
    "ApplicationOutcome": "applications.choices.ApplicationOutcome",
    "ApplicationStatus": "applications.choices.ApplicationStatus",
    "AudienceCombine": "outreach.audiences.Combine",
    "AssessmentStatus": "exchange.choices.AssessmentStatus",
    "AssessorStatus": "exchange.choices.AssessorStatus",
    "CallStage": "exchange.choices.Stage",
    "CommunityStatus": "members.choices.CommunityStatus",
    "CriterionFeedbackStatus": "selection.choices.FeedbackStatus",
    "DecisionOutcome": "selection.choices.DecisionOutcome",
    "EventStatus": "events.choices.EventStatus",
    "InterestStatus": "members.choices.InterestStatus",
    "JoinStatus": "exchange.choices.JoinStatus",
    "MembershipStatus": "members.choices.MembershipStatus",
    "NominationStatus": "applications.models.nominations.NominationStatus",
    "PlaceOfferStatus": "selection.choices.PlaceOfferStatus",
    "ProposalFeedbackStatus": "exchange.choices.FeedbackStatus",
    "ProposalStatus": "exchange.choices.ProposalStatus",
    "QueueFilter": "selection.choices.QueueFilter",
    "RegistrationStatus": "events.choices.RegistrationStatus",
    "ReleaseRunStatus": "selection.choices.ReleaseRunStatus",
    "ReportStatus": "members.choices.ReportStatus",
    "ReviewStatus": "selection.choices.ReviewStatus",
    "RoundStatus": "applications.choices.RoundStatus",
    "SubscriptionStatus": "applications.choices.SubscriptionStatus",
    "TeamRole": "exchange.choices.TeamRole",
    "VoteStatus": "funding.choices.VoteStatus",
    "WaitlistPromotion": "selection.choices.WaitlistPromotion",
    "WaveKind": "outreach.models.WaveKind",
    "WaveStatus": "outreach.models.WaveStatus",
}

# --- Data -----------------------------------------------------------------------

# An SQLite file when DATABASE_URL is unset (or empty), so `make run` needs no server.
DATABASES = {"default": env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web process and worker write at once: take the write lock at the
    # start of each transaction, so a second writer waits instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    # Redis, or each process's memory while Redis does not answer (q_portal/cache.py
    # says why): signing in never depends on Redis being up.
    CACHES = {"default": {"BACKEND": "q_portal.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
else:
    # The demo's cache is a folder, so the web process and the worker share one
    # rate-limit and lock store without a server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / ".cache" / "django"),
        }
    }

# --- Accounts -------------------------------------------------------------------

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
# Never say whether an address has an account: signup and password reset answer
# the same way for known and unknown addresses, and email the owner instead.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Q] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_ADAPTER = "q_portal.accounts.PortalAccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
ACCOUNT_FORMS = {
    "login": "q_portal.account_pages.LoginForm",
    "add_email": "q_portal.account_pages.AddEmailForm",
    "change_password": "q_portal.account_pages.ChangePasswordForm",
    "set_password": "q_portal.account_pages.SetPasswordForm",
    "reset_password_from_key": "q_portal.account_pages.ResetPasswordKeyForm",
}
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated here so the policy is visible in one place.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# Behind one reverse proxy (nginx, a load balancer) set this to 1 so rate limits
# count the real client, not the proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Q Portal"
# Accept the code of the 30-second step before or after too (RFC 6238 §5.2), so a
# code typed as the step turns over, or on a phone a few seconds adrift, still works.
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "q_portal.accounts.PortalMFAAdapter"

# Reviewers, the programme team and administrators must set up MFA before they
# see any application. Off only in the `make run` demo.
REQUIRE_MFA_FOR_STAFF = env.bool("REQUIRE_MFA_FOR_STAFF", default=True)

# Single sign-on with OpenID Connect identity providers (q_portal/sso, README
# "Signing in with an NHS account"): none unless SSO_PROVIDERS names some.
SOCIALACCOUNT_ADAPTER = "q_portal.sso.adapter.PortalSocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "q_portal.sso.provider.PortalOpenIDConnectProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": apps_from_environment(env),
    },
}
# An identity whose email matches an existing account is never signed in to it, nor
# linked to it, by that match: the owner signs in (password, or a reset link sent to
# the address) and links it from their account. allauth then emails the owner.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # starting a sign-in is a POST (CSRF-protected)
SOCIALACCOUNT_STORE_TOKENS = False  # the portal calls no provider API after sign-in
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SSO_REQUESTS_TIMEOUT", default=10)

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
# The age above is inactivity, not since sign-in: q_portal.sessions.SessionRefreshMiddleware
# writes the session when it changes or at most once every SESSION_REFRESH_SECONDS.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Email ----------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Q Portal <noreply@q-portal.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in emails (unsubscribe, invitations) start with this.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=100)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
# A row a worker claimed and did not finish is sent again after this long (its
# worker died). Keep it well above CELERY_TASK_TIME_LIMIT.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=15 * 60)

# Email waves (outreach.services): how often beat's dispatcher runs, how
# many send tasks a wave gets at once (about one per worker process), how long one
# task sends before handing over to its continuation, and how long a sending wave
# may be quiet before the dispatcher gives it new tasks.
WAVE_DISPATCH_SECONDS = env.int("WAVE_DISPATCH_SECONDS", default=15)
WAVE_SEND_TASKS = env.int("WAVE_SEND_TASKS", default=2)
WAVE_TASK_SECONDS = env.int("WAVE_TASK_SECONDS", default=60)
WAVE_STALL_SECONDS = env.int("WAVE_STALL_SECONDS", default=90)

# --- Celery ---------------------------------------------------------------------

# Without REDIS_URL, kombu's filesystem transport: a broker that needs no server,
# shared by the web process and the worker through a folder.
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(BASE_DIR / ".broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task unacknowledged this long is delivered again. Nothing in the
        # portal schedules an ETA or countdown (beat and the database do the
        # waiting: scheduled waves are rows the dispatcher picks up), and every
        # task is far shorter than this, so nothing is redelivered while it runs.
        "visibility_timeout": 60 * 60,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
CELERY_TIMEZONE = "Europe/London"
# A queue of its own lets a test's or a benchmark's workers share a Redis safely.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60 * 24
# Acknowledge after the task has run, so a task whose worker dies is not lost...
CELERY_TASK_ACKS_LATE = True
# ...and requeue it when the worker process is killed (acks_late alone would ack it).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per worker process: long batches don't hold back short ones.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task may run 5 minutes; at 4 it is told to stop cleanly (SoftTimeLimitExceeded).
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
# Fail at once if the broker is down when queueing, rather than hang a web request.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # The outbox's safety net: anything queued whose task was lost, or whose
    # retry time has come, is sent by this sweep.
    "outbox-send-due": {"task": "outbox.send_due", "schedule": 60.0},
    # Offers of places not answered by their deadline lapse (and, in rounds that
    # promote automatically, go to the waiting list) within 15 minutes of it.
    "selection-lapse-place-offers": {"task": "selection.place_offers_lapse", "schedule": 15 * 60.0},
    # Each round in review: its progress counted (applications, reviews), for the morning view.
    "selection-count-progress": {"task": "selection.progress_count_due", "schedule": 60.0},
    # Releases of decisions whose task was lost (or queued while the broker was down).
    "selection-resume-releases": {"task": "selection.release_runs_resume", "schedule": 60.0},
    # Retention: the whole schedule (q_portal.retention), in bounded batches.
    "applications-retention": {"task": "retention.apply", "schedule": crontab(minute=30, hour=2)},
    # Email waves: start scheduled waves and deadline reminders when due, and look
    # after waves being sent (recover, re-queue), every ~15 seconds.
    "applications-dispatch-waves": {"task": "applications.dispatch_waves", "schedule": float(WAVE_DISPATCH_SECONDS)},
    # Random coffee: members who opted in are paired at 9 am on the 1st of each month.
    "members-pair-random-coffee": {
        "task": "members.pair_random_coffee",
        "schedule": crontab(minute=0, hour=9, day_of_month=1),
    },
    # Events: reminders a week and a day before; unanswered offers of places lapse.
    "events-send-reminders": {"task": "events.send_reminders", "schedule": 15 * 60.0},
    "events-lapse-offers": {"task": "events.lapse_offers", "schedule": 15 * 60.0},
    # Special interest groups: the daily digest of new posts, at 7 am.
    "members-group-digests": {"task": "members.send_group_digests", "schedule": crontab(minute=0, hour=7)},
    # Onboarding emails on days 3, 10 and 30 after joining.
    "members-onboarding": {"task": "members.send_onboarding", "schedule": crontab(minute=30, hour=9)},
    # Q Exchange: yesterday's digest to members who chose one email a day.
    "exchange-send-digests": {"task": "exchange.send_digests", "schedule": crontab(minute=0, hour=7)},
    # The member vote: open (eligibility snapshot) and close (then count) votes on time.
    "funding-open-and-close-votes": {"task": "funding.open_and_close_votes", "schedule": 60.0},
    # Funded projects: reminders before an update is due, and to the programme team when late.
    "funding-project-reminders": {"task": "funding.project_reminders", "schedule": crontab(minute=15, hour=8)},
    # Funded projects: yesterday's comments on updates to team members who chose a daily digest.
    "funding-send-digests": {"task": "funding.send_digests", "schedule": crontab(minute=5, hour=7)},
}

# --- Retention (see the privacy notice) -------------------------------------------

RETENTION_ABANDONED_DRAFT_DAYS = env.int("RETENTION_ABANDONED_DRAFT_DAYS", default=90)
RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS = env.int("RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS", default=30)
# Unsuccessful and withdrawn applications are anonymised this many months after
# the released decision or the withdrawal.
RETENTION_ANONYMISE_MONTHS = env.int("RETENTION_ANONYMISE_MONTHS", default=12)
# The rest of the schedule (q_portal.retention; each app's entries in <app>/retention.py).
# Outbox rows lose their address and contents this long after sending (the row stays, as a count).
RETENTION_OUTBOX_MONTHS = env.int("RETENTION_OUTBOX_MONTHS", default=12)
# A cohort upload's rows lose the nominees' details this long after the import
# (an upload never imported is deleted as long after it was made).
RETENTION_COHORT_UPLOAD_DAYS = env.int("RETENTION_COHORT_UPLOAD_DAYS", default=30)
# Audit entries, and the log of subject access requests, are deleted after this long.
RETENTION_AUDIT_YEARS = env.int("RETENTION_AUDIT_YEARS", default=6)
RETENTION_SUBJECT_ACCESS_LOG_YEARS = env.int("RETENTION_SUBJECT_ACCESS_LOG_YEARS", default=6)
# A member's profile (and accepted application) is anonymised this long after the membership ended.
RETENTION_ENDED_MEMBERSHIP_MONTHS = env.int("RETENTION_ENDED_MEMBERSHIP_MONTHS", default=12)
# Messages between members, and abuse reports once resolved.
RETENTION_CONTACT_MESSAGE_MONTHS = env.int("RETENTION_CONTACT_MESSAGE_MONTHS", default=24)
RETENTION_ABUSE_REPORT_MONTHS = env.int("RETENTION_ABUSE_REPORT_MONTHS", default=24)
# Registrations for updates whose person unsubscribed (the suppression stays).
RETENTION_UNSUBSCRIBED_DAYS = env.int("RETENTION_UNSUBSCRIBED_DAYS", default=30)
# Work per run: at most this many rows per rule; while more are due the task runs
# again at once, up to this many runs a day.
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=1000)
RETENTION_RUNS_PER_DAY = env.int("RETENTION_RUNS_PER_DAY", default=50)
# Equality monitoring analysis: any count below this shows as "fewer than N" (issue 16).
EQUALITY_SUPPRESS_BELOW = env.int("EQUALITY_SUPPRESS_BELOW", default=5)

# --- Internationalisation -------------------------------------------------------

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Uploads (members' photos) on S3-compatible object storage when a bucket is
# named, so no web server keeps a file of its own (docker-compose.yml: MinIO);
# the local folder otherwise (`make run`). The photos are private: the portal
# reads them through the storage and serves them itself (members.views.member).
if env("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            # The keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (boto3 reads them).
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- Security -------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# django-csp 4: no inline script or style anywhere; everything from our origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *provider_origins(SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"])],
    },
}
# django-permissions-policy: the portal uses none of these browser features.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}

# --- Logging --------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Q Exchange's member vote (funding/) -------------------------------------------

# A voter's record loses the member this many months after the vote closes (the
# anonymous token and votes stay, so the published totals can be checked).
RETENTION_VOTE_MONTHS = env.int("RETENTION_VOTE_MONTHS", default=12)

# --- Contacting the programme team (issue 14) ----------------------------------------

# Where the pages' "contact the Q programme team" links go.
PROGRAMME_CONTACT_EMAIL = env("PROGRAMME_CONTACT_EMAIL", default="q-programme@example.org")
