"""Becoming a member, the founding-cohort import, pausing and ending a membership,
the directory's search text, and the growth target."""

from dataclasses import dataclass, field
from datetime import date, datetime

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.outbox.services import email_queue
from q_portal.spreadsheets import csv_rows
from q_portal.text import single_line
from q_portal.transitions import status_move

from ..choices import InterestStatus, MembershipStatus, MemberSource, RoleCategory
from ..emails import absolute_url
from ..models import GrowthTarget, MemberImport, MemberProfile, Organisation, Region, User
from ..selectors import listed_member_count_forget

# Where a membership may move. `member_transition` is the only way it changes.
ALLOWED_TRANSITIONS: dict[MembershipStatus, frozenset[MembershipStatus]] = {
    MembershipStatus.ACTIVE: frozenset({MembershipStatus.PAUSED, MembershipStatus.ENDED}),
    MembershipStatus.PAUSED: frozenset({MembershipStatus.ACTIVE, MembershipStatus.ENDED}),
    MembershipStatus.ENDED: frozenset(),
}

IMPORT_COLUMNS = ("email", "name", "job_title", "role_category", "organisation", "region", "joined_on")
IMPORT_REQUIRED_COLUMNS = ("email", "name")
IMPORT_MAX_ROWS = 5000


def _search_text(profile: MemberProfile) -> tuple[str, str, str]:
    interests = " ".join(
        interest.name for interest in profile.interests.all() if interest.status == InterestStatus.APPROVED
    )
    return (
        profile.full_name,
        " ".join(filter(None, [profile.job_title, profile.organisation_name, interests])),
        " ".join(filter(None, [profile.bio, profile.skills, profile.methods])),
    )


# Profiles whose search text one UPDATE writes, the texts passed as arrays. The vector is
# what Django's SearchVector(Value(text), weight=..., config="english") writes for each part
# (tests/members/test_membership_services.py compares the two); building that expression
# in the ORM for every profile cost more than PostgreSQL's stemming of the text.
SEARCH_REFRESH_BATCH = 2000
SEARCH_REFRESH_SQL = """UPDATE {table} AS profile
SET search_vector = setweight(to_tsvector('english'::regconfig, COALESCE(part.name, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, COALESCE(part.work, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, COALESCE(part.about, '')), 'C')
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS part(id, name, work, about)
WHERE profile.id = part.id
"""


def profile_search_refresh(*, profile_ids) -> None:
    """Recompute the stored full-text vector of these profiles (PostgreSQL only):
    name weighted highest, then job, organisation and interests, then the rest.
    One UPDATE for each batch of profiles, not one a profile: approving an interest
    that thousands of members share, or loading 50,000 members, refreshes them all."""
    if connection.vendor != "postgresql":
        return
    ids = sorted(set(profile_ids))
    sql = SEARCH_REFRESH_SQL.format(table=connection.ops.quote_name(MemberProfile._meta.db_table))
    for start in range(0, len(ids), SEARCH_REFRESH_BATCH):
        profiles = (
            MemberProfile.objects.filter(pk__in=ids[start : start + SEARCH_REFRESH_BATCH])
            .select_related("organisation")
            .prefetch_related("interests")
        )
        if texts := [(profile.pk, *_search_text(profile)) for profile in profiles]:
            with connection.cursor() as cursor:
                cursor.execute(sql, [list(column) for column in zip(*texts, strict=True)])


@transaction.atomic
def member_create(
    *,
    user: User,
    by,
    cohort_name: str,
    joined_on: date,
    job_title: str = "",
    role_category: str = "",
    organisation: Organisation | None = None,
    region: Region | None = None,
    source: str = MemberSource.APPLICATION,
    full_name: str = "",
    organisation_other: str = "",
) -> MemberProfile:
    """Make the user a member, prefilled from what the caller knows (for an
    accepted application: its name, job, role, organisation and region).

    Idempotent per user: if the user already has a profile it is returned
    unchanged and nothing else happens. Side effects for a new member: the
    profile with its membership number (Q00001, …), an audit entry, a welcome
    email (outbox) linking to /members/me/ to complete the profile, and, once
    committed, the directory's cached count cleared (the member is listed).
    """
    existing = MemberProfile.objects.filter(user=user).first()
    if existing is not None:
        return existing
    if role_category and role_category not in RoleCategory.values:
        role_category = RoleCategory.OTHER
    profile = MemberProfile(
        user=user,
        source=source,
        joined_on=joined_on,
        cohort_name=single_line(cohort_name)[:200],
        full_name=single_line(full_name or user.display_name or user.email.split("@")[0])[:150],
        job_title=single_line(job_title)[:150],
        role_category=role_category,
        organisation=organisation,
        organisation_other="" if organisation else single_line(organisation_other)[:200],
        region=region,
    )
    profile.full_clean(exclude=["user"], validate_unique=False)
    try:
        with transaction.atomic():
            profile.save(force_insert=True)
    except IntegrityError:
        # Another request made this user a member at the same moment.
        return MemberProfile.objects.get(user=user)
    profile.membership_number = f"Q{profile.pk:05d}"
    profile.save(update_fields=["membership_number"])
    profile_search_refresh(profile_ids=[profile.pk])
    audit_log(
        actor=by,
        action="members.member_create",
        target=profile,
        summary=f"{profile.membership_number} joined ({profile.get_source_display()})",
        changes={"cohort": profile.cohort_name, "joined_on": joined_on.isoformat()},
    )
    _welcome_email_queue(profile, user)
    transaction.on_commit(listed_member_count_forget)
    return profile


def _welcome_email_queue(profile: MemberProfile, user: User) -> None:
    """The welcome, linking to the profile to complete (and to setting a
    password, for an account made by an import)."""
    context = {
        "profile": profile,
        "profile_url": absolute_url("members:me"),
        "needs_password": not user.has_usable_password(),
        "password_reset_url": absolute_url("account_reset_password"),
    }
    email_queue(
        to=user.email,
        subject=single_line(_("Welcome to Q, %(name)s") % {"name": profile.full_name}),
        body_text=render_to_string("members/emails/welcome.txt", context),
        key=f"members.welcome.{profile.pk}",
    )


@transaction.atomic
def member_transition(*, member: MemberProfile, to: MembershipStatus, by, reason: str = "") -> MemberProfile:
    """Pause, resume or end a membership. A paused or ended member leaves the
    directory, community lists, the pledge wall and random coffee; their data is
    kept (the retention rule decides when it goes). Side effects: an audit entry,
    an email telling the member, and once committed the directory's cached count
    cleared. Raises PortalError for an illegal move."""
    member = MemberProfile.objects.select_for_update().select_related("user").get(pk=member.pk)
    current = MembershipStatus(member.status)
    to = MembershipStatus(to)
    status_move(
        member, to=to, allowed=ALLOWED_TRANSITIONS, refusal=_("A membership that is %(status)s cannot become %(to)s.")
    )
    member.status_changed_at = timezone.now()
    member.status_reason = reason.strip()[:500]
    member.coffee_opt_in = member.coffee_opt_in and to == MembershipStatus.ACTIVE
    member.save(update_fields=["status", "status_changed_at", "status_reason", "coffee_opt_in", "updated_at"])
    audit_log(
        actor=by,
        action="members.member_transition",
        target=member,
        summary=f"{current.label} → {to.label}",
        changes={"status": [current.value, to.value], "reason": member.status_reason},
    )
    email_queue(
        to=member.user.email,
        subject=_("Your Q membership is now %(status)s") % {"status": to.label.lower()},
        body_text=render_to_string(
            "members/emails/status_changed.txt",
            {"profile": member, "profile_url": absolute_url("members:me"), "MembershipStatus": MembershipStatus},
        ),
        key=f"members.status.{member.pk}.{to.value}.{member.status_changed_at.timestamp()}",
    )
    transaction.on_commit(listed_member_count_forget)
    return member


# --- The founding-cohort import ------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)
    organisation: Organisation | None = None
    region: Region | None = None
    joined_on: date | None = None
    role_category: str = ""

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the whole file

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.is_valid]

    @property
    def errors(self) -> list[tuple[int, str, str]]:
        return [(row.line, column, reason) for row in self.rows for column, reason in row.errors]


def _parse_date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def member_import_preview(*, csv_text: str, today: date | None = None) -> ImportReport:
    """Check a CSV of founding members row by row without changing anything. Each
    problem names its row (the line in the file), its column and the reason."""
    today = today or timezone.localdate()
    report = ImportReport()
    try:
        file_rows = csv_rows(csv_text)
    except ValidationError as error:
        report.problems.append(error.messages[0])
        return report
    headers = [name.strip().lower().replace(" ", "_") for name in file_rows[0]]
    missing = [column for column in IMPORT_REQUIRED_COLUMNS if column not in headers]
    if missing:
        report.problems.append(
            _("The first row must name the columns. Missing: %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ", ".join(IMPORT_COLUMNS)}
        )
        return report
    regions = {key: region for region in Region.objects.all() for key in (region.name.lower(), region.slug)}
    organisations = {organisation.name.lower(): organisation for organisation in Organisation.objects.all()}
    roles = {key.lower(): value for value, label in RoleCategory.choices for key in (value, str(label))}
    raw_rows = _import_raw_rows(file_rows, headers)
    if raw_rows is None:
        report.problems.append(_("The file has more than %(max)s rows.") % {"max": IMPORT_MAX_ROWS})
        return report
    emails = [values["email"].lower() for _line, values in raw_rows]
    members_already = set(
        MemberProfile.objects.filter(user__email__in=emails).values_list("user__email", flat=True).iterator()
    )
    members_already = {email.lower() for email in members_already}
    seen: dict[str, int] = {}
    for line, values in raw_rows:
        row = ImportRow(line=line, values=values)
        _check_import_email(row, seen=seen, members_already=members_already)
        _check_import_details(row, lookups=(regions, organisations, roles), today=today)
        report.rows.append(row)
    if not report.rows:
        report.problems.append(_("The file has no rows under the column names."))
    return report


def _import_raw_rows(file_rows: list[list[str]], headers: list[str]) -> list[tuple[int, dict]] | None:
    """The file's rows that are not empty, as (row number, {column: value}), the
    values on one line each; None if there are more than IMPORT_MAX_ROWS."""
    raw_rows = []
    # Rows numbered as a spreadsheet shows them (the headings are row 1).
    for number, cells in enumerate(file_rows[1:], start=2):
        if len(raw_rows) >= IMPORT_MAX_ROWS:
            return None
        raw = dict(zip(headers, cells, strict=False))
        # A spreadsheet cell may hold line breaks, tabs or invisible characters.
        values = {column: single_line(raw.get(column)) for column in IMPORT_COLUMNS}
        if any(values.values()):
            raw_rows.append((number, values))
    return raw_rows


def _check_import_email(row: ImportRow, *, seen: dict[str, int], members_already: set[str]) -> None:
    """An address is required, valid, once in the file and not a member's yet;
    `seen` keeps the row each address was first on."""
    values = row.values
    email = values["email"].lower()
    if not email:
        row.errors.append(("email", _("Enter an email address.")))
        return
    try:
        validate_email(email)
    except ValidationError:
        row.errors.append(("email", _("“%(value)s” is not an email address.") % {"value": values["email"]}))
        return
    if email in seen:
        row.errors.append(("email", _("The same address is on row %(line)s.") % {"line": seen[email]}))
    elif email in members_already:
        row.errors.append(("email", _("This person is already a member.")))
    seen.setdefault(email, row.line)


def _check_import_details(row: ImportRow, *, lookups: tuple[dict, dict, dict], today: date) -> None:
    """The name, job, role, organisation, region and date joined: each checked,
    and the role, organisation, region and date read into the row. `lookups`
    finds regions, organisations and roles by their lower-cased names."""
    regions, organisations, roles = lookups
    values = row.values
    if not values["name"]:
        row.errors.append(("name", _("Enter the person's name.")))
    elif len(values["name"]) > 150:
        row.errors.append(("name", _("The name must be 150 characters or fewer.")))
    if len(values["job_title"]) > 150:
        row.errors.append(("job_title", _("The job title must be 150 characters or fewer.")))
    if values["role_category"]:
        row.role_category = roles.get(values["role_category"].lower(), "")
        if not row.role_category:
            row.errors.append(
                ("role_category", _("Use one of: %(roles)s.") % {"roles": ", ".join(RoleCategory.values)})
            )
    if values["organisation"]:
        row.organisation = organisations.get(values["organisation"].lower())
        if row.organisation is None and len(values["organisation"]) > 200:
            row.errors.append(("organisation", _("The organisation must be 200 characters or fewer.")))
    if values["region"]:
        row.region = regions.get(values["region"].lower())
        if row.region is None:
            row.errors.append(("region", _("There is no region called “%(value)s”.") % {"value": values["region"]}))
    if values["joined_on"]:
        row.joined_on = _parse_date(values["joined_on"])
        if row.joined_on is None:
            row.errors.append(("joined_on", _("Enter the date as 2016-03-31 or 31/03/2016.")))
        elif row.joined_on > today:
            row.errors.append(("joined_on", _("The date joined cannot be in the future.")))


@transaction.atomic
def member_import(*, csv_text: str, cohort_name: str, by) -> tuple[ImportReport, list[MemberProfile]]:
    """Import the valid rows of a founding-members CSV in one transaction (rows
    with problems are left out, as the preview showed). An account is made for
    a person without one (they set a password from the welcome email); each
    becomes a member through `member_create`, with its side effects."""
    report = member_import_preview(csv_text=csv_text)
    if report.problems:
        raise PortalError(report.problems[0], field="file")
    created = []
    today = timezone.localdate()
    for row in report.valid_rows:
        email = row.values["email"]
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, display_name=row.values["name"])
            # The programme team vouches for the address; the password is set
            # through a reset link sent to it, which proves it again.
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        created.append(
            member_create(
                user=user,
                by=by,
                cohort_name=cohort_name,
                joined_on=row.joined_on or today,
                job_title=row.values["job_title"],
                role_category=row.role_category,
                organisation=row.organisation,
                organisation_other="" if row.organisation else row.values["organisation"],
                region=row.region,
                source=MemberSource.FOUNDING,
                full_name=row.values["name"],
            )
        )
    audit_log(
        actor=by,
        action="members.member_import",
        summary=f"{len(created)} founding members imported into {cohort_name}",
        changes={"imported": len(created), "left_out": len(report.invalid_rows)},
    )
    return report, created


@transaction.atomic
def member_import_stage(*, csv_text: str, cohort_name: str, by) -> MemberImport:
    """Keep an uploaded founding-members CSV until the team confirms it (the
    preview reads it again). Side effect: the uploader's earlier staged files go."""
    MemberImport.objects.filter(uploaded_by=by).delete()
    staged = MemberImport(uploaded_by=by, cohort_name=cohort_name, csv_text=csv_text)
    staged.full_clean()
    staged.save(force_insert=True)
    return staged


@transaction.atomic
def member_import_confirm(*, staged: MemberImport, by) -> tuple[ImportReport, list[MemberProfile]]:
    """Import a staged file (`member_import`, with its side effects), then delete it."""
    imported = member_import(csv_text=staged.csv_text, cohort_name=staged.cohort_name, by=by)
    MemberImport.objects.filter(pk=staged.pk).delete()
    return imported


@transaction.atomic
def growth_target_set(*, members: int, by_date: date, by) -> GrowthTarget:
    """Set the membership target (one row). Side effect: an audit entry."""
    if members < 1:
        raise PortalError(_("The target must be at least 1 member."), field="members")
    target = GrowthTarget.objects.select_for_update().first()
    if target is None:
        target = GrowthTarget(members=members, by_date=by_date)
        target.full_clean()
        target.save()
    else:
        target.members, target.by_date = members, by_date
        target.save(update_fields=["members", "by_date", "updated_at"])
    audit_log(actor=by, action="members.growth_target_set", target=target, summary=str(target))
    return target
