"""The selection board: every scored application with its numbers, sorted and
filtered on every column, paginated at 25/50/100/250, one query a page at any
size."""

import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.choices import RoleCategory, RouteKind
from applications.models import Nomination
from selection.choices import DecisionOutcome, Recommendation
from selection.models import ApplicationScore
from selection.selectors.board import BOARD_SORTS
from selection.services.settings import selection_settings_for
from tests.factories import OrganisationFactory, RegionFactory
from tests.factories.applications import route
from tests.factories.decisions import decided, team_member
from tests.factories.scores import review, reviewed_application, reviewers, scores_in_bulk
from tests.factories.selection import bulk_submitted_applications, review_round, submitted_application
from tests.quality.test_bad_input import NASTY, SCRIPT

pytestmark = pytest.mark.django_db

ACCEPT, MAYBE, NO = Recommendation.ACCEPT, Recommendation.MAYBE, Recommendation.DO_NOT_ACCEPT


def board(client, round, **params):
    return client.get(reverse("selection:board", kwargs={"pk": round.pk}), params)


def references(response) -> list[str]:
    """The application references in the board's rows, in order."""
    body = response.content.decode()
    table = body[body.index("<tbody>") : body.index("</tbody>")] if "<tbody>" in body else ""
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', table)


@pytest.fixture
def scored_round():
    """Four applications reviewed through the service. Totals by the first and
    second reviewer: best 12 and 11 (mean 11.5), split 12 and 5 (8.5), middling 8
    and 8 (8.0); normalised, best .97, split -.26, middling -.71."""
    round = review_round()
    first, second = reviewers(2)
    north, south = RegionFactory(name="North East"), RegionFactory(name="South West")
    best = reviewed_application(round, [(first, (4, 4, 4), ACCEPT), (second, (4, 4, 3), ACCEPT)], region=north)
    split = reviewed_application(round, [(first, (4, 4, 4), ACCEPT), (second, (1, 2, 2), NO)], region=south)
    middling = reviewed_application(round, [(first, (3, 3, 2), MAYBE), (second, (3, 3, 2), MAYBE)], region=north)
    unreviewed = submitted_application(round, region=south)
    from selection.services.scores import scores_refresh_round

    scores_refresh_round(round=round)
    return round, {"best": best, "split": split, "middling": middling, "unreviewed": unreviewed}


def test_board_shows_every_application_best_normalised_first_unscored_last(client, scored_round):
    round, apps = scored_round
    client.force_login(team_member())

    response = board(client, round)

    assert references(response) == [apps[name].reference for name in ("best", "split", "middling", "unreviewed")]
    page = response.content.decode()
    assert "4 applications." in page
    assert "2/2" in page and "0/2" in page
    assert "North East" in page and "South West" in page


def test_board_sorts_by_mean_either_way(client, scored_round):
    round, apps = scored_round
    client.force_login(team_member())

    lowest_first = references(board(client, round, sort="mean"))
    highest_first = references(board(client, round, sort="-mean"))

    assert lowest_first == [apps[name].reference for name in ("middling", "split", "best", "unreviewed")]
    assert highest_first == [apps[name].reference for name in ("best", "split", "middling", "unreviewed")]


@pytest.mark.parametrize("sort", [*BOARD_SORTS, *(f"-{key}" for key in BOARD_SORTS)])
def test_board_sorts_by_every_column(client, scored_round, sort):
    round, apps = scored_round
    client.force_login(team_member())

    response = board(client, round, sort=sort)

    assert sorted(references(response)) == sorted(application.reference for application in apps.values())
    # The column sorted by says so to assistive technology.
    assert 'aria-sort="' in response.content.decode()


def test_board_filters_by_region_moderation_and_score(client, scored_round):
    round, apps = scored_round
    north = apps["best"].region
    client.force_login(team_member())

    assert references(board(client, round, region=north.pk)) == [apps["best"].reference, apps["middling"].reference]
    assert references(board(client, round, moderation="needed")) == [
        apps["split"].reference,
        apps["unreviewed"].reference,
    ]
    assert references(board(client, round, mean_min="8", mean_max="11")) == [
        apps["split"].reference,
        apps["middling"].reference,
    ]
    assert references(board(client, round, spread_min="2")) == [apps["split"].reference]
    assert references(board(client, round, do_not_accept_min="1")) == [apps["split"].reference]
    assert references(board(client, round, reviews="incomplete")) == [apps["unreviewed"].reference]
    assert references(board(client, round, q=apps["split"].full_name)) == [apps["split"].reference]


def test_board_filters_by_route_role_nominating_organisation_and_decision(client):
    round = review_round()
    round.routes.add(route(RouteKind.NOMINATED))
    team = team_member()
    organisation = OrganisationFactory(name="West Midlands AHSN")
    plain = submitted_application(round)
    nominated = submitted_application(round)
    Nomination.objects.create(
        round=round,
        organisation=organisation,
        full_name=nominated.full_name,
        email="nia@example.org",
        job_title="Nurse",
        role_category=RoleCategory.CLINICIAN,
        region=RegionFactory(),
        statement="Leads improvement.",
        application=nominated,
    )
    nominated.route = route(RouteKind.NOMINATED)
    nominated.role_category = RoleCategory.PATIENT_LEADER
    nominated.save(update_fields=["route", "role_category"])
    scores_in_bulk([plain, nominated])
    decided(plain, DecisionOutcome.WAITLIST)
    client.force_login(team)

    assert references(board(client, round, nominated_by=organisation.pk)) == [nominated.reference]
    assert references(board(client, round, nominated_by="none")) == [plain.reference]
    assert references(board(client, round, route=nominated.route_id)) == [nominated.reference]
    assert references(board(client, round, role=RoleCategory.PATIENT_LEADER)) == [nominated.reference]
    assert references(board(client, round, decision="waitlist")) == [plain.reference]
    assert references(board(client, round, decision="none")) == [nominated.reference]
    page = board(client, round).content.decode()
    assert "West Midlands AHSN" in page and "Waiting list" in page and "Patient leader" in page


def test_board_keeps_a_mistyped_filter_and_says_what_is_wrong(client, scored_round):
    round, apps = scored_round
    client.force_login(team_member())

    response = board(client, round, mean_min="eight", region=apps["best"].region_id)
    page = response.content.decode()

    assert "There is a problem" in page
    assert "Enter a number, like 9.5 or -0.4." in page
    assert 'value="eight"' in page
    # The valid filter still applies.
    assert references(response) == [apps["best"].reference, apps["middling"].reference]


def test_board_filters_show_a_new_region_and_the_values_asked_for(client, scored_round):
    """The filters' HTML is kept in the cache: a new option, other values or an
    error show at once all the same."""
    round, _apps = scored_round
    client.force_login(team_member())
    board(client, round)  # kept in the cache

    RegionFactory(name="Isle of Wight")
    page = board(client, round).content.decode()
    other = board(client, round, q="QP-0001", mean_min="ten").content.decode()

    assert ">Isle of Wight</option>" in page
    assert 'value="QP-0001"' not in page and "There is a problem" not in page
    assert 'value="QP-0001"' in other and 'value="ten"' in other
    assert "Enter a number, like 9.5 or -0.4." in other


def test_board_names_a_route_taken_off_the_round_after_people_applied_by_it(client, scored_round):
    round, apps = scored_round
    client.force_login(team_member())
    old_route = apps["best"].route
    round.routes.remove(old_route)

    page = board(client, round).content.decode()

    row = page[page.index(apps["best"].reference) :]
    assert f"<td>{old_route.name}</td>" in row[: row.index("</tr>")]


def test_board_pages_at_the_chosen_size(client):
    round = review_round()
    scores_in_bulk(bulk_submitted_applications(round, 60))
    client.force_login(team_member())

    assert len(references(board(client, round))) == 25
    assert len(references(board(client, round, size="50"))) == 50
    second_page = board(client, round, size="50", page="2")
    assert len(references(second_page)) == 10
    # The next and previous links keep the page size and sort.
    assert "size=50" in second_page.content.decode()


@pytest.mark.parametrize("size", [3, 2000])
def test_board_query_count_is_flat(client, django_assert_num_queries, size):
    round = review_round()
    applications = bulk_submitted_applications(round, size)
    scores_in_bulk(applications)
    for application in applications[:3]:
        decided(application, DecisionOutcome.ACCEPT)
    selection_settings_for(round=round)
    client.force_login(team_member())

    with django_assert_num_queries(13):
        response = board(client, round, size="250", sort="-normalised")

    assert len(references(response)) == min(size, 250)


def test_board_recalculate_repairs_the_scores(client, scored_round):
    round, apps = scored_round
    ApplicationScore.objects.filter(application=apps["best"]).update(mean_score=1.0, needs_moderation=True)
    client.force_login(team_member())

    response = client.post(reverse("selection:scores_refresh", kwargs={"pk": round.pk}), follow=True)

    assert "The scores are recalculated: 1 application changed." in response.content.decode()
    assert ApplicationScore.objects.get(application=apps["best"]).mean_score == 11.5


def test_board_reranks_when_a_review_arrives(client, django_capture_on_commit_callbacks):
    """The first reviewer ranks A (12) over B (9) over C (3); the second then
    scores A 3, B 12 and C 9: B leads, A (7.5 on average) before C (6)."""
    round = review_round()
    first, second = reviewers(2)
    apps = {name: submitted_application(round) for name in "ABC"}
    for name, scores in zip("ABC", [(4, 4, 4), (3, 3, 3), (1, 1, 1)], strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            review(apps[name], first, scores, MAYBE)
    client.force_login(team_member())
    before = references(board(client, round))

    for name, scores in zip("ABC", [(1, 1, 1), (4, 4, 4), (3, 3, 3)], strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            review(apps[name], second, scores, MAYBE)
    after = references(board(client, round))

    assert before == [apps[name].reference for name in "ABC"]
    assert after == [apps[name].reference for name in "BAC"]


def test_board_is_only_for_the_programme_team(client, scored_round):
    round, apps = scored_round
    client.force_login(reviewers(1)[0])

    response = board(client, round)

    assert response.status_code == 403
    assert apps["best"].reference not in response.content.decode()


def test_board_survives_any_filter_values(client, scored_round):
    """Generated bad input in every GET parameter of the board: never a 5xx,
    never script echoed."""
    round, _apps = scored_round
    client.force_login(team_member())
    names = [
        "q",
        "route",
        "region",
        "role",
        "nominated_by",
        "reviews",
        "mean_min",
        "mean_max",
        "normalised_min",
        "spread_min",
        "accept_min",
        "moderation",
        "decision",
        "sort",
        "size",
        "page",
    ]

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def get_bad_input(data):
        params = {name: data.draw(NASTY) for name in names if data.draw(st.booleans())}
        response = board(client, round, **params)
        assert response.status_code == 200, params
        assert SCRIPT not in response.content.decode()

    get_bad_input()
