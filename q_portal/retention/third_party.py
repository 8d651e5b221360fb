"""The schedule's entries for models the portal installs but does not own:
Django's sessions and admin log, allauth's addresses, confirmations, second
factors and (when installed) social accounts, and the tables that hold none."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from .registry import BASIS_LEGITIMATE_INTERESTS, End, Period, Rule, not_personal, register

WITH_ACCOUNT = _("As long as the account; deleted when it is closed or erased")


def _model(label: str):
    return apps.get_model(label)


register(
    Rule(
        "sessions.Session",
        holds=_("Signed-in sessions: which account is signed in on a browser"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.DELETE,
        # Expired sessions: the period is the session's own expiry, so nothing more.
        period=Period("RETENTION_SESSION_GRACE_DAYS", 0, "days"),
        after=_("the session expires"),
        kept=_("Until the session expires (after 8 hours without activity, or on signing out)"),
        due=lambda cutoff: _model("sessions.Session").objects.filter(expire_date__lt=cutoff),
        redact_audit=False,
    )
)

if apps.is_installed("django.contrib.admin"):
    register(
        Rule(
            "admin.LogEntry",
            holds=_("The administrators' change log: who changed which record, with its name"),
            basis=BASIS_LEGITIMATE_INTERESTS,
            end=End.DELETE,
            period=Period("RETENTION_AUDIT_YEARS", 6, "years"),
            after=_("the change"),
            due=lambda cutoff: _model("admin.LogEntry").objects.filter(action_time__lt=cutoff),
            public=False,
            redact_audit=False,
        )
    )

if apps.is_installed("allauth.account"):
    register(
        Rule(
            "account.EmailAddress",
            holds=_("Your email addresses and whether each is confirmed"),
            basis=BASIS_LEGITIMATE_INTERESTS,
            end=End.WITH,
            kept=WITH_ACCOUNT,
        )
    )
    register(
        Rule(
            "account.EmailConfirmation",
            holds=_("Links sent to confirm an email address"),
            basis=BASIS_LEGITIMATE_INTERESTS,
            end=End.DELETE,
            period=Period("ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", 3, "days"),
            after=_("the link was sent"),
            due=lambda cutoff: _model("account.EmailConfirmation").objects.filter(created__lt=cutoff),
            public=False,
            redact_audit=False,
        )
    )

if apps.is_installed("allauth.mfa"):
    register(
        Rule(
            "mfa.Authenticator",
            holds=_("Your two-factor authentication settings and recovery codes"),
            basis=BASIS_LEGITIMATE_INTERESTS,
            end=End.WITH,
            kept=WITH_ACCOUNT,
        )
    )

if apps.is_installed("allauth.socialaccount"):
    register(
        Rule(
            "socialaccount.SocialAccount",
            holds=_("The single sign-on accounts linked to yours, and what their provider told us"),
            basis=BASIS_LEGITIMATE_INTERESTS,
            end=End.WITH,
            kept=WITH_ACCOUNT,
        )
    )
    register(
        Rule(
            "socialaccount.SocialToken",
            holds=_("Sign-in tokens from a single sign-on provider"),
            basis=BASIS_LEGITIMATE_INTERESTS,
            end=End.WITH,
            kept=WITH_ACCOUNT,
            public=False,
        )
    )
    not_personal(
        "socialaccount.SocialApp",
        reason="A single sign-on provider's configuration (client id and secret), set by an administrator.",
    )

not_personal("auth.Group", reason="Roles: names of roles, not of people.")
not_personal("auth.Permission", reason="Django's permission names.")
not_personal("contenttypes.ContentType", reason="The names of the portal's tables.")
if apps.is_installed("django_celery_beat"):
    for model in ("SolarSchedule", "IntervalSchedule", "ClockedSchedule", "CrontabSchedule", "PeriodicTasks"):
        not_personal(f"django_celery_beat.{model}", reason="When periodic tasks run.")
    not_personal(
        "django_celery_beat.PeriodicTask",
        reason="The periodic tasks and their arguments, which are ids and settings, never a person's details.",
    )
