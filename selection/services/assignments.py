"""Assigning reviewers: automatically for a whole round (a top-up, so repeating it
never duplicates), by hand for one application, and a reviewer's declared
conflict of interest, which removes their access at once and reassigns.

The plan is made in memory by `selection.assignment`; these services load its
facts with a constant number of queries and write it with bulk_create. Every
change is audited against the application, where the programme team reads it."""

import json
import secrets
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.choices import ApplicationStatus, RoundStatus
from applications.models import Application, Round
from applications.services.rounds import round_transition
from members.models import User
from q_portal.audit.models import AuditEntry
from q_portal.audit.services import audit_log
from q_portal.exceptions import PortalError
from q_portal.roles import Role
from scoring.assignment import ApplicationFacts, AssignmentPlan, ReviewerFacts, find_conflicts, plan_assignments
from scoring.mixing import mixing

from ..choices import REVIEWED_STATUSES, ConflictKind, ReviewStatus
from ..models import Assignment, Conflict, ReviewerCapacity, SelectionSettings
from . import scores as score_services
from .progress import progress_changed
from .settings import selection_settings_for

# A round takes assignments once closed; assigning a closed round starts its review.
ASSIGNABLE_ROUND_STATUSES = frozenset({RoundStatus.CLOSED, RoundStatus.IN_REVIEW})
# At most this many unassignable applications are kept in the round's report.
REPORT_LIMIT = 200


@dataclass
class AssignmentResult:
    created: int
    conflicts_found: int
    removed_for_conflict: int
    # The first REPORT_LIMIT applications short of reviewers, and how many there are in all.
    unassignable: list[dict]
    unassignable_total: int = 0
    # The regular (application id, reviewer id) pairs of the applications
    # assigned, after this run: for the mixing report without reading them back.
    pairs: list[tuple[int, int]] | None = None


def _locked_round(round: Round) -> Round:
    return Round.objects.select_for_update().get(pk=round.pk)


def _reviewer_facts(*, round: Round, settings: SelectionSettings) -> list[ReviewerFacts]:
    """Every active reviewer with their organisation, region and capacity in the
    round: two queries."""
    capacities = dict(ReviewerCapacity.objects.filter(round=round).values_list("reviewer_id", "capacity"))
    rows = (
        User.objects.filter(groups__name=Role.REVIEWER, is_active=True)
        .values_list("pk", "reviewer_profile__organisation_id", "reviewer_profile__region_id")
        .order_by("pk")
        .distinct()
    )
    return [
        ReviewerFacts(
            id=pk,
            organisation_id=organisation_id,
            region_id=region_id,
            capacity=capacities.get(pk, settings.default_capacity),
        )
        for pk, organisation_id, region_id in rows
    ]


def _application_facts(*, round: Round, application_ids=None) -> list[ApplicationFacts]:
    applications = Application.objects.filter(round=round, status__in=REVIEWED_STATUSES)
    if application_ids is not None:
        applications = applications.filter(pk__in=application_ids)
    rows = applications.order_by("pk").values_list(
        "pk",
        "applicant_id",
        "organisation_id",
        "region_id",
        "nomination__nominated_by_id",
        "nomination__organisation_id",
    )
    return [
        ApplicationFacts(
            id=pk,
            applicant_id=applicant_id,
            organisation_id=organisation_id,
            region_id=region_id,
            nominated_by_id=nominated_by_id,
            nominating_organisation_id=nominating_organisation_id,
        )
        for pk, applicant_id, organisation_id, region_id, nominated_by_id, nominating_organisation_id in rows
    ]


def _int_array(values) -> str:
    """A PostgreSQL array literal of integers, passed as one string parameter.
    Django's psycopg cursor binds on the client, quoting a list element by
    element in Python: for a round's 30,000 assignments that was seconds; one
    string is one C call."""
    return "{" + ",".join(map(str, values)) + "}"


def _text_array(values) -> str:
    """A PostgreSQL array literal of strings (each quoted, so commas, braces,
    quotes, backslashes and the word NULL stay text), as one string parameter."""
    return "{" + ",".join('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values) + "}"


def _inserts_from_arrays() -> bool:
    """Whether the bulk writes below are one INSERT from arrays (PostgreSQL) or
    bulk_create (SQLite, the `make run` demo, which Django splits into batches
    SQLite accepts): one place, so a test can take the demo's path on
    PostgreSQL and compare the rows."""
    return connection.vendor == "postgresql"


def _bulk_audit(*, by, action: str, entries: dict[int, tuple[str, dict]]) -> None:
    """One audit row per application: {application id: (summary, changes)}. On
    PostgreSQL one INSERT from arrays (a round of 10,000 applications in a
    fraction of a second); elsewhere bulk_create."""
    if not entries:
        return
    content_type = ContentType.objects.get_for_model(Application)
    # None for nobody or an anonymous user (whose pk is None), as `audit_log` records them.
    actor_id = getattr(by, "pk", None)
    if _inserts_from_arrays():
        table = AuditEntry._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (at, actor_id, action, target_type_id, target_id, summary, changes) "  # noqa: S608 - the table name is ours
                "SELECT %s, %s, %s, %s, target_id, summary, changes::jsonb "
                "FROM unnest(%s::text[], %s::text[], %s::text[]) AS rows(target_id, summary, changes)",
                [
                    timezone.now(),
                    actor_id,
                    action,
                    content_type.pk,
                    _int_array(entries),
                    _text_array(summary[:500] for summary, _changes in entries.values()),
                    _text_array(json.dumps(changes) for _summary, changes in entries.values()),
                ],
            )
        return
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor_id=actor_id,
                action=action,
                target_type=content_type,
                target_id=str(application_id),
                summary=summary[:500],
                changes=changes,
            )
            for application_id, (summary, changes) in entries.items()
        ]
    )


def _bulk_assign(*, round: Round, pairs: list[tuple[int, int]]) -> None:
    """Write new assignments: on PostgreSQL one INSERT from two arrays, elsewhere
    bulk_create."""
    if not pairs:
        return
    if _inserts_from_arrays():
        table = Assignment._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (round_id, application_id, reviewer_id, created_at) "  # noqa: S608 - the table name is ours
                "SELECT %s, application_id, reviewer_id, %s "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS rows(application_id, reviewer_id)",
                [round.pk, timezone.now(), _int_array(a for a, _r in pairs), _int_array(r for _a, r in pairs)],
            )
        return
    Assignment.objects.bulk_create([Assignment(round=round, application_id=a, reviewer_id=r) for a, r in pairs])


def _assign(
    *, round: Round, by, settings: SelectionSettings, application_ids=None, exclude=(), moved_to_review=frozenset()
) -> AssignmentResult:
    """Remove the assignments a conflict of interest now hits and top up those of
    the round's reviewed applications (or only of `application_ids`): a constant
    number of queries whatever the size of the round. The automatic conflicts are
    found afresh (`selection.conflicts`: never stored). One audit row per
    application changed, which also tells when it was put under review
    (`moved_to_review`)."""
    applications = _application_facts(round=round, application_ids=application_ids)
    reviewers = _reviewer_facts(round=round, settings=settings)
    reviewer_names = dict(
        User.objects.filter(pk__in=[reviewer.id for reviewer in reviewers]).values_list("pk", "display_name")
    )
    ids = None if application_ids is None else [application.id for application in applications]
    scoped = _of_applications(Assignment.objects.filter(round=round), ids)
    automatic = find_conflicts(applications, reviewers)
    stepped_aside = _of_applications(Conflict.objects.filter(round=round), ids)
    conflicted = set(stepped_aside.values_list("application_id", "reviewer_id")) | set(automatic)
    pairs, hit = _remove_conflicted_assignments(assignments=scoped, conflicted=conflicted)
    # A moderator's assignment is not one of the reviewers the top-up counts, but
    # its reviewer is not assigned the application a second time either.
    moderation_pairs = set(scoped.filter(is_moderation=True).values_list("application_id", "reviewer_id"))
    pairs = [pair for pair in pairs if pair not in moderation_pairs]
    plan = _plan_top_up(
        round=round,
        settings=settings,
        applications=applications,
        reviewers=reviewers,
        pairs=pairs,
        not_to_assign=conflicted | set(exclude) | moderation_pairs,
        only_some=application_ids is not None,
    )
    _bulk_assign(round=round, pairs=plan.new)
    if plan.new or hit:
        progress_changed(round_id=round.pk)
    changes = _changes_by_application(removed=hit, added=plan.new, moved_to_review=moved_to_review)
    _bulk_audit(by=by, action="selection.assign_auto", entries=_audit_entries(changes, reviewer_names=reviewer_names))
    unassignable = _unassignable_report(plan.unassignable)
    score_services.scores_refresh(round=round, application_ids=application_ids, settings=settings)
    return AssignmentResult(
        created=len(plan.new),
        conflicts_found=len(automatic),
        removed_for_conflict=len(hit),
        unassignable=unassignable,
        unassignable_total=len(plan.unassignable),
        pairs=pairs + plan.new,
    )


def _of_applications(rows, application_ids: list[int] | None):
    """A round's `rows` (assignments or conflicts), only those of `application_ids`
    unless None (the whole round)."""
    return rows if application_ids is None else rows.filter(application_id__in=application_ids)


def _remove_conflicted_assignments(
    *, assignments, conflicted: set[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Delete the `assignments` a conflict hits: the (application id, reviewer id)
    pairs kept and those removed."""
    kept, hit, hit_pks = [], [], []
    for pk, application_id, reviewer_id in assignments.values_list("pk", "application_id", "reviewer_id"):
        if (application_id, reviewer_id) in conflicted:
            hit.append((application_id, reviewer_id))
            hit_pks.append(pk)
        else:
            kept.append((application_id, reviewer_id))
    if hit_pks:
        Assignment.objects.filter(pk__in=hit_pks).delete()
    return kept, hit


def _plan_top_up(
    *,
    round: Round,
    settings: SelectionSettings,
    applications: list[ApplicationFacts],
    reviewers: list[ReviewerFacts],
    pairs: list[tuple[int, int]],
    not_to_assign: set[tuple[int, int]],
    only_some: bool,
) -> AssignmentPlan:
    """The new assignments that top up `applications` from the regular `pairs`
    they keep, never one of the pairs `not_to_assign`, each reviewer's load
    counted across the round (every assignment, a moderator's too): one query.
    When `only_some` of the round's applications are topped up, `pairs` does not
    show what their reviewers share elsewhere in the round: one query more tells
    the plan what each reviewer staying on them shares with any other, which is
    what choosing their co-reviewer compares. (Not what a reviewer this run adds
    shared before with the others: only a second empty place on one application
    would look at that, and reading the whole round's pairs for it made a
    reassignment at 10,000 applications four times slower.)"""
    loads = dict(
        Assignment.objects.filter(round=round)
        .values_list("reviewer_id")
        .annotate(count=Count("pk"))
        .values_list("reviewer_id", "count")
    )
    return plan_assignments(
        applications=applications,
        reviewers=reviewers,
        existing=pairs,
        conflicts=not_to_assign,
        per_application=settings.reviewers_per_application,
        prefer_other_region=settings.prefer_other_region,
        loads=loads,
        seed=assignment_seed(settings=settings),
        shared=_shared_with(round=round, reviewer_ids={reviewer_id for _a, reviewer_id in pairs})
        if only_some
        else None,
    )


def _shared_with(*, round: Round, reviewer_ids: set[int]) -> dict[tuple[int, int], int]:
    """How many applications each of `reviewer_ids` shares with each other
    reviewer in the round's regular assignments, {(lower id, higher id): n}: one
    query, counted in the database, reading only these reviewers' applications."""
    rows = (
        Assignment.objects.filter(
            round=round,
            is_moderation=False,
            reviewer_id__in=reviewer_ids,
            application__assignments__is_moderation=False,
        )
        .values_list("reviewer_id", "application__assignments__reviewer_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {(min(one, other), max(one, other)): count for one, other, count in rows if one != other}


def _changes_by_application(
    *,
    removed: list[tuple[int, int]],
    added: list[tuple[int, int]],
    moved_to_review,
) -> dict[int, dict]:
    """What changed for each application, for its audit row: {application id:
    {"removed": [reviewer ids], "added": [reviewer ids]}, with "status" when it
    was put under review}."""
    changed: dict[int, dict] = {}

    def changes_of(application_id: int) -> dict:
        return changed.setdefault(application_id, {"removed": [], "added": []})

    for application_id, reviewer_id in removed:
        changes_of(application_id)["removed"].append(reviewer_id)
    for application_id, reviewer_id in added:
        changes_of(application_id)["added"].append(reviewer_id)
    statuses = [ApplicationStatus.SUBMITTED.value, ApplicationStatus.UNDER_REVIEW.value]
    for application_id in moved_to_review:
        changes_of(application_id)["status"] = statuses
    return changed


def _audit_entries(changed: dict[int, dict], *, reviewer_names: dict[int, str]) -> dict[int, tuple[str, dict]]:
    """Each changed application's audit row, {application id: (summary, changes)}:
    the summary names the reviewers assigned and removed (by id when nameless)."""
    under_review = f"{ApplicationStatus.SUBMITTED.label} → {ApplicationStatus.UNDER_REVIEW.label}"
    # Translated once, not once per application (10,000 lookups are seconds).
    assigned_text, removed_text = _("assigned %(names)s"), _("removed %(names)s (conflict of interest)")
    summary_text = _("Automatic assignment: %(what)s")

    def names(reviewer_ids) -> str:
        return ", ".join(reviewer_names.get(reviewer_id) or str(reviewer_id) for reviewer_id in reviewer_ids)

    entries: dict[int, tuple[str, dict]] = {}
    for application_id, changes in changed.items():
        parts = [under_review] if "status" in changes else []
        if changes["added"]:
            parts.append(assigned_text % {"names": names(changes["added"])})
        if changes["removed"]:
            parts.append(removed_text % {"names": names(changes["removed"])})
        entries[application_id] = (summary_text % {"what": "; ".join(parts)}, changes)
    return entries


def _unassignable_report(unassignable: dict[int, tuple[int, str]]) -> list[dict]:
    """The first REPORT_LIMIT applications short of reviewers, with their
    references, how many reviewers each lacks and why: one query."""
    first = list(unassignable.items())[:REPORT_LIMIT]
    references = dict(
        Application.objects.filter(pk__in=[application_id for application_id, _short in first]).values_list(
            "pk", "reference"
        )
    )
    return [
        {"application": application_id, "reference": references[application_id], "missing": missing, "reason": reason}
        for application_id, (missing, reason) in first
    ]


def assignment_seed(*, settings: SelectionSettings) -> int:
    """The round's seed for the assignment's random tie-breaks: drawn the first
    time and recorded in the assignment report, so a re-run is reproducible."""
    seed = settings.assignment_report.get("seed")
    return int(seed) if seed is not None else secrets.randbelow(2**31)


def round_mixing(*, round: Round) -> dict:
    """How mixed the round's regular assignments are (`scoring.mixing`): one query."""
    pairs = Assignment.objects.filter(round=round, is_moderation=False).values_list("application_id", "reviewer_id")
    return mixing(pairs.order_by()).as_dict()


def _start_review_of_applications(*, round: Round) -> set[int]:
    """Move the round's submitted applications to under review, as the
    applications' state machine allows (a constant table: tests/selection/
    test_services.py checks it allows this move), in one update; their ids
    (audited by `_assign`, one row per application)."""
    submitted = Application.objects.filter(round=round, status=ApplicationStatus.SUBMITTED)
    ids = set(submitted.values_list("pk", flat=True))
    # The round is locked and closed: no application becomes submitted meanwhile.
    submitted.update(status=ApplicationStatus.UNDER_REVIEW)
    return ids


@transaction.atomic
def assignments_auto(*, round: Round, by) -> AssignmentResult:
    """Assign reviewers to every submitted application of a closed round (which
    starts its review) or of a round in review: removes any assignment a conflict
    of interest now hits (`conflicts_found` counts the automatic ones the
    assignment kept clear of), puts the submitted applications
    under review (the applicant sees it), then tops up each application to
    the round's number of reviewers, never conflicted, never above capacity, the
    load as even as capacities allow. Running it again adds only what is missing.
    Keeps a report of what could not be assigned and why on the round's settings.
    Writes one audit row per application changed, and one for the round; the
    applications' stored scores (reviews expected) follow."""
    round = _locked_round(round)
    if round.status not in ASSIGNABLE_ROUND_STATUSES:
        raise PortalError(_("Reviewers can be assigned once the round has closed."))
    if round.status == RoundStatus.CLOSED:
        round = round_transition(round=round, to=RoundStatus.IN_REVIEW, by=by)
    settings = SelectionSettings.objects.select_for_update().get(pk=selection_settings_for(round=round).pk)
    moved = _start_review_of_applications(round=round)
    seed = assignment_seed(settings=settings)
    settings.assignment_report = {**settings.assignment_report, "seed": seed}
    result = _assign(round=round, by=by, settings=settings, moved_to_review=moved)
    total_unassignable = result.unassignable_total
    settings.assignment_report = {
        "ran_at": timezone.now().isoformat(),
        "created": result.created,
        "conflicts_found": result.conflicts_found,
        "removed_for_conflict": result.removed_for_conflict,
        "unassignable": result.unassignable,
        "unassignable_total": result.unassignable_total,
        "seed": seed,
        # Every regular assignment of the round: the pairs kept and made (as `round_mixing` reads them).
        "mixing": mixing(result.pairs).as_dict(),
    }
    settings.save(update_fields=["assignment_report"])
    if not (result.created or result.removed_for_conflict or moved):
        return result
    audit_log(
        actor=by,
        action="selection.assign_auto",
        target=round,
        summary=_("%(created)d assignments made, %(short)d applications short of reviewers")
        % {"created": result.created, "short": total_unassignable},
        changes={"created": result.created, "conflicts_found": result.conflicts_found},
    )
    return result


def _refuse_unless_reviewer(user: User) -> None:
    if not user.is_active or not user.groups.filter(name=Role.REVIEWER).exists():
        raise PortalError(_("%(name)s is not a reviewer.") % {"name": user}, field="reviewer")


def _refuse_unless_in_review(round: Round) -> None:
    if round.status != RoundStatus.IN_REVIEW:
        raise PortalError(_("Assignments change only while the round is in review."))


@transaction.atomic
def assignment_add(*, application: Application, reviewer: User, by) -> Assignment:
    """Assign one reviewer to one application by hand. Refused for a reviewer who
    has a conflict of interest with it, is already assigned, or has reached their
    capacity in the round (raise it first), and outside review. Writes one audit row."""
    round = _locked_round(application.round)
    _refuse_unless_in_review(round)
    _refuse_unless_reviewer(reviewer)
    if application.status not in REVIEWED_STATUSES:
        raise PortalError(_("Only submitted applications are reviewed."))
    settings = selection_settings_for(round=round)
    facts = _application_facts(round=round, application_ids=[application.pk])
    # An active reviewer (refused above otherwise) is one of the round's reviewers.
    (reviewer_facts,) = [r for r in _reviewer_facts(round=round, settings=settings) if r.id == reviewer.pk]
    if Conflict.objects.filter(application=application, reviewer=reviewer).exists() or find_conflicts(
        facts, [reviewer_facts]
    ):
        raise PortalError(
            _("%(name)s has a conflict of interest with this application.") % {"name": reviewer}, field="reviewer"
        )
    if Assignment.objects.filter(application=application, reviewer=reviewer).exists():
        raise PortalError(_("%(name)s is already assigned to this application.") % {"name": reviewer}, field="reviewer")
    capacity = reviewer_facts.capacity
    if Assignment.objects.filter(round=round, reviewer=reviewer).count() >= capacity:
        raise PortalError(
            _("%(name)s has reached their capacity of %(capacity)d in this round. Raise it first.")
            % {"name": reviewer, "capacity": capacity},
            field="reviewer",
        )
    assignment = Assignment(round=round, application=application, reviewer=reviewer)
    assignment.full_clean()
    assignment.save()
    progress_changed(round_id=round.pk)
    audit_log(
        actor=by,
        action="selection.assign",
        target=application,
        summary=_("Assigned %(name)s") % {"name": reviewer},
        changes={"added": [reviewer.pk]},
    )
    score_services.scores_refresh(round=round, application_ids=[application.pk])
    return assignment


def _has_submitted_review(assignment: Assignment) -> bool:
    return Assignment.objects.filter(pk=assignment.pk, review__status=ReviewStatus.SUBMITTED).exists()


def _remove(assignment: Assignment) -> bool:
    """Delete the assignment and its review; True if a review had been submitted."""
    had_review = _has_submitted_review(assignment)
    assignment.delete()
    progress_changed(round_id=assignment.round_id)
    return had_review


@transaction.atomic
def assignment_remove(*, assignment: Assignment, by) -> None:
    """Take a reviewer off an application, with their review (draft or submitted,
    said in the audit row). Nobody takes their place: use reassign for that."""
    round = _locked_round(assignment.round)
    _refuse_unless_in_review(round)
    application, reviewer = assignment.application, assignment.reviewer
    had_review = _remove(assignment)
    audit_log(
        actor=by,
        action="selection.unassign",
        target=application,
        summary=_("Removed %(name)s") % {"name": reviewer} + (_(" and their submitted review") if had_review else ""),
        changes={"removed": [reviewer.pk], "submitted_review_removed": had_review},
    )
    if had_review:
        score_services.scores_review_changed(application=application)
    else:
        score_services.scores_refresh(round=round, application_ids=[application.pk])


@transaction.atomic
def assignment_reassign(*, assignment: Assignment, by) -> Assignment | None:
    """Replace a reviewer on an application with another chosen as automatic
    assignment would (not conflicted, capacity left, least loaded). Their review
    goes with them. Refused, changing nothing, when nobody can take their place.
    Writes an audit row for the removal and one for the new assignment."""
    round = _locked_round(assignment.round)
    _refuse_unless_in_review(round)
    application, reviewer = assignment.application, assignment.reviewer
    settings = selection_settings_for(round=round)
    had_review = _remove(assignment)
    audit_log(
        actor=by,
        action="selection.unassign",
        target=application,
        summary=_("Removed %(name)s to reassign") % {"name": reviewer},
        changes={"removed": [reviewer.pk], "submitted_review_removed": had_review},
    )
    result = _assign(
        round=round, by=by, settings=settings, application_ids=[application.pk], exclude=[(application.pk, reviewer.pk)]
    )
    if result.created == 0:
        # Raised out of the atomic block: the removal above is rolled back.
        raise PortalError(_("No other reviewer without a conflict of interest has capacity left."))
    if had_review:
        score_services.scores_review_changed(application=application)
    return Assignment.objects.filter(application=application).order_by("-pk").first()


def _step_aside(*, assignment: Assignment, kind: str, reason: str, by, action: str, summary: str) -> Conflict:
    """The assigned reviewer leaves an application, with a reason: the pair is
    recorded (so they are never assigned it again and can no longer open it),
    their assignment (and any draft) goes, one audit row says why, and another
    reviewer is assigned where one is free (audited by `_assign`). The shared
    path of a declared conflict and an abstention."""
    assignment = Assignment.objects.select_for_update().select_related("round", "application").get(pk=assignment.pk)
    if assignment.reviewer_id != by.pk:
        raise PortalError(_("Only the assigned reviewer can step aside from this application."))
    if assignment.round.status != RoundStatus.IN_REVIEW:
        raise PortalError(_("You can step aside from an application while the round is in review."))
    if _has_submitted_review(assignment):
        raise PortalError(_("You have submitted your review. Ask the programme team to reopen it first."))
    application = assignment.application
    conflict = Conflict(round=assignment.round, application=application, reviewer=by, kind=kind, reason=reason)
    conflict.full_clean()
    assignment.delete()
    conflict.save()
    audit_log(
        actor=by,
        action=action,
        target=application,
        summary=summary % {"name": by, "reason": reason},
        changes={"reviewer": by.pk, "reason": reason},
    )
    settings = selection_settings_for(round=assignment.round)
    _assign(round=assignment.round, by=by, settings=settings, application_ids=[application.pk])
    return conflict


@transaction.atomic
def conflict_declare(*, assignment: Assignment, reason: str, by) -> Conflict:
    """The assigned reviewer declares a conflict of interest with the application,
    with a reason. At once: the conflict is recorded, their assignment (and any
    draft) is removed so they can no longer open the application, and another
    reviewer is assigned where one is free. Writes audit rows for the conflict and
    any new assignment."""
    reason = reason.strip()
    if not reason:
        raise PortalError(_("Tell us why you have a conflict of interest."), field="reason")
    return _step_aside(
        assignment=assignment,
        kind=ConflictKind.DECLARED,
        reason=reason,
        by=by,
        action="selection.conflict_declare",
        summary=_("%(name)s declared a conflict of interest: %(reason)s"),
    )


@transaction.atomic
def assignment_abstain(*, assignment: Assignment, reason: str, by) -> Conflict:
    """The assigned reviewer abstains from the application with a reason that is
    not a conflict of interest (e.g. it is outside their experience). Taken the
    same way as a declared conflict (`_step_aside`): recorded, audited, removed
    from their queue and reassigned where another reviewer is free."""
    reason = reason.strip()
    if not reason:
        raise PortalError(_("Tell us why you are abstaining."), field="reason")
    return _step_aside(
        assignment=assignment,
        kind=ConflictKind.ABSTAINED,
        reason=reason,
        by=by,
        action="selection.abstain",
        summary=_("%(name)s abstained: %(reason)s"),
    )
