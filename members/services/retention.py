"""Members' retention services, run by `members.retention`'s entries in the
retention schedule (`q_portal.retention`)."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet

from ..choices import MembershipStatus, ReportStatus, Visibility
from ..models import AbuseReport, ContactMessage, MemberImport, MemberProfile, Pledge


def member_profiles_ended_before(*, cutoff: datetime) -> QuerySet[MemberProfile]:
    """Profiles whose membership ended before `cutoff`, not yet anonymised."""
    return MemberProfile.objects.filter(status=MembershipStatus.ENDED, status_changed_at__lt=cutoff).exclude(
        full_name=""
    )


def member_profiles_anonymise(profiles: QuerySet[MemberProfile], now: datetime) -> int:
    """Clear what says who a former member is and what they wrote (name, job,
    about, skills, links, photo, pledge, the reason the membership ended); keep
    what the growth figures count (status, source, dates, cohort, role, region,
    organisation). The photo file is deleted after commit. Returns how many changed."""
    photos = list(profiles.exclude(photo="").values_list("photo", flat=True))
    if photos:
        storage = MemberProfile._meta.get_field("photo").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in photos])
    Pledge.objects.filter(member__in=profiles.values("pk")).update(text="")
    return profiles.update(
        full_name="",
        job_title="",
        organisation_other="",
        status_reason="",
        bio="",
        skills="",
        methods="",
        links=[],
        photo="",
        search_vector=None,
        visibility=Visibility.HIDDEN,
        contact_enabled=False,
        coffee_opt_in=False,
        updated_at=now,
    )


def contact_messages_sent_before(*, cutoff: datetime) -> QuerySet[ContactMessage]:
    """Messages between members sent before `cutoff`, except those an open abuse
    report is about (the moderators still need them)."""
    return ContactMessage.objects.filter(sent_at__lt=cutoff).exclude(reports__status=ReportStatus.OPEN)


def abuse_reports_resolved_before(*, cutoff: datetime) -> QuerySet[AbuseReport]:
    return AbuseReport.objects.filter(Q(status=ReportStatus.RESOLVED) & Q(resolved_at__lt=cutoff))


def member_imports_staged_before(*, cutoff: datetime) -> QuerySet[MemberImport]:
    """Founding-members files uploaded before `cutoff` and never confirmed."""
    return MemberImport.objects.filter(created_at__lt=cutoff)
