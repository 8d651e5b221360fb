"""The outbox's entries in the retention schedule (see `q_portal.retention`)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from q_portal.retention import BASIS_LEGITIMATE_INTERESTS, End, Period, Rule, not_personal, register

from .choices import Status
from .models import OutboundEmail

# Rows no worker will touch again.
FINISHED = (Status.SENT, Status.FAILED, Status.SUPPRESSED, Status.CANCELLED)


def emails_finished_before(cutoff) -> "OutboundEmail.objects":
    """Emails sent (or given up on) before `cutoff` that still hold an address."""
    return (
        OutboundEmail.objects.filter(status__in=FINISHED)
        .exclude(to="")
        .filter(Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, created_at__lt=cutoff))
    )


def emails_empty(emails, now) -> int:
    """Remove the address, subject, contents, headers and error; the row stays, so
    campaigns' and streams' counts of emails sent stay right."""
    return emails.update(to="", subject="", body_text="", body_html="", headers={}, last_error="", calendar="")


register(
    Rule(
        "outbox.OutboundEmail",
        holds=_("Copies of the emails we send you: your address, the subject and the message"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.AGGREGATE,
        period=Period("RETENTION_OUTBOX_MONTHS", 12, "months"),
        after=_("the email was sent"),
        due=emails_finished_before,
        apply=emails_empty,
    )
)
register(
    Rule(
        "outbox.Suppression",
        holds=_("Addresses that asked not to be emailed, or whose emails bounced"),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.KEEP,
        kept=_("As long as the portal sends email, so that an address that asked not to be emailed never is again"),
    )
)
not_personal("outbox.SendThrottle", reason="A campaign's sending pace: a campaign key and a time.")
