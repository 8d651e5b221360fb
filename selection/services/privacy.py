"""Subject access and erasure, across every app (so in the top layer).

Erasure is run by the programme team (or an administrator) with a recorded
reason, not by the person themselves: the right to erasure has exceptions a
person cannot judge for themselves (an application still being decided, a
member's place, records kept for an appeal), and a UK public body must check
each request and answer it within a month. The person asks; the team erases.

What erasure keeps: every round's statistics. Applications are anonymised (as the
retention policy does), not deleted, so scores, decisions and counts stay. A
reviewer's account becomes an anonymous placeholder instead of being deleted:
assignments and reviews hang off it (deleting it would delete the reviews and
change other applicants' scores, and normalisation is per reviewer)."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.choices import ApplicationStatus
from applications.models import (
    Application,
    CohortUpload,
    Nomination,
    NominatorOrganisation,
    UpdateSubscription,
)
from applications.services.retention import (
    applications_anonymise,
    audit_entries_about,
    audit_entries_redact,
    nominations_anonymise,
)
from members.models import MemberProfile, User
from members.models.discussions import Post, PostReport, Thread
from members.models.membership import CommunityMembership
from q_portal.audit.models import AuditEntry
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from q_portal.personal_data import sections as app_sections

from ..models import Assignment, ReviewerProfile
from ..selectors.privacy import DataSubject, audit_targets_of
from .equality import equality_person_erase
from .retention import reviews_anonymise

ERASED_DOMAIN = "erased.invalid"


def personal_data_export_record(*, subject: DataSubject, by, file_format: str, selection_work=()) -> None:
    """Audit that someone saw or downloaded what is held about a person (one's
    own, or the programme team's subject access request), with the parts of the
    team's working on their applications (`SelectionWork`) it held: for a
    download to the person, the team's choice of what to release."""
    audit_log(
        actor=by,
        action="privacy.export",
        target=subject.user,
        summary=_("Personal data exported (%(format)s)") % {"format": file_format},
        changes={
            "email": subject.email,
            "format": file_format,
            "own": subject.user is not None and by == subject.user,
            "selection_work": sorted(selection_work),
        },
    )


def _refuse_unless_erasable(subject: DataSubject, reason: str, by) -> None:
    if not reason:
        raise PortalError(_("Give the reason for erasing this person's data."), field="reason")
    user = subject.user
    if user is None:
        return
    if user.pk == by.pk:
        raise PortalError(_("You cannot erase your own account. Ask another member of the programme team."))
    if user.is_superuser and not by.is_superuser:
        raise PortalError(_("Only an administrator can erase an administrator's account."))


def _placeholder(user: User) -> None:
    """Turn an account into an anonymous placeholder that cannot sign in (its
    sessions end: they are tied to the password, now unusable). For a reviewer's
    account: their assignments and reviews hang off it, and the round's scores
    need them."""
    user.email = f"erased-{user.pk}@{ERASED_DOMAIN}"
    user.display_name = _("Erased account %(number)s") % {"number": user.pk}
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.save(
        update_fields=["email", "display_name", "password", "is_active", "is_staff", "is_superuser", "last_login"]
    )
    user.groups.clear()
    user.user_permissions.clear()
    user.emailaddress_set.all().delete()
    user.authenticator_set.all().delete()
    user.socialaccount_set.all().delete()  # linked work identities (q_portal/sso)
    ReviewerProfile.objects.filter(user=user).delete()
    NominatorOrganisation.objects.filter(user=user).delete()
    CohortUpload.objects.filter(uploaded_by=user).delete()


def _redact_name_in_entries(user: User, subject: DataSubject) -> int:
    """What they did, and what was done to their work, stays on record; their name
    and addresses leave its wording, whoever's entry it is ("assigned Jane Doe").
    A name too short to be told from other words is left."""
    names = [name for name in (user.display_name.strip(), *subject.emails) if len(name) >= 4]
    mentions = Q(pk__in=[])
    for name in names:
        mentions |= Q(summary__contains=name)
    changed = []
    for entry in AuditEntry.objects.filter(mentions).only("pk", "summary"):
        summary = entry.summary
        for name in names:
            summary = summary.replace(name, _("[erased]"))
        entry.summary = summary
        changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["summary"], batch_size=500)
    return len(changed)


def _groups_erase(user: User) -> dict[str, int]:
    """Counts of what goes with the member profile in groups: memberships and
    reports of posts are deleted with it; threads and posts stay in their
    discussions by "a former member" (their author unset), as the members app
    keeps them."""
    return {
        "group_memberships_deleted": CommunityMembership.objects.filter(member__user=user).count(),
        "group_posts_left_without_author": Post.objects.filter(author__user=user).count()
        + Thread.objects.filter(author__user=user).count(),
        "group_post_reports_deleted": PostReport.objects.filter(reporter__user=user).count(),
    }


@transaction.atomic
def person_erase(*, subject: DataSubject, reason: str, by) -> dict[str, int]:
    """Erase everything held about a person while keeping the selection statistics:
    their applications are anonymised (drafts never submitted are deleted) with
    the reviewers' comments on them; nominations of them are anonymised; their
    registrations for updates, the emails sent to them, their member profile (with
    pledge, messages, communities and photo), their event registrations, event
    pledges and calendar feed, their exchange supports and team places, and their
    account are deleted; their group posts and threads, exchange ideas, comments
    and proposals stay by no one (`q_portal.personal_data`); a
    reviewer's account becomes an anonymous placeholder keeping their reviews
    (an accepted nomination keeps its counts without the person); audit entries about them are redacted and
    their name leaves the wording of any other. Their equality monitoring answers
    are deleted, the rounds keeping their counts by category (`StageTally`).
    Suppressions of their address stay, so it is never emailed again. Side effect:
    one audit entry with the counts and the reason (never the address). Returns the counts."""
    reason = reason.strip()
    _refuse_unless_erasable(subject, reason, by)
    user = User.objects.select_for_update().filter(pk=subject.user.pk).first() if subject.user else None
    now = timezone.now()
    counts: dict[str, int] = {}

    counts["audit_entries_redacted"] = audit_entries_redact(
        entries=AuditEntry.objects.filter(audit_targets_of(subject))
    )
    # Before anything is unlinked: the rounds keep what the person counted for.
    counts["equality_answers_deleted"] = equality_person_erase(user=user, emails=subject.emails)
    application_counts, nominations_anonymised = _applications_erase(user, now=now)
    counts |= application_counts
    counts |= _addresses_erase(subject, user, nominations_anonymised=nominations_anonymised)
    if user is not None:
        counts |= _groups_erase(user)
        for section in app_sections():
            if section.erase is not None:
                counts |= section.erase(user)
    counts["member_profiles_deleted"] = _profile_erase(user)
    counts |= _account_erase(user, subject)

    audit_log(
        actor=by,
        action="privacy.erase",
        summary=_("A person's data was erased"),
        changes={**counts, "reason": reason, "account": subject.user.pk if subject.user else None},
    )
    return counts


def _applications_erase(user, *, now) -> tuple[dict[str, int], int]:
    """Delete the person's drafts never submitted, anonymise their other
    applications and the reviews of them. Returns the counts, and how many
    nominations the anonymised applications took with them."""
    counts = {}
    applications = Application.objects.filter(applicant=user) if user else Application.objects.none()
    counts["draft_applications_deleted"] = (
        applications.filter(status=ApplicationStatus.DRAFT, reference__isnull=True)
        .delete()[1]
        .get(Application._meta.label, 0)
    )
    application_ids = list(applications.values_list("pk", flat=True))
    anonymised = applications_anonymise(applications=Application.objects.filter(pk__in=application_ids), now=now)
    counts["applications_anonymised"] = anonymised.applications
    counts |= reviews_anonymise(applications=Application.objects.filter(pk__in=application_ids))
    return counts, anonymised.nominations


def _addresses_erase(subject: DataSubject, user, *, nominations_anonymised: int) -> dict[str, int]:
    """Anonymise the nominations of the person (by address or as nominee), and
    delete their registrations for updates and the emails sent to them."""
    counts = {}
    by_address = Q(pk__in=[])
    for address in subject.emails:
        by_address |= Q(email__iexact=address)
    nominations = Nomination.objects.filter(by_address | (Q(nominee=user) if user else Q(pk__in=[])))
    audit_entries_redact(entries=audit_entries_about(model=Nomination, ids=nominations.values_list("pk", flat=True)))
    counts["nominations_anonymised"] = nominations_anonymised + nominations_anonymise(nominations=nominations)
    counts["update_registrations_deleted"] = (
        UpdateSubscription.objects.filter(by_address).delete()[1].get(UpdateSubscription._meta.label, 0)
    )
    sent_to = Q(pk__in=[])
    for address in subject.emails:
        sent_to |= Q(to__iexact=address)
    # An email a worker is sending this moment is left to finish; the rest go.
    counts["emails_deleted"] = (
        OutboundEmail.objects.filter(sent_to)
        .exclude(status=OutboundEmail.Status.SENDING)
        .delete()[1]
        .get(OutboundEmail._meta.label, 0)
    )
    return counts


def _profile_erase(user) -> int:
    """Delete the member profile, and its photo once the erasure is committed;
    return how many profiles were deleted."""
    profile = MemberProfile.objects.filter(user=user).first() if user else None
    if profile is None:
        return 0
    if profile.photo:
        photo = profile.photo
        transaction.on_commit(lambda: photo.storage.delete(photo.name))
    profile.delete()
    return 1


def _account_erase(user, subject: DataSubject) -> dict[str, int]:
    """Delete the account, or keep a reviewer's as an anonymous placeholder
    holding their reviews; their name leaves the wording of audit entries."""
    counts = {"accounts_deleted": 0, "accounts_kept_as_placeholder": 0}
    if user is not None:
        _redact_name_in_entries(user, subject)
        if Assignment.objects.filter(reviewer=user).exists():
            _placeholder(user)
            counts["accounts_kept_as_placeholder"] = 1
        else:
            user.delete()
            counts["accounts_deleted"] = 1
    return counts
