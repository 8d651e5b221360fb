"""Rounds, run by the programme team: create a round, change its details, move it
through its statuses, and set the nomination quotas of partner organisations and
regions. Every change is audited."""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Organisation, Region
from q_portal.audit.services import audit_diff, audit_log, audit_value
from q_portal.exceptions import PortalError
from q_portal.transitions import status_move

from ..choices import Phase, RoundStatus
from ..models import Criterion, NominationQuota, Round, Route
from ..selectors.rounds import open_round_overlapping, route_application_counts

# Where a round may move. `round_transition` is the only way its status changes.
ALLOWED_TRANSITIONS: dict[RoundStatus, frozenset[RoundStatus]] = {
    RoundStatus.DRAFT: frozenset({RoundStatus.OPEN}),
    RoundStatus.OPEN: frozenset({RoundStatus.CLOSED}),
    # Reopening is for a deadline moved later after the round had closed.
    RoundStatus.CLOSED: frozenset({RoundStatus.OPEN, RoundStatus.IN_REVIEW}),
    RoundStatus.IN_REVIEW: frozenset({RoundStatus.DECIDED}),
    RoundStatus.DECIDED: frozenset(),
}

# The round's own fields `round_update` may change, and its many-to-many ones.
EDITABLE_FIELDS = ("name", "phase", "description", "opens_at", "closes_at", "decisions_expected_on", "capacity")
EDITABLE_RELATIONS = ("routes", "criteria")

# Once reviewing has started, the dates the applications were judged against stay.
DATES_FIXED_FROM = frozenset({RoundStatus.IN_REVIEW, RoundStatus.DECIDED})
# Nominations, and so their quotas, end when review starts.
QUOTAS_FIXED_FROM = frozenset({RoundStatus.IN_REVIEW, RoundStatus.DECIDED})

# A constant key for pg_advisory_xact_lock ("QRND"): held while anything that could
# make two open rounds of a phase overlap is checked and written.
ROUND_SCHEDULE_LOCK_KEY = 0x51524E44


def round_next_statuses(round: Round) -> list[RoundStatus]:
    """The statuses the round may move to next, in the order of the statuses."""
    allowed = ALLOWED_TRANSITIONS[RoundStatus(round.status)]
    return [status for status in RoundStatus if status in allowed]


def _uk_time(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y, H:i")


def _locked(round: Round) -> Round:
    """Lock the round's row and read it afresh, so two requests changing the same
    round (a double click, two tabs) run one after the other."""
    return Round.objects.select_for_update().get(pk=round.pk)


def _lock_round_schedule(phase: str) -> None:
    """Serialise every change that could leave two open rounds of a phase
    overlapping: opening, reopening, and moving an open round's dates or phase.
    Locking the open rounds' rows alone is not enough: two drafts opened at the
    same moment each find no open round to lock. So on PostgreSQL a transaction
    advisory lock is taken (released at commit); elsewhere (SQLite in the demo,
    where only one transaction writes at a time anyway) the open rounds' rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROUND_SCHEDULE_LOCK_KEY])
    else:
        list(Round.objects.select_for_update().filter(status=RoundStatus.OPEN, phase=phase).values_list("pk"))


def _refuse_overlap(*, round: Round, phase: str, opens_at: datetime, closes_at: datetime, field=None) -> None:
    _lock_round_schedule(phase)
    other = open_round_overlapping(phase=phase, opens_at=opens_at, closes_at=closes_at, exclude_pk=round.pk)
    if other is not None:
        raise PortalError(
            _(
                "%(other)s, another %(phase)s round, is open from %(opens)s to %(closes)s (UK time). Two rounds "
                "of the same phase cannot be open at overlapping dates: close that round or change these dates."
            )
            % {
                "other": other.name,
                "phase": Phase(phase).label.lower(),
                "opens": _uk_time(other.opens_at),
                "closes": _uk_time(other.closes_at),
            },
            field=field,
        )


def _refuse_bad_dates(*, opens_at: datetime, closes_at: datetime, decisions_expected_on: date | None) -> None:
    if closes_at <= opens_at:
        raise PortalError(_("The closing date must be after the opening date."), field="closes_at")
    if decisions_expected_on is not None and decisions_expected_on < timezone.localdate(closes_at):
        raise PortalError(
            _("Decisions cannot be expected before the round closes on %(closes)s.") % {"closes": _uk_time(closes_at)},
            field="decisions_expected_on",
        )


def _refuse_bad_capacity(capacity: int) -> None:
    if capacity < 1:
        raise PortalError(_("A round must offer at least 1 place."), field="capacity")


def _refuse_taken_name(name: str, *, exclude_pk: int | None = None) -> None:
    if not name:
        raise PortalError(_("Enter a name for the round."), field="name")
    if Round.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise PortalError(
            _("There is already a round called %(name)s. Choose another name.") % {"name": name}, field="name"
        )


def _full_clean(obj: models.Model, **kwargs) -> None:
    """full_clean, with a model's own validation error told like any other refusal."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise PortalError(messages[0], field=None if field == NON_FIELD_ERRORS else field) from error


def _save_name_safely(round: Round, **save_kwargs) -> None:
    """Save, telling a name taken by a concurrent request as a refusal."""
    try:
        with transaction.atomic():
            round.save(**save_kwargs)
    except IntegrityError as error:
        if Round.objects.filter(name=round.name).exclude(pk=round.pk).exists():
            raise PortalError(
                _("There is already a round called %(name)s. Choose another name.") % {"name": round.name},
                field="name",
            ) from error
        raise


@transaction.atomic
def round_create(
    *,
    by,
    name: str,
    phase: Phase | str,
    opens_at: datetime,
    closes_at: datetime,
    capacity: int,
    routes: Iterable[Route],
    criteria: Iterable[Criterion],
    description: str = "",
    decisions_expected_on: date | None = None,
) -> Round:
    """Create a round as a draft, seen only by the programme team until it is
    opened, with its routes and criteria (either may be added later, before
    opening). Refuses a name already used, closing before opening, decisions
    expected before closing, and no places. Writes one audit row."""
    name = name.strip()
    _refuse_taken_name(name)
    _refuse_bad_dates(opens_at=opens_at, closes_at=closes_at, decisions_expected_on=decisions_expected_on)
    _refuse_bad_capacity(capacity)
    round = Round(
        name=name,
        phase=phase,
        description=description.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        decisions_expected_on=decisions_expected_on,
        capacity=capacity,
        status=RoundStatus.DRAFT,
    )
    _full_clean(round, validate_unique=False)
    _save_name_safely(round, force_insert=True)
    routes, criteria = list(routes), list(criteria)
    round.routes.set(routes)
    round.criteria.set(criteria)
    audit_log(
        actor=by,
        action="round.create",
        target=round,
        summary=round.name,
        changes={
            "phase": round.phase,
            "opens_at": audit_value(round.opens_at),
            "closes_at": audit_value(round.closes_at),
            "capacity": round.capacity,
            "routes": audit_value([route.name for route in routes]),
            "criteria": audit_value([criterion.letter for criterion in criteria]),
        },
    )
    return round


@transaction.atomic
def round_update(*, round: Round, by, **changes) -> Round:
    """Change a round's details (`EDITABLE_FIELDS`), routes or criteria; what is
    not given stays. Refuses: a name already used; closing before opening; no
    places; removing a route that applications use; changing the criteria once the
    round has opened; moving the dates once review has started; an open round's
    closing date in the past, or dates or phase that would overlap another open
    round of its phase. Writes one audit row with the changed fields, none when
    nothing changed. Returns the round read afresh."""
    unknown = set(changes) - set(EDITABLE_FIELDS) - set(EDITABLE_RELATIONS)
    if unknown:
        raise TypeError(f"round_update() cannot change {', '.join(sorted(unknown))}")
    round = _locked(round)
    status = RoundStatus(round.status)

    before = {field: getattr(round, field) for field in EDITABLE_FIELDS}
    after = {**before, **{field: value for field, value in changes.items() if field in EDITABLE_FIELDS}}
    if "name" in changes:
        after["name"] = after["name"].strip()
    if "description" in changes:
        after["description"] = after["description"].strip()
    changed = [field for field in EDITABLE_FIELDS if after[field] != before[field]]
    audit_changes = audit_diff(before, after)
    _refuse_bad_details(round=round, status=status, after=after, changed=changed)
    new_routes = _routes_change(round, changes["routes"], audit_changes) if "routes" in changes else None
    new_criteria = (
        _criteria_change(round, status, changes["criteria"], audit_changes) if "criteria" in changes else None
    )

    if not audit_changes:
        return round
    if changed:
        for field in changed:
            setattr(round, field, after[field])
        _save_name_safely(round, update_fields=[*changed, "updated_at"])
    else:
        round.save(update_fields=["updated_at"])
    if new_routes is not None:
        round.routes.set(new_routes)
    if new_criteria is not None:
        round.criteria.set(new_criteria)
    audit_log(
        actor=by,
        action="round.update",
        target=round,
        summary=_("Changed %(fields)s") % {"fields": ", ".join(audit_changes)},
        changes=audit_changes,
    )
    return round


def _refuse_bad_details(*, round: Round, status: RoundStatus, after: dict, changed: list[str]) -> None:
    """`round_update`'s checks of the changed details (`after`: every editable field as it would be)."""
    if "name" in changed:
        _refuse_taken_name(after["name"], exclude_pk=round.pk)
    if "phase" in changed and after["phase"] not in Phase.values:
        raise PortalError(_("Choose the phase of the round."), field="phase")
    if "capacity" in changed:
        _refuse_bad_capacity(after["capacity"])
    dates_changed = [field for field in ("opens_at", "closes_at") if field in changed]
    if dates_changed or "decisions_expected_on" in changed:
        _refuse_bad_dates(
            opens_at=after["opens_at"],
            closes_at=after["closes_at"],
            decisions_expected_on=after["decisions_expected_on"],
        )
    if dates_changed and status in DATES_FIXED_FROM:
        raise PortalError(_("The dates of a round cannot change once review has started."), field=dates_changed[0])
    if status != RoundStatus.OPEN:
        return
    if "closes_at" in changed and after["closes_at"] <= timezone.now():
        raise PortalError(
            _(
                "The closing date of an open round cannot be in the past. "
                "To stop accepting applications now, close the round."
            ),
            field="closes_at",
        )
    if dates_changed or "phase" in changed:
        _refuse_overlap(
            round=round,
            phase=after["phase"],
            opens_at=after["opens_at"],
            closes_at=after["closes_at"],
            field=dates_changed[-1] if dates_changed else "phase",
        )


def _routes_change(round: Round, routes, audit_changes: dict) -> list | None:
    """The round's new routes, or None when they are the same; refuses removing a
    route that applications use. Adds the change to `audit_changes`."""
    new_routes = list(routes)
    current_routes = {route.pk: route for route in round.routes.all()}
    removed = set(current_routes) - {route.pk for route in new_routes}
    used = route_application_counts(round=round, route_ids=removed)
    if used:
        uses = [
            ngettext(
                "%(route)s is used by %(count)d application",
                "%(route)s is used by %(count)d applications",
                count,
            )
            % {"route": current_routes[route_id].name, "count": count}
            for route_id, count in sorted(used.items(), key=lambda item: current_routes[item[0]].name)
        ]
        raise PortalError(
            _("A route that applications use cannot be removed from the round: %(uses)s.") % {"uses": "; ".join(uses)},
            field="routes",
        )
    added = {route.pk for route in new_routes} - set(current_routes)
    if not (removed or added):
        return None
    audit_changes["routes"] = [
        audit_value([route.name for route in current_routes.values()]),
        audit_value([route.name for route in new_routes]),
    ]
    return new_routes


def _criteria_change(round: Round, status: RoundStatus, criteria, audit_changes: dict) -> list | None:
    """The round's new criteria, or None when they are the same; refuses a change
    once the round has opened. Adds the change to `audit_changes`."""
    new_criteria = list(criteria)
    current_criteria = list(round.criteria.all())
    if {criterion.pk for criterion in new_criteria} == {criterion.pk for criterion in current_criteria}:
        return None
    if status != RoundStatus.DRAFT:
        raise PortalError(
            _("The criteria are fixed once the round has opened: applicants answer them and reviewers score them."),
            field="criteria",
        )
    audit_changes["criteria"] = [
        audit_value([criterion.letter for criterion in current_criteria]),
        audit_value([criterion.letter for criterion in new_criteria]),
    ]
    return new_criteria


def _refuse_unless_ready_to_open(round: Round, *, reopening: bool) -> None:
    if not round.routes.exists():
        raise PortalError(_("Add at least one eligibility route before opening the round."), field="routes")
    if not round.criteria.exists():
        raise PortalError(_("Add at least one selection criterion before opening the round."), field="criteria")
    if round.closes_at <= timezone.now():
        message = (
            _("The closing date, %(closes)s (UK time), has passed. Move it later before reopening the round.")
            if reopening
            else _("The closing date, %(closes)s (UK time), has passed. Move it later before opening the round.")
        )
        raise PortalError(message % {"closes": _uk_time(round.closes_at)}, field="closes_at")
    _refuse_overlap(round=round, phase=round.phase, opens_at=round.opens_at, closes_at=round.closes_at)


@transaction.atomic
def round_transition(*, round: Round, to: RoundStatus | str, by) -> Round:
    """Move the round to another status, as `ALLOWED_TRANSITIONS` allows; any
    other move is refused. Opening (or reopening) needs at least one route and one
    criterion, a closing date still to come, and no other open round of the same
    phase at overlapping dates, checked under a lock so two rounds opened at once
    cannot both pass. Asking for the status the round already has changes nothing
    (a double click). Writes one audit row per change."""
    try:
        to = RoundStatus(to)
    except ValueError as error:
        raise PortalError(_("Choose a status the round can move to.")) from error
    round = _locked(round)
    current = RoundStatus(round.status)
    if to == current:
        return round
    status_move(
        round, to=to, allowed=ALLOWED_TRANSITIONS, refusal=_("A round that is %(status)s cannot become %(to)s.")
    )
    if to == RoundStatus.OPEN:
        _refuse_unless_ready_to_open(round, reopening=current == RoundStatus.CLOSED)
    round.save(update_fields=["status", "updated_at"])
    audit_log(
        actor=by,
        action="round.transition",
        target=round,
        summary=f"{current.label} → {to.label}",
        changes={"status": [current.value, to.value]},
    )
    return round


def _refuse_bad_quota(*, round: Round, organisation: Organisation | None, region: Region | None) -> None:
    if organisation is None and region is None:
        raise PortalError(_("Choose an organisation or a region."), field="organisation")
    if organisation is not None and region is not None:
        raise PortalError(_("Choose an organisation or a region, not both."), field="region")
    if round.status in QUOTAS_FIXED_FROM:
        raise PortalError(_("Nomination quotas cannot change once review has started."))


@transaction.atomic
def quota_set(
    *, round: Round, by, places: int, organisation: Organisation | None = None, region: Region | None = None
) -> NominationQuota:
    """Set how many people an organisation, or the organisations of a region, may
    nominate in the round: creates the quota or changes its places. Exactly one of
    organisation and region; at least 1 place (remove the quota instead); refused
    once review has started. Writes one audit row when something changed."""
    round = _locked(round)
    _refuse_bad_quota(round=round, organisation=organisation, region=region)
    if places < 1:
        raise PortalError(_("Give at least 1 place. To stop nominations, remove the quota instead."), field="places")
    # The round's row is locked, so no other request adds this quota meanwhile.
    quota = NominationQuota.objects.filter(round=round, organisation=organisation, region=region).first()
    if quota is None:
        quota = NominationQuota(round=round, organisation=organisation, region=region, places=places)
        _full_clean(quota)
        quota.save(force_insert=True)
        old_places = None
    elif quota.places == places:
        return quota
    else:
        old_places = quota.places
        quota.places = places
        quota.save(update_fields=["places"])
    audit_log(
        actor=by,
        action="round.quota_set",
        target=round,
        summary=str(quota),
        changes={"for": str(organisation or region), "places": [old_places, places]},
    )
    return quota


@transaction.atomic
def quota_remove(*, round: Round, by, organisation: Organisation | None = None, region: Region | None = None) -> None:
    """Remove an organisation's or a region's nomination quota from the round.
    Refused once review has started. Writes one audit row."""
    round = _locked(round)
    _refuse_bad_quota(round=round, organisation=organisation, region=region)
    quota = NominationQuota.objects.filter(round=round, organisation=organisation, region=region).first()
    if quota is None:
        raise PortalError(_("%(name)s has no nomination quota in this round.") % {"name": organisation or region})
    quota.delete()
    audit_log(
        actor=by,
        action="round.quota_remove",
        target=round,
        summary=str(quota),
        changes={"for": str(organisation or region), "places": [quota.places, None]},
    )
