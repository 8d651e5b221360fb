"""What a release records and tells (issue 24: mutants of `selection/services/release.py`
that no test noticed): when each outcome was released, the feedback in criterion
order, the audit entries the programme team reads, that only the round released
is touched, the deadline in the email of a reversal to a place, and what a release
and a reversal cost in queries whatever the round's size."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.choices import RoundStatus
from applications.models import Application, Round
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.models import OutboundEmail
from selection.models import Decision
from selection.services import release
from selection.services.release import decision_reverse, decisions_release
from tests.factories.decisions import decided_round, feedback, team_member

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
DECIDED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=LONDON)
RELEASED_AT = datetime(2026, 3, 2, 10, 30, tzinfo=LONDON)


def test_release_records_when_each_outcome_went_out_its_feedback_in_order_and_an_audit_of_each(time_machine):
    time_machine.move_to(DECIDED_AT, tick=False)
    round, [accepted, waitlisted] = decided_round(accept=1, waitlist=1)
    team = team_member(display_name="Priya Team")
    feedback(accepted, "b", "Strong on leadership.", approved=True, by=team)
    feedback(accepted, "a", "Clear on collaboration.", approved=True, by=team)
    time_machine.move_to(RELEASED_AT, tick=False)

    decisions_release(round=round, by=team)

    rows = Application.objects.filter(pk__in=[accepted.pk, waitlisted.pk]).order_by("pk")
    assert [(row.outcome_released_at, row.updated_at) for row in rows] == [(RELEASED_AT, RELEASED_AT)] * 2
    assert [item["letter"] for item in rows[0].released_feedback] == ["a", "b"]
    assert rows[1].released_feedback == []
    changes = dict(AuditEntry.objects.filter(action="selection.decision_release").values_list("target_id", "changes"))
    assert changes == {
        str(accepted.pk): {"outcome": "accept", "status": ["submitted", "decided"], "feedback": ["a", "b"]},
        str(waitlisted.pk): {"outcome": "waitlist", "status": ["submitted", "decided"], "feedback": []},
    }
    assert AuditEntry.objects.get(action="round.transition", target_id=str(round.pk)).actor_id == team.pk
    [entry] = AuditEntry.objects.filter(action="selection.decisions_release")
    assert (entry.actor_id, entry.summary, entry.changes) == (
        team.pk,
        "Released 2 decisions: 1 accepted, 1 waiting list, 0 unsuccessful",
        {"released": {"accept": 1, "waitlist": 1, "unsuccessful": 0}},
    )


def test_releasing_one_round_leaves_another_rounds_decisions_unreleased_and_unsent():
    round, [released] = decided_round(accept=1)
    other_round, [waiting] = decided_round(unsuccessful=1)

    assert decisions_release(round=round, by=team_member()) == 1

    round.refresh_from_db()
    assert round.status == RoundStatus.DECIDED  # the other round's undecided applications are not this one's
    assert Decision.objects.get(application=waiting).released_at is None
    assert OutboundEmail.objects.filter(to=waiting.applicant.email).count() == 0
    assert OutboundEmail.objects.filter(to=released.applicant.email).count() == 1
    assert decisions_release(round=other_round, by=team_member()) == 1


def test_a_second_release_of_the_same_decisions_is_refused_in_so_many_words():
    round, _applications = decided_round(accept=1)
    decisions_release(round=round, by=team_member())

    with pytest.raises(PortalError) as refused:
        decisions_release(round=round, by=team_member())

    assert refused.value.message == "There are no decisions waiting to be released."


def test_a_reversal_to_a_place_emails_the_deadline_and_the_link_to_confirm(time_machine):
    time_machine.move_to(RELEASED_AT, tick=False)
    round, [application] = decided_round(unsuccessful=1)
    team = team_member()
    decisions_release(round=round, by=team)

    decision_reverse(decision=application.decision, outcome="accept", reason="Appeal upheld", by=team)

    changed = OutboundEmail.objects.get(subject="A change to the decision on your application to Q")
    assert "Please confirm your place by 23:59 on Monday 16 March 2026 (UK time)." in changed.body_text
    assert f"/apply/application/{application.pk}/place/" in changed.body_text


def test_a_run_whose_first_slice_was_partly_released_already_still_releases_the_last_decision(monkeypatch):
    """A decision of the first slice released before the run reached it (by a
    release in the request, or a run before a crash): the run's own count then
    falls mid-slice, and the next slice must still be found."""
    from selection.models import ReleaseRun
    from selection.services.release import release_run_continue, release_start

    monkeypatch.setattr("selection.services.release.RELEASE_BATCH_SIZE", 3)
    round, _applications = decided_round(unsuccessful=4, name="Spring round 2026")
    run = release_start(round=round, by=team_member(), confirmation="Spring round 2026")
    Decision.objects.filter(pk=run.decision_ids[0]).update(released_at=RELEASED_AT)

    finished = release_run_continue(run_id=run.pk)

    assert (finished.status, finished.released) == ("done", 3)
    assert Decision.objects.filter(round=round, released_at__isnull=True).count() == 0
    last = Decision.objects.get(pk=run.decision_ids[-1]).application
    assert OutboundEmail.objects.filter(to=last.applicant.email).count() == 1
    assert ReleaseRun.objects.get(pk=run.pk).problem == ""


def test_a_confirmed_run_releases_in_reference_order_whatever_order_the_decisions_were_made_in():
    from selection.services.release import release_start
    from tests.factories.decisions import decided
    from tests.factories.selection import review_round, submitted_application

    round = review_round(name="Spring round 2026")
    first, second = submitted_application(round), submitted_application(round)
    decided(second, "unsuccessful")
    decided(first, "accept")

    run = release_start(round=round, by=team_member(), confirmation="Spring round 2026")

    assert run.decision_ids == [first.decision.pk, second.decision.pk]


def statements(captured: CaptureQueriesContext) -> int:
    """The statements a service sent, without savepoints: those only mark where a
    nested transaction starts and ends, and move with how services are nested."""
    return sum(
        not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
        for query in captured.captured_queries
    )


def content_types_known():
    """The audit entries' content types as a warm process has them, so a count
    does not depend on which test ran first."""
    ContentType.objects.clear_cache()
    ContentType.objects.get_for_models(Application, Round)


def accepted_round_with_feedback(size: int):
    round, applications = decided_round(accept=size)
    for application in applications:
        feedback(application, "a", f"Clear on collaboration ({application.reference}).", approved=True)
    return round


@pytest.mark.parametrize("size", [1, 5])
def test_a_release_costs_the_same_queries_for_one_decision_as_for_five(size):
    """Each applicant's email, offer, audit entry and feedback are written in bulk:
    a round of 10,000 releases in a few statements, not a few per decision."""
    round = accepted_round_with_feedback(size)
    team = team_member()
    content_types_known()

    with CaptureQueriesContext(connection) as captured:
        decisions_release(round=round, by=team)

    assert statements(captured) == 19

    assert OutboundEmail.objects.count() == size
    assert [len(items) for items in Application.objects.values_list("released_feedback", flat=True)] == [1] * size


@pytest.mark.parametrize("size", [1, 5])
def test_a_release_without_feedback_writes_none_and_costs_the_same_for_one_decision_as_for_five(size):
    round, _applications = decided_round(accept=size)
    team = team_member()
    content_types_known()

    # One query fewer than with feedback: nothing is written for feedback nobody approved.
    with CaptureQueriesContext(connection) as captured:
        decisions_release(round=round, by=team)

    assert statements(captured) == 18

    assert list(Application.objects.values_list("released_feedback", flat=True)) == [[]] * size


class NotPostgreSQL:
    """The database as `_store_released_feedback` asks about it, answering as the
    `make run` demo's SQLite does; it has no cursor for PostgreSQL's statement."""

    vendor = "sqlite"


def test_the_demos_database_is_given_the_same_released_feedback_as_postgresql(monkeypatch):
    """The demo (SQLite) writes each application's feedback with its own UPDATE,
    PostgreSQL with one from arrays: the applicants of two identical rounds, one
    released each way, get the same feedback."""
    team = team_member()
    rounds = []
    for _way in ("postgresql", "demo"):
        round, [first, second, _none] = decided_round(accept=1, waitlist=1, unsuccessful=1)
        feedback(first, "b", "Strong on leadership.", approved=True, by=team)
        feedback(first, "a", "Clear on collaboration.", approved=True, by=team)
        feedback(second, "c", "Reflective about what did not work.", approved=True, by=team)
        rounds.append(round)

    decisions_release(round=rounds[0], by=team)
    monkeypatch.setattr(release, "connection", NotPostgreSQL())
    decisions_release(round=rounds[1], by=team)

    released = [
        [row.released_feedback for row in Application.objects.filter(round=round).order_by("reference")]
        for round in rounds
    ]
    assert released[0] == released[1]
    assert [[item["letter"] for item in items] for items in released[1]] == [["a", "b"], ["c"], []]
    assert released[1][1] == [
        {
            "letter": "c",
            "title": "Ability to articulate and reflect on approaches used to improve quality",
            "text": "Reflective about what did not work.",
        }
    ]


@pytest.mark.parametrize("size", [1, 5])
def test_reversing_a_released_decision_costs_the_same_queries_whatever_the_rounds_size(django_assert_num_queries, size):
    """The round, the decision, the application and its offer are each locked and
    read once; the new offer is checked against the database's rules before it is
    saved; one audit entry and one email."""
    round, applications = decided_round(unsuccessful=size)
    team = team_member()
    decisions_release(round=round, by=team)
    content_types_known()

    with CaptureQueriesContext(connection) as captured:
        decision_reverse(decision=applications[0].decision, outcome="accept", reason="Appeal upheld", by=team)

    assert statements(captured) == 12

    assert OutboundEmail.objects.filter(subject="A change to the decision on your application to Q").count() == 1
