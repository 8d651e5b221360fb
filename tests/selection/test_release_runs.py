"""Releasing a round's decisions as a run in batches (`release_start`,
`release_run_continue`, `release_runs_stalled`): the guards the programme team
meets when confirming, what a run releases and records, and which runs beat
queues again (issue 24: mutants no test noticed)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.choices import ApplicationOutcome, ApplicationStatus, RoundStatus
from applications.models import Application, Round
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from selection.choices import DecisionOutcome, ReleaseRunStatus
from selection.models import Decision, ReleaseRun
from selection.services.release import release_run_continue, release_runs_stalled, release_start
from tests.factories.decisions import decided, decided_round, team_member
from tests.factories.selection import submitted_application
from tests.selection.test_release_records import statements

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def refused(**arguments) -> PortalError:
    with pytest.raises(PortalError) as refusal:
        release_start(**arguments)
    return refusal.value


def test_confirming_a_release_before_the_round_is_in_review_is_refused():
    round, _applications = decided_round(accept=1)
    Round.objects.filter(pk=round.pk).update(status=RoundStatus.CLOSED)
    round.refresh_from_db()

    error = refused(round=round, by=team_member(), confirmation=round.name)

    assert str(error.message) == "Decisions can be released once the round is in review."
    assert not ReleaseRun.objects.exists()


def test_the_wrong_name_is_refused_at_the_confirmation_field_naming_the_round():
    round, _applications = decided_round(accept=1)

    error = refused(round=round, by=team_member(), confirmation="Another round")

    assert error.field == "confirmation"
    assert str(error.message) == f"Type the round's name, {round.name}, exactly as it is shown, to confirm."
    assert not ReleaseRun.objects.exists()


def test_a_second_release_of_the_round_while_one_runs_is_refused_but_another_rounds_is_not():
    round, _applications = decided_round(accept=1)
    other_round, _other = decided_round(unsuccessful=1)
    team = team_member()
    first = release_start(round=round, by=team, confirmation=round.name)

    error = refused(round=round, by=team, confirmation=round.name)
    other = release_start(round=other_round, by=team, confirmation=f"  {other_round.name.upper()} ")

    assert str(error.message) == "A release of this round is already running: wait for it to finish."
    assert list(ReleaseRun.objects.filter(round=round)) == [first]
    assert (other.round_id, other.status, other.total) == (other_round.pk, ReleaseRunStatus.QUEUED, 1)


def test_a_run_releases_its_decisions_as_the_person_who_confirmed_and_records_when(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False)
    round, applications = decided_round(accept=1, unsuccessful=1)
    team = team_member(display_name="Priya Team")
    run = release_start(round=round, by=team, confirmation=round.name)
    # A decision made after the confirmation is not part of this run.
    late = submitted_application(round)
    decided(late, DecisionOutcome.WAITLIST)
    time_machine.move_to(datetime(2026, 3, 2, 10, 5, tzinfo=LONDON), tick=False)

    run = release_run_continue(run_id=run.pk)

    assert (run.status, run.released, run.total) == (ReleaseRunStatus.DONE, 2, 2)
    assert run.started_at == run.finished_at == datetime(2026, 3, 2, 10, 5, tzinfo=LONDON)
    assert set(Decision.objects.filter(released_by=team).values_list("application_id", flat=True)) == {
        a.pk for a in applications
    }
    assert Decision.objects.get(application=late).released_at is None
    assert {a.outcome for a in Application.objects.filter(pk__in=[a.pk for a in applications])} == {
        ApplicationOutcome.ACCEPTED,
        ApplicationOutcome.UNSUCCESSFUL,
    }
    released = AuditEntry.objects.filter(action="selection.decision_release")
    assert {entry.actor_id for entry in released} == {team.pk}


def test_a_finished_run_run_again_changes_nothing_and_sends_nothing_twice():
    round, _applications = decided_round(accept=1)
    team = team_member()
    run = release_start(round=round, by=team, confirmation=round.name)
    done = release_run_continue(run_id=run.pk)
    emails = OutboundEmail.objects.count()
    audit = AuditEntry.objects.count()

    again = release_run_continue(run_id=run.pk)

    assert (again.status, again.finished_at, again.released) == (ReleaseRunStatus.DONE, done.finished_at, 1)
    assert (OutboundEmail.objects.count(), AuditEntry.objects.count()) == (emails, audit)
    assert release_run_continue(run_id=run.pk + 1000) is None


def test_a_run_meeting_a_withdrawn_application_stops_saying_why_and_releases_none_of_that_batch(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False)
    round, [kept, withdrawn] = decided_round(accept=1, unsuccessful=1)
    run = release_start(round=round, by=team_member(), confirmation=round.name)
    Application.objects.filter(pk=withdrawn.pk).update(status=ApplicationStatus.WITHDRAWN)
    time_machine.move_to(datetime(2026, 3, 2, 10, 7, tzinfo=LONDON), tick=False)

    run = release_run_continue(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ReleaseRunStatus.FAILED
    assert run.problem == f"{withdrawn.reference} is withdrawn, so its decision cannot be released."
    assert run.started_at == run.finished_at == datetime(2026, 3, 2, 10, 7, tzinfo=LONDON)
    assert not Decision.objects.filter(round=round, released_at__isnull=False).exists()
    assert not OutboundEmail.objects.filter(to=kept.applicant.email).exists()


def test_beat_queues_again_only_active_runs_that_have_not_moved_for_a_minute(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False)
    rounds = [decided_round(accept=1)[0] for _ in range(4)]
    team = team_member()
    stalled, recent, finished, failed = (release_start(round=r, by=team, confirmation=r.name) for r in rounds)
    ReleaseRun.objects.filter(pk=finished.pk).update(status=ReleaseRunStatus.DONE)
    ReleaseRun.objects.filter(pk=failed.pk).update(status=ReleaseRunStatus.FAILED)
    ReleaseRun.objects.filter(pk=recent.pk).update(updated_at=datetime(2026, 3, 2, 10, 1, 0, tzinfo=LONDON))
    time_machine.move_to(datetime(2026, 3, 2, 10, 1, 30, tzinfo=LONDON), tick=False)

    assert release_runs_stalled() == [stalled.pk]
    assert ReleaseRun.objects.get(pk=stalled.pk).updated_at == datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, 59, tzinfo=LONDON) + timedelta(minutes=1), tick=False)
    assert release_runs_stalled() == [stalled.pk]


def test_confirming_audits_the_run_and_fixes_its_decisions_in_reference_order():
    round, applications = decided_round(accept=1, waitlist=1, unsuccessful=1)
    team = team_member()

    run = release_start(round=round, by=team, confirmation=round.name)

    by_reference = sorted(applications, key=lambda a: a.reference)
    assert run.decision_ids == [Decision.objects.get(application=a).pk for a in by_reference]
    entry = AuditEntry.objects.get(action="selection.release_start")
    assert (entry.actor_id, entry.target_id, entry.summary) == (
        team.pk,
        str(round.pk),
        "Confirmed the release of 3 decisions",
    )


def test_confirming_with_a_withdrawn_application_among_the_waiting_decisions_is_refused_naming_it():
    round, [_kept, withdrawn] = decided_round(accept=1, unsuccessful=1)
    Application.objects.filter(pk=withdrawn.pk).update(status=ApplicationStatus.WITHDRAWN)

    error = refused(round=round, by=team_member(), confirmation=round.name)

    assert str(error.message) == f"{withdrawn.reference} is withdrawn, so its decision cannot be released."
    assert not ReleaseRun.objects.exists()


def test_after_a_finished_release_only_later_decisions_are_released_and_then_nothing_is_left():
    round, _applications = decided_round(accept=1)
    team = team_member()
    finished = release_run_continue(run_id=release_start(round=round, by=team, confirmation=round.name).pk)
    round.refresh_from_db()
    late = submitted_application(round)
    decided(late, DecisionOutcome.WAITLIST)

    second = release_start(round=round, by=team, confirmation=round.name)
    release_run_continue(run_id=second.pk)
    error = refused(round=round, by=team, confirmation=round.name)

    assert finished.status == ReleaseRunStatus.DONE
    assert second.decision_ids == [Decision.objects.get(application=late).pk]
    assert str(error.message) == "There are no decisions waiting to be released."


def test_the_last_batch_audits_the_counts_as_the_person_who_confirmed_and_decides_the_round():
    round, _applications = decided_round(accept=1, unsuccessful=2)
    team = team_member()

    release_run_continue(run_id=release_start(round=round, by=team, confirmation=round.name).pk)

    round.refresh_from_db()
    assert round.status == RoundStatus.DECIDED
    entry = AuditEntry.objects.get(action="selection.decisions_release")
    assert (entry.actor_id, entry.summary) == (
        team.pk,
        "Released 3 decisions: 1 accepted, 0 waiting list, 2 unsuccessful",
    )


def warm_content_types():
    """The audit entry's content type as a warm process has it, so a count does
    not depend on which test ran first."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    ContentType.objects.get_for_model(Round)


@pytest.mark.parametrize("size", [1, 5])
def test_confirming_a_release_costs_the_same_queries_for_one_decision_as_for_five(size):
    """The round locked, the waiting decisions checked and fixed by one query each,
    the run checked against the database's rules and saved, one audit entry."""
    round, _applications = decided_round(unsuccessful=size)
    team = team_member()
    warm_content_types()

    with CaptureQueriesContext(connection) as captured:
        run = release_start(round=round, by=team, confirmation=round.name)

    assert statements(captured) == 11
    assert (run.status, run.total, run.released) == (ReleaseRunStatus.QUEUED, size, 0)


@pytest.mark.parametrize("size", [1, 5])
def test_refusing_a_release_for_a_withdrawn_application_costs_the_same_queries_for_one_decision_as_for_five(size):
    """The first application that can no longer be decided is found with its
    reference in one query, however many decisions wait."""
    round, applications = decided_round(unsuccessful=size)
    withdrawn = applications[-1]
    Application.objects.filter(pk=withdrawn.pk).update(status=ApplicationStatus.WITHDRAWN)
    team = team_member()

    with CaptureQueriesContext(connection) as captured:
        error = refused(round=round, by=team, confirmation=round.name)

    assert statements(captured) == 3
    assert str(error.message) == f"{withdrawn.reference} is withdrawn, so its decision cannot be released."
