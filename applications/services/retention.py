"""Recruitment's retention services: what `applications.retention` (the app's
entries in the retention schedule, `q_portal.retention`) and erasure run. What is
no longer needed is deleted, and the applications of people who were not selected
or withdrew, or whose membership ended long ago, are anonymised.

Anonymising keeps what the round's statistics need (round, route, region, role,
organisation, status, outcome, reference, dates, and selection's scores and
decisions) and clears everything that says who the person is or what they wrote."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from members.choices import MembershipStatus
from q_portal.audit.services import audit_entries_about, audit_entries_redact

from ..choices import ApplicationOutcome, ApplicationStatus, SubscriptionStatus
from ..models import Application, CohortUpload, CriterionResponse, Nomination, UpdateSubscription

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


# Released outcomes of people not selected: anonymised after RETENTION_ANONYMISE_MONTHS.
NOT_ACCEPTED = (ApplicationOutcome.UNSUCCESSFUL, ApplicationOutcome.WAITLISTED)

# An anonymised nomination's address ends so (it stays unique: nomination-<id>@…).
ANONYMISED_EMAIL_DOMAIN = "@anonymised.invalid"


@dataclass(frozen=True)
class Anonymised:
    applications: int
    nominations: int


def applications_due_for_anonymisation(*, cutoff: datetime) -> QuerySet[Application]:
    """Unsuccessful applications, and waiting-list ones never offered a place, whose
    decision was released, and withdrawn ones, before `cutoff`
    (RETENTION_ANONYMISE_MONTHS ago), not yet anonymised. (One offered a place from
    the waiting list is accepted, released again when offered.)"""
    return Application.objects.filter(anonymised_at__isnull=True).filter(
        Q(outcome__in=NOT_ACCEPTED, outcome_released_at__lt=cutoff)
        | Q(status=ApplicationStatus.WITHDRAWN, withdrawn_at__lt=cutoff)
    )


def nominations_anonymise(*, nominations: QuerySet[Nomination]) -> int:
    """Clear the nominee's details from nominations, keeping round, organisation,
    region, role, status and dates (quota use stays right), and cut the link to
    the application, which would name it again. The email address becomes a
    unique placeholder, as the one-nomination-per-address rule needs one; the
    link to the nominee's account goes too. No audit entry: the caller audits
    with counts. Returns how many changed."""
    ids = list(nominations.exclude(email__endswith=ANONYMISED_EMAIL_DOMAIN).values_list("pk", flat=True))
    return Nomination.objects.filter(pk__in=ids).update(
        nominee=None,
        full_name="",
        job_title="",
        statement="",
        application=None,
        email=Concat(Value("nomination-"), Cast("pk", CharField()), Value(ANONYMISED_EMAIL_DOMAIN)),
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


def abandoned_drafts(*, cutoff: datetime) -> QuerySet[Application]:
    """Drafts never submitted whose round closed before `cutoff`, not yet
    anonymised. They are anonymised, not deleted: the insight funnel counts the
    applications started."""
    return Application.objects.filter(
        status=ApplicationStatus.DRAFT, reference__isnull=True, round__closes_at__lt=cutoff, anonymised_at__isnull=True
    )


def unconfirmed_subscriptions(*, cutoff: datetime) -> QuerySet[UpdateSubscription]:
    """Registrations for updates never confirmed, made before `cutoff`."""
    return UpdateSubscription.objects.filter(status=SubscriptionStatus.PENDING, consented_at__lt=cutoff)


def unsubscribed_subscriptions(*, cutoff: datetime) -> QuerySet[UpdateSubscription]:
    """Registrations for updates whose person unsubscribed before `cutoff`, not yet
    anonymised (the suppression of the address stays, so they are never emailed again)."""
    return UpdateSubscription.objects.filter(
        status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at__lt=cutoff
    ).exclude(email__endswith=ANONYMISED_EMAIL_DOMAIN)


def subscriptions_anonymise(subscriptions: QuerySet[UpdateSubscription], now: datetime) -> int:
    """Remove the name and address (the address becomes a unique placeholder);
    region, role and dates stay, so the recruitment funnel's "registered" count
    stays right."""
    return subscriptions.update(
        name="", email=Concat(Value("subscription-"), Cast("pk", CharField()), Value(ANONYMISED_EMAIL_DOMAIN))
    )


def nominations_without_application(*, cutoff: datetime) -> QuerySet[Nomination]:
    """Nominations that never became an application (invited, opened, declined or
    withdrawn), in rounds closed before `cutoff`, not yet anonymised."""
    return Nomination.objects.filter(application__isnull=True, round__closes_at__lt=cutoff).exclude(
        email__endswith=ANONYMISED_EMAIL_DOMAIN
    )


def applications_of_former_members(*, cutoff: datetime) -> QuerySet[Application]:
    """Accepted applications of people whose membership ended before `cutoff`, or
    whose account is gone, not yet anonymised."""
    return Application.objects.filter(
        anonymised_at__isnull=True, outcome=ApplicationOutcome.ACCEPTED, outcome_released_at__lt=cutoff
    ).filter(
        Q(applicant__isnull=True)
        | Q(
            applicant__member_profile__status=MembershipStatus.ENDED,
            applicant__member_profile__status_changed_at__lt=cutoff,
        )
    )


def applications_apply_anonymisation(applications: QuerySet[Application], now: datetime) -> int:
    """The schedule's `apply` for applications: anonymise them (see `applications_anonymise`)."""
    return applications_anonymise(applications=applications, now=now).applications


def nominations_apply_anonymisation(nominations: QuerySet[Nomination], now: datetime) -> int:
    return nominations_anonymise(nominations=nominations)


def cohort_uploads_imported(*, cutoff: datetime) -> QuerySet[CohortUpload]:
    """Imported cohort uploads, imported before `cutoff`, whose rows still hold the
    nominees' details."""
    return CohortUpload.objects.filter(imported_at__lt=cutoff, personal_data_cleared_at__isnull=True)


def cohort_uploads_not_imported(*, cutoff: datetime) -> QuerySet[CohortUpload]:
    """Uploads previewed but never imported, made before `cutoff`."""
    return CohortUpload.objects.filter(imported_at__isnull=True, created_at__lt=cutoff)


def cohort_uploads_clear(uploads: QuerySet[CohortUpload], now: datetime) -> int:
    """Remove the personal columns of imported uploads: each row keeps its number
    and the columns it had errors in (what the import report needs), never the
    values typed or the reasons (which may quote them); the file's name goes."""
    changed = []
    for upload in uploads.only("pk", "rows"):
        upload.rows = [
            {"row": row.get("row"), "errors": [{"column": e.get("column")} for e in row.get("errors", [])]}
            for row in upload.rows
        ]
        upload.filename = ""
        upload.personal_data_cleared_at = now
        changed.append(upload)
    CohortUpload.objects.bulk_update(changed, ["rows", "filename", "personal_data_cleared_at"], batch_size=500)
    return len(changed)
