"""The audit log's entries in the retention schedule (see `q_portal.retention`).
Personal values in an entry are redacted earlier, when what it describes is
deleted or anonymised (each rule's `redact_audit`); the entry itself goes here."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from q_portal.retention import BASIS_LEGAL_OBLIGATION, BASIS_LEGITIMATE_INTERESTS, End, Period, Rule, register

from .models import AuditEntry

# The log of data protection requests: what was shown or exported to whom, and erasures.
SUBJECT_ACCESS_ACTIONS = ("privacy.export", "privacy.erase")

register(
    Rule(
        "audit.AuditEntry",
        holds=_(
            "The log of changes to applications, scores, decisions and accounts: who did what and when; "
            "names and wording are removed once the record it describes is deleted or anonymised"
        ),
        basis=BASIS_LEGITIMATE_INTERESTS,
        end=End.DELETE,
        period=Period("RETENTION_AUDIT_YEARS", 6, "years"),
        after=_("the change"),
        due=lambda cutoff: AuditEntry.objects.filter(Q(at__lt=cutoff) & ~Q(action__in=SUBJECT_ACCESS_ACTIONS)),
        redact_audit=False,
    )
)
register(
    Rule(
        "audit.AuditEntry",
        name="audit.AuditEntry:subject-access",
        holds=_("The log of data protection requests: copies of your data given to you, and erasures"),
        basis=BASIS_LEGAL_OBLIGATION,
        end=End.DELETE,
        period=Period("RETENTION_SUBJECT_ACCESS_LOG_YEARS", 6, "years"),
        after=_("the request"),
        due=lambda cutoff: AuditEntry.objects.filter(at__lt=cutoff, action__in=SUBJECT_ACCESS_ACTIONS),
        redact_audit=False,
    )
)
