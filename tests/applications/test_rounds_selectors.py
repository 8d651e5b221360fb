from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus, Phase, RoundStatus, RouteKind
from applications.models import NominationQuota
from applications.selectors.rounds import (
    open_round_overlapping,
    quotas_of,
    rounds_for_programme,
    rounds_with_setup,
    route_application_counts,
)
from tests.factories import OrganisationFactory, RegionFactory, programme_team, with_totp
from tests.factories.applications import ApplicationFactory, RoundFactory, route, submitted

pytestmark = pytest.mark.django_db


def days(n: int):
    return timezone.now() + timedelta(days=n)


def rounds_with_applications(count: int, *, applications_each: int) -> None:
    for n in range(count):
        round = RoundFactory(opens_at=days(-n - 1), routes=[route(RouteKind.OPEN), route(RouteKind.NOMINATED)])
        ApplicationFactory.create_batch(applications_each, round=round)


def test_rounds_for_programme_counts_started_submitted_and_withdrawn():
    round = RoundFactory()
    ApplicationFactory(round=round)
    submitted(ApplicationFactory(round=round))
    submitted(ApplicationFactory(round=round, status=ApplicationStatus.UNDER_REVIEW))
    ApplicationFactory(round=round, status=ApplicationStatus.WITHDRAWN)
    ApplicationFactory()  # another round's
    empty = RoundFactory()

    counts = {
        r.pk: (r.applications_started, r.applications_submitted, r.applications_withdrawn)
        for r in rounds_for_programme()
    }

    assert counts[round.pk] == (4, 2, 1)
    assert counts[empty.pk] == (0, 0, 0)


def test_rounds_for_programme_newest_first():
    older = RoundFactory(opens_at=days(-30))
    newer = RoundFactory(opens_at=days(-1))

    assert [r.pk for r in rounds_for_programme() if r.pk in (older.pk, newer.pk)] == [newer.pk, older.pk]


def test_rounds_for_programme_prefetches_routes(django_assert_num_queries):
    rounds_with_applications(3, applications_each=1)

    with django_assert_num_queries(2):
        route_names = [[r.name for r in round.routes.all()] for round in rounds_for_programme()]

    assert len(route_names) == 3


def test_rounds_with_setup_prefetches_criteria_and_quotas(django_assert_num_queries):
    round = RoundFactory()
    NominationQuota.objects.create(round=round, region=RegionFactory(name="Wales", slug="wales"), places=4)
    NominationQuota.objects.create(round=round, organisation=OrganisationFactory(name="NHS Trust"), places=2)

    with django_assert_num_queries(4):
        loaded = rounds_with_setup().get(pk=round.pk)
        letters = [c.letter for c in loaded.criteria.all()]
        quotas = [(str(q.organisation or q.region), q.places) for q in loaded.nomination_quotas.all()]

    assert letters == ["a", "b", "c"]
    assert quotas == [("Wales", 4), ("NHS Trust", 2)]


def test_quotas_of_lists_only_the_rounds_quotas():
    round, other = RoundFactory(), RoundFactory()
    mine = NominationQuota.objects.create(round=round, organisation=OrganisationFactory(), places=2)
    NominationQuota.objects.create(round=other, organisation=OrganisationFactory(), places=2)

    assert list(quotas_of(round=round)) == [mine]


def test_route_application_counts_by_route():
    open_route, nominated = route(RouteKind.OPEN), route(RouteKind.NOMINATED)
    round = RoundFactory(routes=[open_route, nominated])
    ApplicationFactory.create_batch(2, round=round, route=open_route)
    ApplicationFactory(round=round, route=None)
    ApplicationFactory(route=open_route)  # another round's

    assert route_application_counts(round=round) == {open_route.pk: 2}
    assert route_application_counts(round=round, route_ids=[nominated.pk]) == {}


def test_open_round_overlapping_finds_only_open_rounds_of_the_phase():
    pilot = RoundFactory(phase=Phase.PILOT, opens_at=days(-5), closes_at=days(5))
    RoundFactory(phase=Phase.PILOT, status=RoundStatus.CLOSED, opens_at=days(-5), closes_at=days(5))
    RoundFactory(phase=Phase.WIDER, opens_at=days(-5), closes_at=days(5))

    assert open_round_overlapping(phase=Phase.PILOT, opens_at=days(4), closes_at=days(9)) == pilot
    assert open_round_overlapping(phase=Phase.PILOT, opens_at=pilot.closes_at, closes_at=days(9)) is None
    assert open_round_overlapping(phase=Phase.PILOT, opens_at=days(-1), closes_at=days(1), exclude_pk=pilot.pk) is None


@pytest.mark.parametrize(("rounds", "applications_each"), [(3, 1), (30, 4)])
def test_round_list_page_query_count_does_not_grow(client, django_assert_num_queries, rounds, applications_each):
    rounds_with_applications(rounds, applications_each=applications_each)
    client.force_login(with_totp(programme_team()))

    with django_assert_num_queries(10):
        response = client.get(reverse("rounds:list"))

    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') == min(rounds, 25)


@pytest.mark.parametrize(("quotas", "applications_each"), [(1, 1), (20, 10)])
def test_round_detail_page_query_count_does_not_grow(client, django_assert_num_queries, quotas, applications_each):
    round = RoundFactory(routes=[route(RouteKind.OPEN), route(RouteKind.NOMINATED)])
    ApplicationFactory.create_batch(applications_each, round=round, route=route(RouteKind.OPEN))
    for _ in range(quotas):
        NominationQuota.objects.create(round=round, organisation=OrganisationFactory(), places=3)
    client.force_login(with_totp(programme_team()))

    with django_assert_num_queries(12):
        response = client.get(reverse("rounds:detail", args=[round.pk]))

    assert response.status_code == 200
