"""Releasing a round's decisions to the applicants, and the audited reversal of a
released decision. Before release a decision is the programme team's private
working (`services.decisions`); releasing makes it the application's outcome,
which the applicant sees, and is final: afterwards only `decision_reverse`
changes it, with a reason, and the applicant is told."""

import json
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.choices import ApplicationOutcome, ApplicationStatus, RoundStatus
from applications.models import Application, Round
from applications.services.applications import ALLOWED_TRANSITIONS as APPLICATION_TRANSITIONS
from applications.services.rounds import round_transition
from q_portal.audit.models import AuditEntry
from q_portal.audit.services import audit_log
from q_portal.broker import enqueue_on_commit
from q_portal.exceptions import PortalError

from .. import emails
from ..choices import (
    ACTIVE_RELEASE_STATUSES,
    REVIEWED_STATUSES,
    DecisionOutcome,
    PlaceOfferStatus,
    ReleaseRunStatus,
)
from ..models import Decision, PlaceOffer, ReleaseRun
from ..selectors.decisions import prefetch_feedback
from ..tasks import release_decisions as release_decisions_task
from .places import offer_new
from .settings import selection_settings_for

# The released decision, in the words the applicant's pages use.
APPLICATION_OUTCOMES = {
    DecisionOutcome.ACCEPT: ApplicationOutcome.ACCEPTED,
    DecisionOutcome.WAITLIST: ApplicationOutcome.WAITLISTED,
    DecisionOutcome.UNSUCCESSFUL: ApplicationOutcome.UNSUCCESSFUL,
}
RELEASABLE_ROUND_STATUSES = (RoundStatus.IN_REVIEW, RoundStatus.DECIDED)


def _released_feedback(decision: Decision) -> list[dict]:
    return [
        {"letter": row.criterion.letter, "title": row.criterion.title, "text": row.text}
        for row in sorted(decision.application.approved_feedback, key=lambda row: row.criterion.letter)
    ]


def _refuse_unless_decidable(application: Application) -> None:
    """Submitted or under review, as the applications' state machine allows
    (submitted → under review → decision made)."""
    if application.status not in REVIEWED_STATUSES or (
        ApplicationStatus.DECIDED not in APPLICATION_TRANSITIONS[ApplicationStatus.UNDER_REVIEW]
    ):
        raise PortalError(
            _("%(reference)s is %(status)s, so its decision cannot be released.")
            % {"reference": application, "status": application.get_status_display().lower()}
        )


@transaction.atomic
def decisions_release(*, round: Round, by) -> int:
    """Release every unreleased decision of the round at once, in this request or
    task; returns how many. The programme team's page releases through
    `release_start` instead (a task, in batches, with progress); this is for small
    rounds, the demo data and tests. Side effects as `_release_batch` and
    `_release_finish` say. Refused when there is nothing to release or the round
    is not in review."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    _refuse_unless_releasable(round)
    decisions = _decisions_for_release(round, Decision.objects.filter(round=round, released_at__isnull=True))
    if not decisions:
        raise PortalError(_("There are no decisions waiting to be released."))
    for decision in decisions:
        _refuse_unless_decidable(decision.application)
    _release_batch(round=round, decisions=decisions, by=by)
    _release_finish(round=round, decision_ids=[decision.pk for decision in decisions], by=by)
    return len(decisions)


# --- Release as a task, in batches --------------------------------------------------

RELEASE_BATCH_SIZE = 500


def _normalised_name(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@transaction.atomic
def release_start(*, round: Round, by, confirmation: str) -> ReleaseRun:
    """Confirm the release of every decision of the round waiting to be released:
    the person types the round's name. Fixes which decisions are released (those
    unreleased now), checks each can be, records the run and queues the task that
    releases them in batches (`release_run_continue`) after commit. One audit
    entry. Refused while another release of the round runs."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    _refuse_unless_releasable(round)
    if _normalised_name(confirmation) != _normalised_name(round.name):
        raise PortalError(
            _("Type the round's name, %(name)s, exactly as it is shown, to confirm.") % {"name": round.name},
            field="confirmation",
        )
    if ReleaseRun.objects.filter(round=round, status__in=ACTIVE_RELEASE_STATUSES).exists():
        raise PortalError(_("A release of this round is already running: wait for it to finish."))
    pending = Decision.objects.filter(round=round, released_at__isnull=True)
    not_decidable = (
        pending.exclude(application__status__in=REVIEWED_STATUSES)
        .select_related("application")
        .order_by("application__reference")
        .first()
    )
    if not_decidable is not None:
        _refuse_unless_decidable(not_decidable.application)
    decision_ids = list(pending.order_by("application__reference", "pk").values_list("pk", flat=True))
    if not decision_ids:
        raise PortalError(_("There are no decisions waiting to be released."))
    run = ReleaseRun(round=round, requested_by=by, decision_ids=decision_ids, total=len(decision_ids))
    run.full_clean()
    run.save(force_insert=True)
    audit_log(
        actor=by,
        action="selection.release_start",
        target=round,
        summary=_("Confirmed the release of %(count)d decisions") % {"count": len(decision_ids)},
    )
    enqueue_on_commit(release_decisions_task, run_id=run.pk)
    return run


def release_run_continue(*, run_id: int) -> ReleaseRun | None:
    """Release a confirmed run's decisions, one batch of `RELEASE_BATCH_SIZE` per
    transaction so the release page shows progress, then finish the round. Safe to
    call again after a crash or twice at once: each batch locks the run and takes
    only decisions still unreleased. A decision that can no longer be released
    (its application withdrawn meanwhile) stops the run with the problem stated;
    what was released stays released. Returns the run, or None if it is gone."""
    while True:
        with transaction.atomic():
            run = ReleaseRun.objects.select_for_update().filter(pk=run_id).first()
            if run is None or not run.is_active:
                return run
            round = Round.objects.select_for_update().get(pk=run.round_id)
            if run.status == ReleaseRunStatus.QUEUED:
                run.status, run.started_at = ReleaseRunStatus.RUNNING, timezone.now()
            batch = _next_batch(run=run, round=round)
            try:
                for decision in batch:
                    _refuse_unless_decidable(decision.application)
            except PortalError as error:
                run.status, run.problem, run.finished_at = ReleaseRunStatus.FAILED, error.message, timezone.now()
                run.save(update_fields=["status", "problem", "started_at", "finished_at", "updated_at"])
                return run
            if batch:
                _release_batch(round=round, decisions=batch, by=run.requested_by)
                run.released = min(run.total, run.released + len(batch))
            else:
                _release_finish(round=round, decision_ids=run.decision_ids, by=run.requested_by)
                run.status, run.finished_at = ReleaseRunStatus.DONE, timezone.now()
            run.save(update_fields=["status", "released", "started_at", "finished_at", "updated_at"])
            if run.status == ReleaseRunStatus.DONE:
                return run


def _next_batch(*, run: ReleaseRun, round: Round) -> list[Decision]:
    """The run's next decisions still unreleased, locked: those of the first slice
    of RELEASE_BATCH_SIZE of its decisions (in the order they were confirmed) that
    has any. Each batch releases one slice whole, in order, so the slices before
    `run.released` (rounded down) are done; starting there, a query names at most a
    slice's ids, not the whole run's (10,000 parameters a batch, most of its cost)."""
    ids = run.decision_ids
    start = run.released - run.released % RELEASE_BATCH_SIZE
    while start < len(ids):
        chunk = ids[start : start + RELEASE_BATCH_SIZE]
        batch = _decisions_for_release(round, Decision.objects.filter(pk__in=chunk, released_at__isnull=True))
        if batch:
            return batch
        start += RELEASE_BATCH_SIZE
    return []


def release_runs_stalled() -> list[int]:
    """Runs confirmed but not moving for a minute (their task was lost, or the
    broker was down when the team confirmed): beat queues them again."""
    stale = timezone.now() - timedelta(minutes=1)
    return list(
        ReleaseRun.objects.filter(status__in=ACTIVE_RELEASE_STATUSES, updated_at__lt=stale).values_list("pk", flat=True)
    )


# --- The steps ------------------------------------------------------------------------


def _refuse_unless_releasable(round: Round) -> None:
    if round.status not in RELEASABLE_ROUND_STATUSES:
        raise PortalError(_("Decisions can be released once the round is in review."))


def _decisions_for_release(round: Round, decisions) -> list[Decision]:
    """The decisions, locked, with what releasing them needs, in reference order."""
    rows = list(
        Decision.objects.select_for_update(of=("self",))
        .filter(pk__in=[decision.pk for decision in decisions])
        .select_related("application__applicant")
        .prefetch_related(prefetch_feedback())
        .order_by("application__reference", "pk")
    )
    for decision in rows:
        decision.application.round = round  # one object for the emails, not one per row
    return rows


def _release_batch(*, round: Round, decisions: list[Decision], by) -> None:
    """Release these decisions. Side effects, in the caller's transaction: each
    application gets its outcome, the release time, the approved feedback (only
    approved feedback is ever released) and the status "Decision made"; each
    accepted applicant is offered a place to confirm within the round's
    `place_confirm_days`; each applicant is emailed the decision (a template per
    outcome) through the outbox; one audit entry per application. Applications
    anonymised before release get their outcome but no offer and no email."""
    settings = selection_settings_for(round=round)
    now = timezone.now()
    offers, audit_entries = [], []
    content_type = ContentType.objects.get_for_model(Application)
    actor = by if by is not None and by.is_authenticated else None
    for decision in decisions:
        before = _mark_released(decision, now=now, actor=actor)
        offer = _offer_on_release(decision, settings=settings, now=now)
        if offer is not None:
            offers.append(offer)
        audit_entries.append(
            _release_audit_entry(decision, before=before, offer=offer, actor=actor, content_type=content_type)
        )
    _store_releases(decisions, now=now, actor=actor)
    PlaceOffer.objects.bulk_create(offers, batch_size=1000)
    AuditEntry.objects.bulk_create(audit_entries, batch_size=1000)
    _queue_outcome_emails(decisions, offers=offers)


def _mark_released(decision: Decision, *, now, actor) -> str:
    """The decision released, and its application given the outcome, the
    approved feedback and the status "Decision made", in memory only (the batch
    writes them set-based); returns the application's status before."""
    application = decision.application
    decision.released_at, decision.released_by = now, actor
    application.outcome = APPLICATION_OUTCOMES[DecisionOutcome(decision.outcome)]
    application.outcome_released_at = now
    application.released_feedback = _released_feedback(decision)
    before = application.status
    application.status = ApplicationStatus.DECIDED
    application.updated_at = now
    return before


def _offer_on_release(decision: Decision, *, settings, now) -> PlaceOffer | None:
    """An unsaved offer of a place for an acceptance whose applicant is still
    known (not anonymised); None for every other decision."""
    if decision.outcome == DecisionOutcome.ACCEPT and decision.application.applicant_id:
        return offer_new(application=decision.application, settings=settings, now=now, promoted=False)
    return None


def _release_audit_entry(
    decision: Decision, *, before: str, offer: PlaceOffer | None, actor, content_type: ContentType
) -> AuditEntry:
    """The unsaved audit entry of one application's release: the outcome, the
    place offered and its deadline, the status change and the feedback released."""
    application = decision.application
    summary = _("Decision released: %(outcome)s") % {"outcome": decision.get_outcome_display()}
    if offer is not None:
        summary += "; " + _("place offered, to confirm by %(date)s") % {
            "date": timezone.localtime(offer.respond_by).strftime("%-d %B %Y")
        }
    return AuditEntry(
        actor=actor,
        action="selection.decision_release",
        target_type=content_type,
        target_id=str(application.pk),
        summary=summary[:500],
        changes={
            "outcome": decision.outcome,
            "status": [before, ApplicationStatus.DECIDED.value],
            "feedback": [item["letter"] for item in application.released_feedback],
        },
    )


def _store_releases(decisions: list[Decision], *, now, actor) -> None:
    """Write what `_mark_released` set on the decisions and their applications."""
    # A few set-based updates, not one per row: a round of 10,000 releases in seconds.
    Decision.objects.filter(pk__in=[decision.pk for decision in decisions]).update(released_at=now, released_by=actor)
    applications = [decision.application for decision in decisions]
    for outcome in {application.outcome for application in applications}:
        Application.objects.filter(
            pk__in=[application.pk for application in applications if application.outcome == outcome]
        ).update(
            outcome=outcome,
            outcome_released_at=now,
            status=ApplicationStatus.DECIDED,
            released_feedback=[],
            updated_at=now,
        )
    _store_released_feedback(
        {application.pk: application.released_feedback for application in applications if application.released_feedback}
    )


def _queue_outcome_emails(decisions: list[Decision], *, offers: list[PlaceOffer]) -> None:
    """Queue each known applicant's outcome email, with the place offered to an
    accepted one; an anonymised application gets none."""
    offers_by_application = {offer.application_id: offer for offer in offers}
    emails.outcome_emails_queue(
        [
            emails.outcome_email(
                application=decision.application,
                outcome=decision.outcome,
                feedback=decision.application.released_feedback,
                offer=offers_by_application.get(decision.application_id),
            )
            for decision in decisions
            if decision.application.applicant_id is not None
        ]
    )


def _release_finish(*, round: Round, decision_ids: list[int], by) -> None:
    """After the last batch: one audit entry for the round with the counts by
    outcome, and the round becomes decided when no application is left undecided."""
    counts = dict.fromkeys(DecisionOutcome.values, 0)
    for row in Decision.objects.filter(pk__in=decision_ids).values("outcome").annotate(count=Count("pk")):
        counts[row["outcome"]] = row["count"]
    audit_log(
        actor=by,
        action="selection.decisions_release",
        target=round,
        summary=_(
            "Released %(count)d decisions: %(accepted)d accepted, %(waitlisted)d waiting list, %(no)d unsuccessful"
        )
        % {
            "count": sum(counts.values()),
            "accepted": counts[DecisionOutcome.ACCEPT],
            "waitlisted": counts[DecisionOutcome.WAITLIST],
            "no": counts[DecisionOutcome.UNSUCCESSFUL],
        },
        changes={"released": counts},
    )
    if round.status == RoundStatus.IN_REVIEW and not _undecided(round).exists():
        round_transition(round=round, to=RoundStatus.DECIDED, by=by)


def _store_released_feedback(feedback: dict[int, list[dict]]) -> None:
    """Write each application's released feedback: one UPDATE from arrays on
    PostgreSQL, one per application elsewhere (the SQLite demo)."""
    if not feedback:
        return
    if connection.vendor != "postgresql":
        for application_id, items in feedback.items():
            Application.objects.filter(pk=application_id).update(released_feedback=items)
        return
    table = Application._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET released_feedback = rows.feedback::jsonb "  # noqa: S608 - the table name is ours
            f"FROM unnest(%s::bigint[], %s::text[]) AS rows(id, feedback) WHERE {table}.id = rows.id",
            [list(feedback), [json.dumps(items) for items in feedback.values()]],
        )


def _undecided(round: Round):
    """Applications of the round still without a released decision."""
    return Application.objects.filter(round=round, status__in=REVIEWED_STATUSES)


@transaction.atomic
def decision_reverse(*, decision: Decision, outcome: str, reason: str, by) -> Decision:
    """Change a released decision: the only way one changes. Needs a reason
    (kept in the audit entry). Side effects: the application's outcome; a place
    offered when it becomes an acceptance (or the open offer withdrawn when it
    stops being one; a confirmed place is refused: the person is a member, and
    the membership is ended in the members' area); an audit entry; an email
    telling the applicant. Freed places are not passed on to the waiting list:
    the programme team decides that on the places page."""
    # The round first, as every change to a round's decisions and places locks it.
    Round.objects.select_for_update().filter(pk=decision.round_id).first()
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    outcome, reason = _refuse_unless_reversible(decision=decision, outcome=outcome, reason=reason)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("applicant", "round")
        .get(pk=decision.application_id)
    )
    offer = PlaceOffer.objects.select_for_update().filter(application=application).first()
    now = timezone.now()
    offer, offer_change = _offer_withdrawn_on_reversal(decision=decision, application=application, offer=offer)
    if outcome == DecisionOutcome.ACCEPT and application.applicant_id:
        offer, offer_change = _offer_made_on_reversal(application=application, offer=offer, now=now), "offered"
    _record_reversal(
        decision=decision,
        application=application,
        outcome=outcome,
        reason=reason,
        offer_change=offer_change,
        by=by,
        now=now,
    )
    if application.applicant_id:
        emails.decision_changed_email_queue(
            application=application, outcome=outcome, offer=offer if outcome == DecisionOutcome.ACCEPT else None
        )
    return decision


def _refuse_unless_reversible(*, decision: Decision, outcome: str, reason: str) -> tuple[DecisionOutcome, str]:
    """The new outcome and the reason, stripped; refused unless the decision is
    released, the outcome is another one and a reason of up to 2,000 characters
    is given."""
    if not decision.is_released:
        raise PortalError(_("This decision has not been released: change it in the decision room."))
    try:
        outcome = DecisionOutcome(outcome)
    except ValueError as error:
        raise PortalError(_("Choose the new decision."), field="outcome") from error
    if outcome == decision.outcome:
        raise PortalError(
            _("The decision is already %(outcome)s. Choose a different one.")
            % {"outcome": decision.get_outcome_display().lower()},
            field="outcome",
        )
    reason = (reason or "").strip()
    if not reason:
        raise PortalError(_("Give the reason for changing a released decision."), field="reason")
    if len(reason) > 2000:
        raise PortalError(_("Keep the reason to 2,000 characters or fewer."), field="reason")
    return outcome, reason


def _offer_withdrawn_on_reversal(
    *, decision: Decision, application: Application, offer: PlaceOffer | None
) -> tuple[PlaceOffer | None, str]:
    """When an acceptance is reversed, its open offer is withdrawn (deleted) and
    a confirmed place refuses the reversal. Returns the offer left (None once
    withdrawn) and "withdrawn" or "" for the audit entry."""
    if decision.outcome == DecisionOutcome.ACCEPT and offer is not None:
        if offer.status == PlaceOfferStatus.CONFIRMED:
            raise PortalError(
                _(
                    "%(name)s has confirmed their place and is a member. End the membership in the members' "
                    "area first; the decision itself then stands as the record of their acceptance."
                )
                % {"name": application.full_name or application},
                field="outcome",
            )
        if offer.status == PlaceOfferStatus.OFFERED:
            offer.delete()
            return None, "withdrawn"
    return offer, ""


def _offer_made_on_reversal(*, application: Application, offer: PlaceOffer | None, now) -> PlaceOffer:
    """The place offered on a reversal to acceptance, with a new deadline: a new
    offer, or the one declined or lapsed before offered again."""
    settings = selection_settings_for(round=application.round)
    fresh = offer_new(application=application, settings=settings, now=now, promoted=False)
    if offer is None:
        fresh.full_clean(exclude=["application", "round"], validate_unique=False)
        fresh.save(force_insert=True)
        return fresh
    offer.status, offer.offered_at, offer.respond_by = fresh.status, fresh.offered_at, fresh.respond_by
    offer.responded_at, offer.promoted_from_waitlist = None, False
    offer.save(update_fields=["status", "offered_at", "respond_by", "responded_at", "promoted_from_waitlist"])
    return offer


def _record_reversal(
    *,
    decision: Decision,
    application: Application,
    outcome: DecisionOutcome,
    reason: str,
    offer_change: str,
    by,
    now,
) -> None:
    """Save the new outcome on the decision (now decided by `by`) and on the
    application (released again now), and one audit entry with the reason and
    what happened to the place."""
    before = DecisionOutcome(decision.outcome)
    decision.outcome = outcome
    decision.decided_by, decision.decided_at = by, now
    decision.save(update_fields=["outcome", "decided_by", "decided_at"])
    application.outcome = APPLICATION_OUTCOMES[outcome]
    application.outcome_released_at = now
    application.save(update_fields=["outcome", "outcome_released_at", "updated_at"])
    audit_log(
        actor=by,
        action="selection.decision_reverse",
        target=application,
        summary=_("Released decision reversed: %(before)s → %(after)s. Reason: %(reason)s")
        % {"before": before.label, "after": outcome.label, "reason": reason},
        changes={"outcome": [before.value, outcome.value], "reason": reason, "place": offer_change},
    )
