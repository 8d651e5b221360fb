import threading
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from applications.choices import ApplicationStatus, Phase, RoundStatus, RouteKind
from applications.models import NominationQuota, Round
from applications.services.rounds import (
    quota_remove,
    quota_set,
    round_create,
    round_next_statuses,
    round_transition,
    round_update,
)
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from tests.factories import OrganisationFactory, RegionFactory, programme_team
from tests.factories.applications import ApplicationFactory, RoundFactory, criteria, route

pytestmark = pytest.mark.django_db


def days(n: int):
    return timezone.now() + timedelta(days=n)


def draft_round(**kwargs) -> Round:
    return RoundFactory(status=RoundStatus.DRAFT, **kwargs)


# ---------------------------------------------------------------- round_create


def test_round_create_makes_draft_with_routes_and_criteria():
    by = programme_team()

    round = round_create(
        by=by,
        name="Wider recruitment, spring",
        phase=Phase.WIDER,
        opens_at=days(1),
        closes_at=days(30),
        capacity=120,
        routes=[route(RouteKind.OPEN), route(RouteKind.NOMINATED)],
        criteria=criteria(),
        description="  For everyone.  ",
        decisions_expected_on=days(60).date(),
    )

    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT
    assert round.description == "For everyone."
    assert sorted(r.kind for r in round.routes.all()) == ["nominated", "open"]
    assert [c.letter for c in round.criteria.all()] == ["a", "b", "c"]
    entry = AuditEntry.objects.get(action="round.create")
    assert (entry.actor, entry.target_id, entry.summary) == (by, str(round.pk), "Wider recruitment, spring")


def test_round_create_close_before_open_refused():
    with pytest.raises(PortalError) as raised:
        round_create(
            by=programme_team(),
            name="Backwards",
            phase=Phase.PILOT,
            opens_at=days(10),
            closes_at=days(9),
            capacity=10,
            routes=[],
            criteria=[],
        )

    assert raised.value.field == "closes_at"
    assert raised.value.message == "The closing date must be after the opening date."
    assert Round.objects.filter(name="Backwards").exists() is False


def test_round_create_same_time_for_open_and_close_refused():
    moment = days(3)

    with pytest.raises(PortalError) as raised:
        round_create(
            by=programme_team(),
            name="Instant",
            phase=Phase.PILOT,
            opens_at=moment,
            closes_at=moment,
            capacity=10,
            routes=[],
            criteria=[],
        )

    assert raised.value.field == "closes_at"


def test_round_create_name_taken_in_other_case_refused():
    RoundFactory(name="Pilot round")

    with pytest.raises(PortalError) as raised:
        round_create(
            by=programme_team(),
            name="pilot ROUND",
            phase=Phase.PILOT,
            opens_at=days(1),
            closes_at=days(2),
            capacity=10,
            routes=[],
            criteria=[],
        )

    assert raised.value.field == "name"
    assert Round.objects.count() == 1


def test_round_create_decisions_before_closing_refused():
    with pytest.raises(PortalError) as raised:
        round_create(
            by=programme_team(),
            name="Hasty",
            phase=Phase.PILOT,
            opens_at=days(1),
            closes_at=days(30),
            capacity=10,
            routes=[],
            criteria=[],
            decisions_expected_on=days(10).date(),
        )

    assert raised.value.field == "decisions_expected_on"


def test_round_create_no_places_refused():
    with pytest.raises(PortalError) as raised:
        round_create(
            by=programme_team(),
            name="Empty",
            phase=Phase.PILOT,
            opens_at=days(1),
            closes_at=days(2),
            capacity=0,
            routes=[],
            criteria=[],
        )

    assert raised.value.field == "capacity"


# ------------------------------------------------------------ round_transition


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (RoundStatus.DRAFT, RoundStatus.OPEN),
        (RoundStatus.OPEN, RoundStatus.CLOSED),
        (RoundStatus.CLOSED, RoundStatus.OPEN),
        (RoundStatus.CLOSED, RoundStatus.IN_REVIEW),
        (RoundStatus.IN_REVIEW, RoundStatus.DECIDED),
    ],
)
def test_round_transition_allowed_move_changes_status_and_audits(start, to):
    by = programme_team()
    round = RoundFactory(status=start)

    returned = round_transition(round=round, to=to, by=by)

    round.refresh_from_db()
    assert (returned.status, round.status) == (to, to)
    entry = AuditEntry.objects.get(action="round.transition", target_id=str(round.pk))
    assert entry.actor == by
    assert entry.changes == {"status": [start.value, to.value]}


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (RoundStatus.DRAFT, RoundStatus.CLOSED),
        (RoundStatus.DRAFT, RoundStatus.IN_REVIEW),
        (RoundStatus.DRAFT, RoundStatus.DECIDED),
        (RoundStatus.OPEN, RoundStatus.DRAFT),
        (RoundStatus.OPEN, RoundStatus.IN_REVIEW),
        (RoundStatus.OPEN, RoundStatus.DECIDED),
        (RoundStatus.CLOSED, RoundStatus.DRAFT),
        (RoundStatus.CLOSED, RoundStatus.DECIDED),
        (RoundStatus.IN_REVIEW, RoundStatus.DRAFT),
        (RoundStatus.IN_REVIEW, RoundStatus.OPEN),
        (RoundStatus.IN_REVIEW, RoundStatus.CLOSED),
        (RoundStatus.DECIDED, RoundStatus.DRAFT),
        (RoundStatus.DECIDED, RoundStatus.OPEN),
        (RoundStatus.DECIDED, RoundStatus.CLOSED),
        (RoundStatus.DECIDED, RoundStatus.IN_REVIEW),
    ],
)
def test_round_transition_illegal_move_refused(start, to):
    round = RoundFactory(status=start)

    with pytest.raises(PortalError) as raised:
        round_transition(round=round, to=to, by=programme_team())

    round.refresh_from_db()
    assert round.status == start
    assert raised.value.message == f"A round that is {start.label.lower()} cannot become {to.label.lower()}."
    assert AuditEntry.objects.filter(action="round.transition").count() == 0


def test_round_transition_unknown_status_refused():
    round = draft_round()

    with pytest.raises(PortalError):
        round_transition(round=round, to="archived", by=programme_team())

    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT


def test_round_transition_to_same_status_changes_nothing():
    round = RoundFactory(status=RoundStatus.CLOSED)

    round_transition(round=round, to=RoundStatus.CLOSED, by=programme_team())

    round.refresh_from_db()
    assert round.status == RoundStatus.CLOSED
    assert AuditEntry.objects.filter(action="round.transition").count() == 0


def test_round_next_statuses_follow_the_table():
    assert round_next_statuses(RoundFactory.build(status=RoundStatus.DRAFT)) == [RoundStatus.OPEN]
    assert round_next_statuses(RoundFactory.build(status=RoundStatus.CLOSED)) == [
        RoundStatus.OPEN,
        RoundStatus.IN_REVIEW,
    ]
    assert round_next_statuses(RoundFactory.build(status=RoundStatus.DECIDED)) == []


def test_round_transition_reopen_after_closing_date_refused():
    round = RoundFactory(status=RoundStatus.CLOSED, opens_at=days(-30), closes_at=days(-1))

    with pytest.raises(PortalError) as raised:
        round_transition(round=round, to=RoundStatus.OPEN, by=programme_team())

    round.refresh_from_db()
    assert round.status == RoundStatus.CLOSED
    assert raised.value.field == "closes_at"
    assert "before reopening the round" in raised.value.message


def test_round_transition_open_without_routes_refused():
    round = draft_round(routes=[])

    with pytest.raises(PortalError) as raised:
        round_transition(round=round, to=RoundStatus.OPEN, by=programme_team())

    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT
    assert raised.value.message == "Add at least one eligibility route before opening the round."


def test_round_transition_open_without_criteria_refused():
    round = draft_round(with_criteria=False)

    with pytest.raises(PortalError) as raised:
        round_transition(round=round, to=RoundStatus.OPEN, by=programme_team())

    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT
    assert raised.value.message == "Add at least one selection criterion before opening the round."


def test_round_transition_open_overlapping_same_phase_refused():
    RoundFactory(name="Pilot one", phase=Phase.PILOT, opens_at=days(-7), closes_at=days(14))
    second = draft_round(name="Pilot two", phase=Phase.PILOT, opens_at=days(10), closes_at=days(40))

    with pytest.raises(PortalError) as raised:
        round_transition(round=second, to=RoundStatus.OPEN, by=programme_team())

    second.refresh_from_db()
    assert second.status == RoundStatus.DRAFT
    assert raised.value.message.startswith("Pilot one, another pilot round, is open from ")


def test_round_transition_open_overlapping_other_phase_allowed():
    RoundFactory(phase=Phase.PILOT, opens_at=days(-7), closes_at=days(14))
    wider = draft_round(phase=Phase.WIDER, opens_at=days(-1), closes_at=days(40))

    round_transition(round=wider, to=RoundStatus.OPEN, by=programme_team())

    wider.refresh_from_db()
    assert wider.status == RoundStatus.OPEN


def test_round_transition_open_straight_after_same_phase_round_allowed():
    first = RoundFactory(phase=Phase.PILOT, opens_at=days(-7), closes_at=days(14))
    second = draft_round(phase=Phase.PILOT, opens_at=first.closes_at, closes_at=days(40))

    round_transition(round=second, to=RoundStatus.OPEN, by=programme_team())

    second.refresh_from_db()
    assert second.status == RoundStatus.OPEN


def test_round_transition_open_overlapping_closed_same_phase_round_allowed():
    RoundFactory(phase=Phase.PILOT, status=RoundStatus.CLOSED, opens_at=days(-7), closes_at=days(14))
    second = draft_round(phase=Phase.PILOT, opens_at=days(-1), closes_at=days(40))

    round_transition(round=second, to=RoundStatus.OPEN, by=programme_team())

    second.refresh_from_db()
    assert second.status == RoundStatus.OPEN


@pytest.mark.django_db(transaction=True)
def test_round_transition_opening_two_overlapping_rounds_at_once_opens_one():
    by = programme_team()
    first = draft_round(name="First", phase=Phase.PILOT)
    second = draft_round(name="Second", phase=Phase.PILOT)
    first_opened, commit_first = threading.Event(), threading.Event()
    outcome = {}

    def open_first():
        try:
            with transaction.atomic():
                round_transition(round=first, to=RoundStatus.OPEN, by=by)
                first_opened.set()
                # Hold the transaction open while the second request tries.
                commit_first.wait(timeout=10)
        finally:
            connection.close()

    def open_second():
        first_opened.wait(timeout=10)
        try:
            round_transition(round=second, to=RoundStatus.OPEN, by=by)
            outcome["second"] = "opened"
        except PortalError as error:
            outcome["second"] = error.message
        finally:
            connection.close()

    threads = [threading.Thread(target=open_first), threading.Thread(target=open_second)]
    for thread in threads:
        thread.start()
    threads[1].join(timeout=1)  # without a lock the second would have opened by now
    commit_first.set()
    for thread in threads:
        thread.join(timeout=10)

    assert outcome["second"].startswith("First, another pilot round, is open from ")
    assert list(Round.objects.order_by("name").values_list("status", flat=True)) == ["open", "draft"]


# ---------------------------------------------------------------- round_update


def test_round_update_remove_route_used_by_applications_refused():
    open_route, nominated = route(RouteKind.OPEN), route(RouteKind.NOMINATED)
    round = RoundFactory(routes=[open_route, nominated])
    ApplicationFactory.create_batch(2, round=round, route=open_route)

    with pytest.raises(PortalError) as raised:
        round_update(round=round, by=programme_team(), routes=[nominated])

    assert raised.value.field == "routes"
    assert raised.value.message == (
        "A route that applications use cannot be removed from the round: Open to all is used by 2 applications."
    )
    assert sorted(r.kind for r in round.routes.all()) == ["nominated", "open"]


def test_round_update_remove_route_used_by_withdrawn_application_refused():
    open_route, nominated = route(RouteKind.OPEN), route(RouteKind.NOMINATED)
    round = RoundFactory(routes=[open_route, nominated])
    ApplicationFactory(round=round, route=open_route, status=ApplicationStatus.WITHDRAWN)

    with pytest.raises(PortalError) as raised:
        round_update(round=round, by=programme_team(), routes=[nominated])

    assert raised.value.message.endswith("Open to all is used by 1 application.")


def test_round_update_remove_unused_route_allowed_and_audited():
    by = programme_team()
    open_route, nominated = route(RouteKind.OPEN), route(RouteKind.NOMINATED)
    round = RoundFactory(routes=[open_route, nominated])
    ApplicationFactory(round=round, route=open_route)

    round_update(round=round, by=by, routes=[open_route])

    assert [r.kind for r in round.routes.all()] == ["open"]
    entry = AuditEntry.objects.get(action="round.update")
    assert entry.changes == {"routes": [sorted([open_route.name, nominated.name]), [open_route.name]]}


def test_round_update_criteria_after_opening_refused():
    round = RoundFactory(status=RoundStatus.OPEN)

    with pytest.raises(PortalError) as raised:
        round_update(round=round, by=programme_team(), criteria=criteria()[:2])

    assert raised.value.field == "criteria"
    assert [c.letter for c in round.criteria.all()] == ["a", "b", "c"]


@pytest.mark.parametrize("status", [RoundStatus.CLOSED, RoundStatus.IN_REVIEW, RoundStatus.DECIDED])
def test_round_update_criteria_of_round_that_has_opened_refused(status):
    round = RoundFactory(status=status)

    with pytest.raises(PortalError):
        round_update(round=round, by=programme_team(), criteria=criteria()[:1])

    assert round.criteria.count() == 3


def test_round_update_same_criteria_after_opening_allowed():
    round = RoundFactory(status=RoundStatus.OPEN)

    round_update(round=round, by=programme_team(), criteria=criteria(), capacity=50)

    round.refresh_from_db()
    assert round.capacity == 50


def test_round_update_criteria_of_draft_allowed():
    round = draft_round()

    round_update(round=round, by=programme_team(), criteria=criteria()[:2])

    assert [c.letter for c in round.criteria.all()] == ["a", "b"]


def test_round_update_close_before_open_refused():
    round = draft_round(opens_at=days(5), closes_at=days(20))

    with pytest.raises(PortalError) as raised:
        round_update(round=round, by=programme_team(), closes_at=days(4))

    round.refresh_from_db()
    assert raised.value.field == "closes_at"
    assert round.closes_at > round.opens_at


def test_round_update_extend_open_round_deadline_allowed_and_audited():
    by = programme_team()
    round = RoundFactory(opens_at=days(-7), closes_at=days(3))
    later = days(10)

    round_update(round=round, by=by, closes_at=later, description="Extended.")

    round.refresh_from_db()
    assert (round.closes_at, round.description, round.status) == (later, "Extended.", RoundStatus.OPEN)
    entry = AuditEntry.objects.get(action="round.update")
    assert entry.actor == by
    assert sorted(entry.changes) == ["closes_at", "description"]
    assert entry.changes["closes_at"][1] == later.isoformat()


def test_round_update_extend_open_round_into_other_open_round_refused():
    earlier = RoundFactory(phase=Phase.WIDER, opens_at=days(-7), closes_at=days(3))
    RoundFactory(name="Next", phase=Phase.WIDER, opens_at=days(3), closes_at=days(30))

    with pytest.raises(PortalError) as raised:
        round_update(round=earlier, by=programme_team(), closes_at=days(10))

    earlier.refresh_from_db()
    assert earlier.closes_at < days(4)
    assert raised.value.field == "closes_at"
    assert raised.value.message.startswith("Next, another wider recruitment round, is open from ")


def test_round_update_phase_of_open_round_into_overlap_refused():
    RoundFactory(phase=Phase.PILOT)
    wider = RoundFactory(phase=Phase.WIDER)

    with pytest.raises(PortalError) as raised:
        round_update(round=wider, by=programme_team(), phase=Phase.PILOT)

    wider.refresh_from_db()
    assert (wider.phase, raised.value.field) == (Phase.WIDER, "phase")


def test_round_update_dates_of_draft_overlapping_open_round_allowed():
    RoundFactory(phase=Phase.WIDER, opens_at=days(-7), closes_at=days(30))
    draft = draft_round(phase=Phase.WIDER, opens_at=days(40), closes_at=days(60))

    round_update(round=draft, by=programme_team(), opens_at=days(1))

    draft.refresh_from_db()
    assert draft.opens_at < days(2)


def test_round_update_closing_date_of_open_round_in_past_refused():
    round = RoundFactory(opens_at=days(-7), closes_at=days(3))

    with pytest.raises(PortalError) as raised:
        round_update(round=round, by=programme_team(), closes_at=days(-1))

    assert raised.value.field == "closes_at"


@pytest.mark.parametrize("status", [RoundStatus.IN_REVIEW, RoundStatus.DECIDED])
def test_round_update_dates_once_review_started_refused(status):
    round = RoundFactory(status=status, opens_at=days(-30), closes_at=days(-5))

    with pytest.raises(PortalError) as raised:
        round_update(round=round, by=programme_team(), closes_at=days(-2))

    assert raised.value.field == "closes_at"


def test_round_update_name_taken_refused():
    RoundFactory(name="Taken")
    round = draft_round(name="Mine")

    with pytest.raises(PortalError) as raised:
        round_update(round=round, by=programme_team(), name="Taken")

    round.refresh_from_db()
    assert (round.name, raised.value.field) == ("Mine", "name")


def test_round_update_nothing_changed_writes_no_audit():
    round = draft_round()

    round_update(
        round=round,
        by=programme_team(),
        name=round.name,
        capacity=round.capacity,
        routes=list(round.routes.all()),
        criteria=criteria(),
    )

    assert AuditEntry.objects.filter(action="round.update").count() == 0


def test_round_update_unknown_field_is_a_programming_error():
    with pytest.raises(TypeError):
        round_update(round=draft_round(), by=programme_team(), status=RoundStatus.OPEN)


# ----------------------------------------------------------------------- quotas


def test_quota_set_for_organisation_creates_then_changes_places():
    by = programme_team()
    round = RoundFactory()
    organisation = OrganisationFactory(name="West Midlands AHSN")

    quota_set(round=round, by=by, places=10, organisation=organisation)
    quota_set(round=round, by=by, places=12, organisation=organisation)

    assert list(NominationQuota.objects.values_list("organisation__name", "region", "places")) == [
        ("West Midlands AHSN", None, 12)
    ]
    assert [e.changes["places"] for e in AuditEntry.objects.filter(action="round.quota_set").order_by("pk")] == [
        [None, 10],
        [10, 12],
    ]


def test_quota_set_for_region_creates_quota():
    round = RoundFactory()
    region = RegionFactory(name="Scotland", slug="scotland")

    quota = quota_set(round=round, by=programme_team(), places=5, region=region)

    assert (quota.region, quota.organisation, quota.places) == (region, None, 5)


def test_quota_set_for_both_organisation_and_region_refused():
    with pytest.raises(PortalError) as raised:
        quota_set(
            round=RoundFactory(),
            by=programme_team(),
            places=3,
            organisation=OrganisationFactory(),
            region=RegionFactory(),
        )

    assert raised.value.field == "region"
    assert NominationQuota.objects.count() == 0


def test_quota_set_for_neither_refused():
    with pytest.raises(PortalError) as raised:
        quota_set(round=RoundFactory(), by=programme_team(), places=3)

    assert raised.value.field == "organisation"


def test_quota_set_no_places_refused():
    with pytest.raises(PortalError) as raised:
        quota_set(round=RoundFactory(), by=programme_team(), places=0, organisation=OrganisationFactory())

    assert raised.value.field == "places"
    assert NominationQuota.objects.count() == 0


def test_quota_set_once_review_started_refused():
    round = RoundFactory(status=RoundStatus.IN_REVIEW)

    with pytest.raises(PortalError):
        quota_set(round=round, by=programme_team(), places=3, organisation=OrganisationFactory())

    assert NominationQuota.objects.count() == 0


def test_quota_remove_deletes_quota_and_audits():
    by = programme_team()
    round = RoundFactory()
    region = RegionFactory()
    quota_set(round=round, by=by, places=4, region=region)

    quota_remove(round=round, by=by, region=region)

    assert NominationQuota.objects.count() == 0
    assert AuditEntry.objects.get(action="round.quota_remove").changes["places"] == [4, None]


def test_quota_remove_missing_quota_refused():
    organisation = OrganisationFactory(name="Health Foundation")

    with pytest.raises(PortalError) as raised:
        quota_remove(round=RoundFactory(), by=programme_team(), organisation=organisation)

    assert raised.value.message == "Health Foundation has no nomination quota in this round."


def test_round_create_decisions_on_closing_day_allowed():
    round = round_create(
        by=programme_team(),
        name="Quick decisions",
        phase=Phase.PILOT,
        opens_at=days(1),
        closes_at=days(30),
        capacity=10,
        routes=[],
        criteria=[],
        decisions_expected_on=timezone.localdate(days(30)),
    )

    assert isinstance(round.decisions_expected_on, date)
