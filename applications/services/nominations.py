"""Nominations: a nominator puts people forward for a round within their
organisation's quota (one at a time or a cohort from a CSV file); each nominee is
invited by email with a signed link, and may start a prefilled application on the
nominated route or decline. The nominator may resend an invitation or withdraw a
nomination before the nominee submits. The programme team decides who nominates
for which organisation. Every change is audited."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Organisation, Region
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.outbox.services import email_queue
from q_portal.roles import Role
from q_portal.text import address_digest, single_line
from q_portal.transitions import status_move

from ..choices import ApplicationStatus, RouteKind
from ..models import (
    Application,
    CohortUpload,
    Nomination,
    NominationQuota,
    NominationStatus,
    NominatorOrganisation,
    Round,
    Route,
)

# Where a nomination may move, and by which service.
ALLOWED_TRANSITIONS: dict[NominationStatus, frozenset[NominationStatus]] = {
    NominationStatus.INVITED: frozenset(
        {NominationStatus.OPENED, NominationStatus.ACCEPTED, NominationStatus.DECLINED, NominationStatus.WITHDRAWN}
    ),
    NominationStatus.OPENED: frozenset(
        {NominationStatus.ACCEPTED, NominationStatus.DECLINED, NominationStatus.WITHDRAWN}
    ),
    # Withdrawing a started nomination is allowed only while the application is a draft.
    NominationStatus.ACCEPTED: frozenset({NominationStatus.WITHDRAWN}),
    NominationStatus.DECLINED: frozenset(),
    NominationStatus.WITHDRAWN: frozenset(),
}

INVITATION_SALT = "applications.nominations.invitation"
INVITATION_MAX_AGE = timedelta(days=30)
# A nominator may resend an invitation once a day, and at most this many times.
RESEND_INTERVAL = timedelta(hours=24)
MAX_INVITATIONS = 5
# A previewed cohort must be confirmed within this time, or uploaded again.
UPLOAD_MAX_AGE = timedelta(hours=2)


def _move(nomination: Nomination, to: NominationStatus) -> None:
    status_move(
        nomination,
        to=to,
        allowed=ALLOWED_TRANSITIONS,
        refusal=_("A nomination that is %(status)s cannot become %(to)s."),
    )


def _locked(nomination: Nomination) -> Nomination:
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("round", "organisation", "application")
        .get(pk=nomination.pk)
    )


def _uk_date(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y")


# --- Nominators ------------------------------------------------------------------


@transaction.atomic
def nominator_grant(*, user, organisation: Organisation, by) -> NominatorOrganisation:
    """Let the user nominate for the organisation: adds them to the Nominators
    group and links them to it (granting again changes nothing). Audited."""

    link, created = NominatorOrganisation.objects.get_or_create(user=user, organisation=organisation)
    user.groups.add(Group.objects.get_or_create(name=str(Role.NOMINATOR))[0])
    if created:
        audit_log(actor=by, action="nominator.grant", target=link, summary=f"{user.email} - {organisation.name}")
    return link


@transaction.atomic
def nominator_revoke(*, link: NominatorOrganisation, by) -> None:
    """Stop the user nominating for the organisation. Their nominations stay. When
    it was their last organisation they leave the Nominators group. Audited."""

    user = link.user
    summary = f"{user.email} - {link.organisation.name}"
    link.delete()
    if not NominatorOrganisation.objects.filter(user=user).exists():
        user.groups.remove(*Group.objects.filter(name=str(Role.NOMINATOR)))
    audit_log(actor=by, action="nominator.revoke", target=user, summary=summary)


# --- Quotas ------------------------------------------------------------------------


def quota_for(*, round: Round, organisation: Organisation, lock: bool = False) -> NominationQuota | None:
    """The quota an organisation's nominations count against: its own in the round,
    or else its region's (shared by the region's organisations). With `lock`, the
    row is locked until the transaction ends, so two nominators of the same
    organisation count and insert one after the other."""
    quotas = NominationQuota.objects.filter(round=round)
    if lock:
        quotas = quotas.select_for_update()
    quota = quotas.filter(organisation=organisation).first()
    if quota is None and organisation.region_id:
        quota = quotas.filter(region_id=organisation.region_id).first()
    return quota


def _refuse_unless_nominating(round: Round) -> None:
    if not round.is_accepting:
        raise PortalError(_("%(round)s is not taking nominations now.") % {"round": round.name})
    if not round.routes.filter(kind=RouteKind.NOMINATED).exists():
        raise PortalError(_("%(round)s does not take nominations.") % {"round": round.name})


def _refuse_beyond_quota(*, round: Round, organisation: Organisation, adding: int) -> NominationQuota:
    """Lock the quota row and check there is room for `adding` more nominations."""
    quota = quota_for(round=round, organisation=organisation, lock=True)
    if quota is None:
        raise PortalError(
            _("%(organisation)s has no nomination places in %(round)s. Ask the programme team for a quota.")
            % {"organisation": organisation.name, "round": round.name}
        )
    used = Nomination.objects.active().filter(quota=quota).count()
    left = max(quota.places - used, 0)
    if adding > left:
        if left == 0:
            message = _(
                "%(organisation)s has used all %(places)s of its nomination places in this round. "
                "Withdraw a nomination to free a place, or ask the programme team for more."
            ) % {"organisation": organisation.name, "places": quota.places}
        else:
            message = ngettext(
                "%(organisation)s has %(left)s nomination place left in this round, not enough for %(adding)s people.",
                "%(organisation)s has %(left)s nomination places left in this round, not enough for %(adding)s people.",
                left,
            ) % {"organisation": organisation.name, "left": left, "adding": adding}
        raise PortalError(message)
    return quota


def _duplicate_message(existing: Nomination, organisation: Organisation) -> str:
    """Who nominated the person first, named only to the same organisation."""
    if existing.organisation_id == organisation.pk:
        return _("%(name)s was already nominated by %(nominator)s of %(organisation)s on %(date)s.") % {
            "name": existing.full_name,
            "nominator": existing.nominated_by.display_name if existing.nominated_by else _("a colleague"),
            "organisation": organisation.name,
            "date": _uk_date(existing.created_at),
        }
    return _("This person has already been nominated for this round by another organisation.")


def _existing_nominations(*, round: Round, emails: list[str]) -> dict[str, Nomination]:
    lowered = [email.lower() for email in emails]
    found = (
        Nomination.objects.active()
        .filter(round=round)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=lowered)
        .select_related("nominated_by")
    )
    return {nomination.email_lower: nomination for nomination in found}


# --- Nominating ------------------------------------------------------------------------


@dataclass(frozen=True)
class NomineeDetails:
    full_name: str
    email: str
    job_title: str
    role_category: str
    region: Region
    statement: str


def _insert(*, round, organisation, quota, by, details: NomineeDetails) -> Nomination:
    nomination = Nomination(
        round=round,
        organisation=organisation,
        quota=quota,
        nominated_by=by,
        full_name=single_line(details.full_name),
        email=details.email.strip(),
        job_title=single_line(details.job_title),
        role_category=details.role_category,
        region=details.region,
        statement=details.statement.strip(),
        status=NominationStatus.INVITED,
    )
    nomination.full_clean(validate_unique=False, validate_constraints=False)
    nomination.save(force_insert=True)
    return nomination


def _save_all(*, round, organisation, quota, by, people: list[NomineeDetails]) -> list[Nomination]:
    """Insert the nominations; a concurrent nomination of the same address (the
    unique constraint) is told like any other duplicate."""
    try:
        with transaction.atomic():
            return [
                _insert(round=round, organisation=organisation, quota=quota, by=by, details=person) for person in people
            ]
    except IntegrityError as error:
        existing = _existing_nominations(round=round, emails=[person.email for person in people])
        if existing:
            raise PortalError(_duplicate_message(next(iter(existing.values())), organisation), field="email") from error
        raise


@transaction.atomic
def nomination_create(*, round: Round, organisation: Organisation, by, details: NomineeDetails) -> Nomination:
    """Nominate one person. Refused when the round is not taking nominations, when
    the organisation's quota is used up (checked with the quota row locked, so two
    nominators racing for the last place cannot both have it), or when the person
    (their address, whatever its case) is already nominated in the round. Side
    effects: an audit row, and the invitation email queued."""
    _refuse_unless_nominating(round)
    quota = _refuse_beyond_quota(round=round, organisation=organisation, adding=1)
    existing = _existing_nominations(round=round, emails=[details.email])
    if existing:
        raise PortalError(_duplicate_message(next(iter(existing.values())), organisation), field="email")
    [nomination] = _save_all(round=round, organisation=organisation, quota=quota, by=by, people=[details])
    audit_log(actor=by, action="nomination.create", target=nomination, summary=f"{nomination} - {round.name}")
    _invite(nomination)
    return nomination


# --- Cohort uploads ----------------------------------------------------------------------


@transaction.atomic
def cohort_upload_check(
    *, round: Round, organisation: Organisation, by, filename: str, rows: list[dict]
) -> CohortUpload:
    """Keep a cohort file's rows, already checked one by one by
    `forms.nominations.cohort_rows_from_csv`, for the preview, adding the rows
    whose person is already nominated in the round. Nothing is nominated until
    `cohort_upload_confirm`."""
    _refuse_unless_nominating(round)
    # Previews never confirmed are of no more use: keep the table small.
    CohortUpload.objects.filter(uploaded_by=by, created_at__lt=timezone.now() - UPLOAD_MAX_AGE).delete()
    checked = [{"row": row["row"], "values": dict(row["values"]), "errors": list(row["errors"])} for row in rows]
    valid_emails = [row["values"]["email"] for row in checked if not row["errors"]]
    existing = _existing_nominations(round=round, emails=valid_emails)
    for row in checked:
        if not row["errors"] and row["values"]["email"].lower() in existing:
            duplicate = existing[row["values"]["email"].lower()]
            row["errors"].append({"column": "Email", "reason": _duplicate_message(duplicate, organisation)})
        if row["errors"]:
            row["values"] = {}
    upload = CohortUpload(uploaded_by=by, round=round, organisation=organisation, filename=filename[:255], rows=checked)
    upload.full_clean()
    upload.save(force_insert=True)
    return upload


@transaction.atomic
def cohort_upload_confirm(*, upload: CohortUpload, by) -> list[Nomination]:
    """Nominate the valid rows of a checked upload, all or none, in one transaction:
    the quota and duplicates are checked again under the quota's lock (others may
    have nominated since the preview). Side effects: an audit row per nomination,
    an invitation email each, and the upload marked imported (a second
    confirmation changes nothing)."""
    upload = CohortUpload.objects.select_for_update().select_related("round", "organisation").get(pk=upload.pk)
    if upload.uploaded_by_id != by.pk:
        raise PortalError(_("This upload is not yours."))
    if upload.imported_at is not None:
        raise PortalError(_("These people have already been nominated."))
    if upload.created_at < timezone.now() - UPLOAD_MAX_AGE:
        raise PortalError(_("This preview has expired. Upload the file again."))
    round, organisation = upload.round, upload.organisation
    valid = [row for row in upload.rows if not row["errors"]]
    if not valid:
        raise PortalError(_("There are no valid rows to import. Correct the file and upload it again."))
    _refuse_unless_nominating(round)
    quota = _refuse_beyond_quota(round=round, organisation=organisation, adding=len(valid))
    regions = Region.objects.in_bulk([row["values"]["region"] for row in valid])
    people = []
    for row in valid:
        values = row["values"]
        if values["region"] not in regions:
            raise PortalError(_("Row %(row)s: its region no longer exists. Upload the file again.") % row)
        people.append(NomineeDetails(**{**values, "region": regions[values["region"]]}))
    existing = _existing_nominations(round=round, emails=[person.email for person in people])
    if existing:
        duplicate = next(iter(existing.values()))
        raise PortalError(
            _("Nothing was imported: %(reason)s Upload the file again to see which rows to leave out.")
            % {"reason": _duplicate_message(duplicate, organisation)}
        )
    nominations = _save_all(round=round, organisation=organisation, quota=quota, by=by, people=people)
    for nomination in nominations:
        audit_log(actor=by, action="nomination.create", target=nomination, summary=f"{nomination} - {round.name}")
        _invite(nomination)
    upload.imported_at = timezone.now()
    upload.save(update_fields=["imported_at"])
    return nominations


# --- Invitations ------------------------------------------------------------------------


def invitation_token(nomination: Nomination) -> str:
    """A signed token naming the nomination and, by a keyed digest (never written
    out: the link sits in server logs and browser history), the address invited;
    it expires after INVITATION_MAX_AGE (checked by `invitation_from_token`)."""
    signer = signing.TimestampSigner(salt=INVITATION_SALT)
    return signer.sign_object({"n": nomination.pk, "h": address_digest(nomination.email, salt=INVITATION_SALT)})


class InvitationExpired(PortalError):
    pass


def invitation_from_token(token: str) -> Nomination:
    """The nomination a token names. Raises InvitationExpired for a link older
    than INVITATION_MAX_AGE, PortalError for a tampered or unknown one (or one for
    an address the nomination no longer has)."""
    signer = signing.TimestampSigner(salt=INVITATION_SALT)
    try:
        payload = signer.unsign_object(token, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired as error:
        # The signature is good, only old: say whom to ask for a fresh link.
        payload = signer.unsign_object(token)
        nomination = Nomination.objects.select_related("organisation").filter(pk=payload.get("n")).first()
        raise InvitationExpired(
            _("This invitation link has expired. Ask %(organisation)s to send you a new one.")
            % {"organisation": nomination.organisation.name if nomination else _("the organisation that nominated you")}
        ) from error
    except signing.BadSignature as error:
        raise PortalError(_("This invitation link is not valid.")) from error
    if not isinstance(payload, dict):
        raise PortalError(_("This invitation link is not valid."))
    nomination = (
        Nomination.objects.select_related("round", "organisation", "nominated_by", "region", "application")
        .filter(pk=payload.get("n"))
        .first()
    )
    if nomination is None or (
        payload.get("h") != address_digest(nomination.email, salt=INVITATION_SALT)
        # A link sent before links stopped carrying the address written out.
        and payload.get("e") != nomination.email.lower()
    ):
        raise PortalError(_("This invitation link is not valid."))
    return nomination


def _invite(nomination: Nomination) -> None:
    """Queue the invitation email (again) and count it."""
    now = timezone.now()
    nomination.invitations_sent += 1
    nomination.last_invited_at = now
    nomination.save(update_fields=["invitations_sent", "last_invited_at", "updated_at"])
    url = settings.SITE_URL + reverse("nominations:invitation", kwargs={"token": invitation_token(nomination)})
    context = {
        "nomination": nomination,
        "url": url,
        "expires": _uk_date(now + INVITATION_MAX_AGE),
        "closes": formats.date_format(timezone.localtime(nomination.round.closes_at), "j F Y, H:i"),
    }

    email_queue(
        to=nomination.email,
        subject=single_line(
            _("%(organisation)s has nominated you to join Q") % {"organisation": nomination.organisation.name}
        ),
        body_text=render_to_string("applications/nominations/emails/invitation.txt", context),
        key=f"nomination:{nomination.pk}:invitation:{nomination.invitations_sent}",
    )


@transaction.atomic
def nomination_resend(*, nomination: Nomination, by) -> Nomination:
    """Send the invitation again, with a fresh link. Only while the nominee has not
    answered; at most once every RESEND_INTERVAL and MAX_INVITATIONS in all.
    Side effects: an audit row and the email queued."""
    nomination = _locked(nomination)
    if nomination.status not in (NominationStatus.INVITED, NominationStatus.OPENED):
        raise PortalError(
            _("The invitation cannot be sent again: the nomination is %(status)s.")
            % {"status": nomination.get_status_display().lower()}
        )
    _refuse_unless_nominating(nomination.round)
    if nomination.invitations_sent >= MAX_INVITATIONS:
        raise PortalError(
            _("The invitation has been sent %(count)s times, the most we send. Contact the person directly.")
            % {"count": nomination.invitations_sent}
        )
    if nomination.last_invited_at and nomination.last_invited_at > timezone.now() - RESEND_INTERVAL:
        raise PortalError(
            _("The invitation was sent less than a day ago. You can send it again after %(when)s.")
            % {
                "when": formats.date_format(
                    timezone.localtime(nomination.last_invited_at + RESEND_INTERVAL), "j F Y, H:i"
                )
            }
        )
    _invite(nomination)
    audit_log(actor=by, action="nomination.resend", target=nomination, summary=str(nomination))
    return nomination


@transaction.atomic
def nomination_withdraw(*, nomination: Nomination, by) -> Nomination:
    """Withdraw a nomination before the nominee submits; frees its place. If the
    nominee had started an application it stays theirs, off the nominated route
    (they may choose another route they are eligible for), and they are told by
    email. Audited."""
    nomination = _locked(nomination)
    application = nomination.application
    if application is not None:
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != ApplicationStatus.DRAFT or application.reference:
            raise PortalError(
                _("%(name)s has submitted their application, so the nomination can no longer be withdrawn.")
                % {"name": nomination.full_name}
            )
    _move(nomination, NominationStatus.WITHDRAWN)
    nomination.withdrawn_at = timezone.now()
    # The application stays the nominee's, no longer a nominated one.
    nomination.application = None
    nomination.save(update_fields=["status", "withdrawn_at", "application", "updated_at"])
    if application is not None and application.route_id and application.route.kind == RouteKind.NOMINATED:
        application.route = None
        application.route_evidence = ""
        application.save(update_fields=["route", "route_evidence", "updated_at"])
    audit_log(
        actor=by,
        action="nomination.withdraw",
        target=nomination,
        summary=str(nomination),
        changes={"status": ["", NominationStatus.WITHDRAWN.value]},
    )
    if nomination.invitations_sent:
        email_queue(
            to=nomination.email,
            subject=_("Your nomination to join Q has been withdrawn"),
            body_text=render_to_string(
                "applications/nominations/emails/withdrawn.txt",
                {"nomination": nomination, "apply_url": settings.SITE_URL + reverse("applications:applicant_home")},
            ),
            key=f"nomination:{nomination.pk}:withdrawn",
        )
    return nomination


@transaction.atomic
def nomination_mark_opened(*, nomination: Nomination) -> Nomination:
    """Record that the nominee opened the invitation link (the first time only)."""
    if nomination.status != NominationStatus.INVITED:
        return nomination
    nomination = _locked(nomination)
    if nomination.status != NominationStatus.INVITED:
        return nomination
    _move(nomination, NominationStatus.OPENED)
    nomination.opened_at = timezone.now()
    nomination.save(update_fields=["status", "opened_at", "updated_at"])
    audit_log(actor=None, action="nomination.open", target=nomination, summary=str(nomination))
    return nomination


@transaction.atomic
def nomination_decline(*, nomination: Nomination, by=None) -> Nomination:
    """The nominee declines (from the invitation link, signed in or not). Frees
    the place. Declining twice changes nothing. Audited."""
    nomination = _locked(nomination)
    if nomination.status == NominationStatus.DECLINED:
        return nomination
    if nomination.status == NominationStatus.ACCEPTED:
        raise PortalError(_("You have started your application. To stop, withdraw your application instead."))
    if nomination.status == NominationStatus.WITHDRAWN:
        raise PortalError(_("This nomination has been withdrawn by the organisation that made it."))
    _move(nomination, NominationStatus.DECLINED)
    nomination.responded_at = timezone.now()
    nomination.save(update_fields=["status", "responded_at", "updated_at"])
    audit_log(actor=by, action="nomination.decline", target=nomination, summary=str(nomination))
    return nomination


def nomination_email_matches(*, nomination: Nomination, user) -> bool:
    from allauth.account.models import EmailAddress

    if user.email.lower() == nomination.email.lower():
        return True
    return EmailAddress.objects.filter(user=user, verified=True, email__iexact=nomination.email).exists()


@transaction.atomic
def nomination_accept(*, nomination: Nomination, by, confirm_different_email: bool = False) -> Application:
    """The nominee (signed in) takes up the nomination: starts their application to
    the round on the nominated route, prefilled with their name, job title, role and
    region as the nominator gave them. The account's address must be the one
    nominated unless the nominee confirms using another. A draft they had already
    started in the round moves to the nominated route (their answers stay; blanks
    are prefilled); a submitted one is linked as it is. Accepting again returns the
    same application. Audited."""
    nomination = _locked(nomination)
    if nomination.status == NominationStatus.ACCEPTED and nomination.nominee_id == by.pk and nomination.application_id:
        return nomination.application
    route = _refuse_unless_acceptable(nomination, by=by, confirm_different_email=confirm_different_email)
    application = _nominees_application(nomination, by=by, route=route)
    _mark_accepted(nomination, by=by, application=application)
    return application


def _refuse_unless_acceptable(nomination: Nomination, *, by, confirm_different_email: bool) -> Route:
    """Refuses a nomination no longer open to `by`, or a round not taking it up
    now; returns the round's nominated route."""
    if nomination.status == NominationStatus.ACCEPTED:
        raise PortalError(_("This nomination has already been taken up by another account."))
    if nomination.status == NominationStatus.DECLINED:
        raise PortalError(_("You declined this nomination."))
    if nomination.status == NominationStatus.WITHDRAWN:
        raise PortalError(_("This nomination has been withdrawn by the organisation that made it."))
    round = nomination.round
    if not round.is_accepting:
        raise PortalError(_("%(round)s is not taking applications now.") % {"round": round.name})
    route = round.routes.filter(kind=RouteKind.NOMINATED).first()
    if route is None:
        raise PortalError(_("%(round)s does not take nominations.") % {"round": round.name})
    if not confirm_different_email and not nomination_email_matches(nomination=nomination, user=by):
        raise PortalError(
            _("Confirm that you are the person nominated and want to use this account's address."),
            field="confirm_address",
        )
    if Nomination.objects.filter(round=round, nominee=by, status=NominationStatus.ACCEPTED).exists():
        raise PortalError(_("You have already taken up another nomination in this round."))
    return route


def _nominees_application(nomination: Nomination, *, by, route: Route) -> Application:
    """The nominee's own application to the round: started from the nomination's
    details if they had none; a draft moved to the nominated route with its
    blanks prefilled; a submitted one as it is; a withdrawn one refused."""
    round = nomination.round
    prefill = {
        "full_name": nomination.full_name,
        "job_title": nomination.job_title,
        "role_category": nomination.role_category,
        "region": nomination.region,
    }
    application = Application.objects.select_for_update().filter(applicant=by, round=round).first()
    if application is None:
        application = Application(applicant=by, round=round, route=route, **prefill)
        application.full_clean(validate_unique=False, validate_constraints=False)
        application.save(force_insert=True)
        audit_log(
            actor=by,
            action="application.start",
            target=application,
            summary=_("Started an application to %(round)s, as a nominee") % {"round": round.name},
        )
    elif application.status == ApplicationStatus.WITHDRAWN:
        raise PortalError(_("You have withdrawn your application to this round, so it cannot be nominated."))
    elif application.status == ApplicationStatus.DRAFT:
        _draft_move_to_route(application, route=route, prefill=prefill)
    return application


def _draft_move_to_route(application: Application, *, route: Route, prefill: dict) -> None:
    """Fills the draft's blanks from the nomination and moves it to the nominated
    route (dropping the course or organisation its old route asked for)."""
    changed = []
    for field, value in prefill.items():
        if not getattr(application, field):
            setattr(application, field, value)
            changed.append(field)
    if application.route_id != route.pk:
        application.route = route
        application.route_course = None
        application.route_organisation = None
        changed += ["route", "route_course", "route_organisation"]
    if changed:
        application.save(update_fields=[*changed, "updated_at"])


def _mark_accepted(nomination: Nomination, *, by, application: Application) -> None:
    """Moves the nomination to accepted, linked to the nominee and their
    application, and audits it (with the address used when it is not the one nominated)."""
    nomination.nominee = by
    nomination.application = application
    _move(nomination, NominationStatus.ACCEPTED)
    nomination.responded_at = timezone.now()
    nomination.opened_at = nomination.opened_at or nomination.responded_at
    nomination.save(update_fields=["nominee", "application", "status", "responded_at", "opened_at", "updated_at"])
    audit_log(
        actor=by,
        action="nomination.accept",
        target=nomination,
        summary=str(nomination),
        changes={"email": [nomination.email, by.email]} if nomination.email.lower() != by.email.lower() else None,
    )
