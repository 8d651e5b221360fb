"""The retention policy for recruitment data, run daily by Celery beat (through
`selection.services.retention.retention_apply`, which adds selection's part and
audits the run): what is no longer needed is deleted, and the applications of
people who were not selected or withdrew are anonymised once their period is over.

Anonymising keeps what the round's statistics need (round, route, region, role,
organisation, status, outcome, reference, dates, and selection's scores and
decisions) and clears everything that says who the person is or what they wrote."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from q_portal.audit.models import AuditEntry

from ..choices import ApplicationOutcome, ApplicationStatus, SubscriptionStatus
from ..models import Application, CriterionResponse, Nomination, NominationStatus, UpdateSubscription

# What an anonymised application keeps in each personal field.
ANONYMISED_APPLICATION = {
    "full_name": "",
    "job_title": "",
    "organisation_other": "",
    "route_evidence": "",
    "adjustment_request": "",
    "adjustment_response": "",
    "released_feedback": [],
    "applicant": None,
}


@dataclass(frozen=True)
class Anonymised:
    applications: int
    nominations: int


def applications_due_for_anonymisation(*, now: datetime) -> QuerySet[Application]:
    """Unsuccessful applications whose decision was released, and withdrawn ones,
    more than RETENTION_ANONYMISE_MONTHS ago, not yet anonymised."""
    cutoff = now - relativedelta(months=settings.RETENTION_ANONYMISE_MONTHS)
    return Application.objects.filter(anonymised_at__isnull=True).filter(
        Q(outcome=ApplicationOutcome.UNSUCCESSFUL, outcome_released_at__lt=cutoff)
        | Q(status=ApplicationStatus.WITHDRAWN, withdrawn_at__lt=cutoff)
    )


def nominations_anonymise(*, nominations: QuerySet[Nomination]) -> int:
    """Clear the nominee's details from nominations, keeping round, organisation,
    region, role, status and dates (quota use stays right), and cut the link to
    the application, which would name it again. The email address becomes a
    unique placeholder, as the one-nomination-per-address rule needs one. An
    accepted nomination keeps its nominee's account (the database requires one;
    an erased person's account is kept as an anonymous placeholder for it). No
    audit entry: the caller audits with counts. Returns how many changed."""
    ids = list(nominations.exclude(email__endswith="@anonymised.invalid").values_list("pk", flat=True))
    nominations = Nomination.objects.filter(pk__in=ids)
    nominations.exclude(status=NominationStatus.ACCEPTED).update(nominee=None)
    return nominations.update(
        full_name="",
        job_title="",
        statement="",
        application=None,
        email=Concat(Value("nomination-"), Cast("pk", CharField()), Value("@anonymised.invalid")),
    )


# A stored value kept when redacting an audit entry's changes: numbers, yes/no and
# choice values ("accept", "under_review") say nothing about the person.
_CHOICE_VALUE = re.compile(r"[a-z0-9_]{0,40}")
_REDACTED = object()


def _redacted(value):
    if isinstance(value, dict):
        kept = {key: _redacted(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item is not _REDACTED}
    if isinstance(value, list):
        return [item for item in map(_redacted, value) if item is not _REDACTED]
    if isinstance(value, str) and not _CHOICE_VALUE.fullmatch(value):
        return _REDACTED
    return value


def audit_entries_redact(*, entries: QuerySet[AuditEntry]) -> int:
    """Redact audit entries: the summary goes, and so does any text in the changes;
    what was done, when, by whom, to which object, and numbers and choices (scores,
    outcomes) stay. The one edit an audit entry ever gets: the person's right to
    be forgotten outweighs the record's wording. Returns how many changed."""
    changed = []
    for entry in entries.only("pk", "summary", "changes"):
        changes = _redacted(entry.changes)
        if entry.summary or changes != entry.changes:
            entry.summary, entry.changes = "", changes
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["summary", "changes"], batch_size=500)
    return len(changed)


def audit_entries_about(*, model, ids) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(model), target_id__in=[str(pk) for pk in ids]
    )


def applications_anonymise(*, applications: QuerySet[Application], now: datetime) -> Anonymised:
    """Anonymise the given applications (those not anonymised already): clear the
    personal fields and the criterion answers, unlink the applicant, anonymise the
    nomination that led to each, and redact the audit entries about them. Selection's
    free text about them (reviewers' comments) is `selection.services.retention`'s
    to clear. Idempotent. No audit entry of its own: the caller audits with counts."""
    ids = list(applications.filter(anonymised_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return Anonymised(applications=0, nominations=0)
    Application.objects.filter(pk__in=ids).update(anonymised_at=now, updated_at=now, **ANONYMISED_APPLICATION)
    CriterionResponse.objects.filter(application_id__in=ids).exclude(text="").update(text="")
    nominations = Nomination.objects.filter(application_id__in=ids)
    nomination_ids = list(nominations.values_list("pk", flat=True))
    nominations_changed = nominations_anonymise(nominations=nominations)
    audit_entries_redact(entries=audit_entries_about(model=Application, ids=ids))
    audit_entries_redact(entries=audit_entries_about(model=Nomination, ids=nomination_ids))
    return Anonymised(applications=len(ids), nominations=nominations_changed)


def recruitment_retention_apply(*, now: datetime) -> dict[str, int]:
    """Recruitment's part of the retention policy, in the caller's transaction:
    delete abandoned drafts (never submitted, their round closed more than
    RETENTION_ABANDONED_DRAFT_DAYS ago) and registrations for updates never
    confirmed within RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS, and anonymise the
    applications due (see `applications_due_for_anonymisation`). Returns the
    counts; the caller audits them."""
    draft_cutoff = now - timedelta(days=settings.RETENTION_ABANDONED_DRAFT_DAYS)
    subscription_cutoff = now - timedelta(days=settings.RETENTION_UNCONFIRMED_SUBSCRIPTION_DAYS)

    abandoned = Application.objects.filter(
        Q(status=ApplicationStatus.DRAFT) & Q(reference__isnull=True) & Q(round__closes_at__lt=draft_cutoff)
    )
    unconfirmed = UpdateSubscription.objects.filter(
        status=SubscriptionStatus.PENDING, consented_at__lt=subscription_cutoff
    )
    anonymised = applications_anonymise(applications=applications_due_for_anonymisation(now=now), now=now)
    return {
        "abandoned_drafts_deleted": abandoned.delete()[1].get(Application._meta.label, 0),
        "unconfirmed_subscriptions_deleted": unconfirmed.delete()[1].get(UpdateSubscription._meta.label, 0),
        "applications_anonymised": anonymised.applications,
        "nominations_anonymised": anonymised.nominations,
    }
