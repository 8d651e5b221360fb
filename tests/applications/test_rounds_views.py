from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.choices import Phase, RoundStatus, RouteKind
from applications.models import NominationQuota, Round
from q_portal.audit.models import AuditEntry
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, programme_team, reviewer, with_totp
from tests.factories.applications import ApplicationFactory, RoundFactory, criteria, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_client(client):
    client.force_login(with_totp(programme_team()))
    return client


def round_form_data(**overrides) -> dict:
    return {
        "name": "Wider recruitment, summer 2026",
        "phase": "wider",
        "description": "Open to everyone who improves health and care.",
        "opens_at": "2026-06-01T09:00",
        "closes_at": "2026-07-01T17:00",
        "decisions_expected_on": "2026-09-30",
        "capacity": "120",
        "routes": [str(route(RouteKind.OPEN).pk)],
        "criteria": [str(criterion.pk) for criterion in criteria()],
        **overrides,
    }


def edit_form_data(round: Round, **overrides) -> dict:
    """The edit form as the page shows it for the round, with some answers changed."""
    return {
        "name": round.name,
        "phase": round.phase,
        "description": round.description,
        "opens_at": timezone.localtime(round.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": timezone.localtime(round.closes_at).strftime("%Y-%m-%dT%H:%M"),
        "decisions_expected_on": "",
        "capacity": str(round.capacity),
        "routes": [str(pk) for pk in round.routes.values_list("pk", flat=True)],
        "criteria": [str(pk) for pk in round.criteria.values_list("pk", flat=True)],
        **overrides,
    }


# ------------------------------------------------------------------ list


def test_round_list_shows_rounds_with_uk_times_and_counts(team_client):
    round = RoundFactory(
        name="Pilot round",
        phase=Phase.PILOT,
        opens_at=datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
        closes_at=datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
        capacity=231,
    )
    ApplicationFactory.create_batch(2, round=round)

    response = team_client.get(reverse("rounds:list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Pilot round" in page
    assert "1 Jun 2026, 09:00" in page  # British Summer Time
    assert "1 Dec 2026, 17:00" in page  # Greenwich Mean Time
    assert '<td class="text-end">231</td>' in page
    assert '<td class="text-end">2</td>' in page


def test_round_list_without_rounds_says_so(team_client):
    response = team_client.get(reverse("rounds:list"))

    assert "There are no recruitment rounds yet." in response.content.decode()


def test_round_list_pages_by_25(team_client):
    for n in range(26):
        RoundFactory(name=f"Round {n:02d}", opens_at=timezone.now() - timedelta(days=n + 1))

    first = team_client.get(reverse("rounds:list")).content.decode()
    second = team_client.get(reverse("rounds:list") + "?page=2").content.decode()

    assert ("Round 00" in first, "Round 25" in first) == (True, False)
    assert ("Round 00" in second, "Round 25" in second) == (False, True)
    assert "Page 1 of 2" in first


def test_round_list_page_out_of_range_answers_404(team_client):
    response = team_client.get(reverse("rounds:list") + "?page=99")

    assert response.status_code == 404


def test_programme_home_links_to_rounds(team_client):
    response = team_client.get(reverse("selection:programme_home"))

    assert f'href="{reverse("rounds:list")}"' in response.content.decode()


# ---------------------------------------------------------------- create


def test_round_create_form_creates_draft_and_shows_it(team_client):
    response = team_client.post(reverse("rounds:create"), round_form_data(), follow=True)

    round = Round.objects.get()
    assert response.redirect_chain == [(reverse("rounds:detail", args=[round.pk]), 302)]
    assert (round.name, round.status, round.capacity) == ("Wider recruitment, summer 2026", "draft", 120)
    # Typed in UK time (British Summer Time in June), stored in UTC.
    assert round.opens_at == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert [c.letter for c in round.criteria.all()] == ["a", "b", "c"]
    page = response.content.decode()
    assert "Wider recruitment, summer 2026 is saved as a draft." in page
    assert "Open the round" in page


def test_round_create_page_ticks_every_criterion_by_default(team_client):
    criteria()

    page = team_client.get(reverse("rounds:create")).content.decode()

    assert page.count('name="criteria"') == 3
    assert page.count("checked") == 3


def test_round_create_several_mistakes_listed_together(team_client):
    data = round_form_data(name="", opens_at="2026-06-01T09:00", closes_at="2026-05-01T09:00")

    page = team_client.post(reverse("rounds:create"), data).content.decode()

    assert '<a href="#id_name">Enter a name for the round.</a>' in page
    assert '<a href="#id_closes_at">The closing date must be after the opening date.</a>' in page


def test_round_create_bad_input_shows_field_errors_and_keeps_typed_values(team_client):
    data = round_form_data(name="", closes_at="31 Febtober", capacity="0", description="Keep this text")

    response = team_client.post(reverse("rounds:create"), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter a name for the round." in page
    assert "Enter the date and time the round closes as a real date and time" in page
    assert "A round must offer at least 1 place." in page
    assert 'value="31 Febtober"' in page
    assert "Keep this text" in page
    assert 'value="2026-06-01T09:00"' in page
    assert Round.objects.count() == 0


def test_round_create_closing_before_opening_shows_error_at_closing_date(team_client):
    data = round_form_data(opens_at="2026-06-01T09:00", closes_at="2026-05-01T09:00")

    response = team_client.post(reverse("rounds:create"), data)

    page = response.content.decode()
    assert "There is a problem" in page
    assert '<a href="#id_closes_at">The closing date must be after the opening date.</a>' in page
    assert 'id="id_closes_at_error"' in page
    assert 'value="2026-05-01T09:00"' in page
    assert 'value="Wider recruitment, summer 2026"' in page
    assert Round.objects.count() == 0


def test_round_create_name_taken_shows_error_at_name(team_client):
    RoundFactory(name="Taken")

    response = team_client.post(reverse("rounds:create"), round_form_data(name="Taken"))

    assert "There is already a round called Taken. Choose another name." in response.content.decode()
    assert Round.objects.count() == 1


def test_round_create_time_missing_in_clock_change_shows_error(team_client):
    # 01:30 on 29 March 2026 does not exist in the UK: the clocks go forward.
    response = team_client.post(reverse("rounds:create"), round_form_data(opens_at="2026-03-29T01:30"))

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert Round.objects.count() == 0


def test_round_create_unknown_route_shows_error(team_client):
    response = team_client.post(reverse("rounds:create"), round_form_data(routes=["999999", "x"]))

    assert "Choose routes from the list." in response.content.decode()
    assert Round.objects.count() == 0


# --------------------------------------------------------------- detail


def test_round_detail_shows_routes_criteria_quotas_and_allowed_transitions(team_client):
    round = RoundFactory(name="Wider 2026", status=RoundStatus.CLOSED)
    ApplicationFactory(round=round, route=route(RouteKind.OPEN))
    NominationQuota.objects.create(round=round, organisation=OrganisationFactory(name="Kent AHSN"), places=7)

    page = team_client.get(reverse("rounds:detail", args=[round.pk])).content.decode()

    assert "Open to all" in page
    assert "(a) Commitment to collaborative improvement" in page
    assert "Kent AHSN" in page
    assert ("Reopen the round" in page, "Start review" in page) == (True, True)
    assert ("Close the round" in page, "Mark decisions made" in page) == (False, False)


def test_round_detail_closed_round_past_closing_date_offers_no_reopen(team_client):
    round = RoundFactory(
        status=RoundStatus.CLOSED,
        opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(days=1),
    )

    page = team_client.get(reverse("rounds:detail", args=[round.pk])).content.decode()

    assert ("Reopen the round" in page, "Start review" in page) == (False, True)
    assert "move its closing date" in page


def test_round_detail_unknown_round_answers_404(team_client):
    assert team_client.get(reverse("rounds:detail", args=[999999])).status_code == 404
    assert team_client.get("/programme/rounds/99999999999999999999/").status_code == 404


# ------------------------------------------------------------------ edit


def test_round_edit_extends_deadline_of_open_round(team_client):
    round = RoundFactory()

    response = team_client.post(
        reverse("rounds:edit", args=[round.pk]), edit_form_data(round, closes_at="2099-01-15T12:00"), follow=True
    )

    round.refresh_from_db()
    assert round.closes_at == datetime(2099, 1, 15, 12, 0, tzinfo=UTC)
    assert "Your changes to" in response.content.decode()


def test_round_edit_unchanged_form_changes_nothing(team_client):
    round = RoundFactory()  # times with seconds, which the form does not show
    closes_at = round.closes_at

    response = team_client.post(reverse("rounds:edit", args=[round.pk]), edit_form_data(round), follow=True)

    round.refresh_from_db()
    assert round.closes_at == closes_at
    assert "You did not change anything." in response.content.decode()
    assert AuditEntry.objects.filter(action="round.update").count() == 0


def test_round_edit_removing_used_route_shows_error_at_routes(team_client):
    open_route, nominated = route(RouteKind.OPEN), route(RouteKind.NOMINATED)
    round = RoundFactory(routes=[open_route, nominated])
    ApplicationFactory(round=round, route=open_route)

    response = team_client.post(
        reverse("rounds:edit", args=[round.pk]),
        edit_form_data(round, routes=[str(nominated.pk)], capacity="80"),
    )

    page = response.content.decode()
    assert "There is a problem" in page
    assert "Open to all is used by 1 application" in page
    assert 'value="80"' in page
    round.refresh_from_db()
    assert (round.capacity, round.routes.count()) == (100, 2)


def test_round_edit_open_round_shows_criteria_fixed(team_client):
    round = RoundFactory()

    response = team_client.post(reverse("rounds:edit", args=[round.pk]), edit_form_data(round, criteria=[]))

    assert response.status_code == 302
    assert round.criteria.count() == 3
    page = team_client.get(reverse("rounds:edit", args=[round.pk])).content.decode()
    assert "Fixed: the round has opened." in page


def test_round_edit_in_review_keeps_dates_and_saves_capacity(team_client):
    round = RoundFactory(status=RoundStatus.IN_REVIEW)
    closes_at = round.closes_at

    team_client.post(
        reverse("rounds:edit", args=[round.pk]), edit_form_data(round, closes_at="2099-01-01T09:00", capacity="90")
    )

    round.refresh_from_db()
    assert (round.closes_at, round.capacity) == (closes_at, 90)


# ----------------------------------------------------------- transitions


def test_round_transition_post_opens_draft(team_client):
    round = RoundFactory(status=RoundStatus.DRAFT, name="Spring")

    response = team_client.post(reverse("rounds:transition", args=[round.pk]), {"to": "open"}, follow=True)

    round.refresh_from_db()
    assert round.status == RoundStatus.OPEN
    assert "Spring is open." in response.content.decode()


def test_round_transition_illegal_move_shows_message(team_client):
    round = RoundFactory(status=RoundStatus.DRAFT)

    response = team_client.post(reverse("rounds:transition", args=[round.pk]), {"to": "decided"}, follow=True)

    round.refresh_from_db()
    assert response.status_code == 200
    assert round.status == RoundStatus.DRAFT
    assert "A round that is draft cannot become decided." in response.content.decode()


def test_round_transition_refused_opening_shows_reason(team_client):
    RoundFactory(name="Already open", phase=Phase.PILOT)
    round = RoundFactory(status=RoundStatus.DRAFT, phase=Phase.PILOT)

    response = team_client.post(reverse("rounds:transition", args=[round.pk]), {"to": "open"}, follow=True)

    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT
    assert "Already open, another pilot round, is open from" in response.content.decode()


def test_round_transition_unknown_status_shows_message(team_client):
    round = RoundFactory(status=RoundStatus.DRAFT)

    response = team_client.post(reverse("rounds:transition", args=[round.pk]), {"to": "archived"}, follow=True)

    assert "Choose a status the round can move to." in response.content.decode()


def test_round_transition_get_not_allowed(team_client):
    round = RoundFactory(status=RoundStatus.DRAFT)

    response = team_client.get(reverse("rounds:transition", args=[round.pk]))

    round.refresh_from_db()
    assert (response.status_code, round.status) == (405, RoundStatus.DRAFT)


# ---------------------------------------------------------------- quotas


def test_round_quotas_add_change_and_remove(team_client):
    round = RoundFactory()
    organisation = OrganisationFactory(name="West Midlands AHSN")
    url = reverse("rounds:quotas", args=[round.pk])

    team_client.post(url, {"organisation": organisation.pk, "places": "10"})
    response = team_client.post(url, {"organisation": organisation.pk, "places": "12"}, follow=True)

    assert list(NominationQuota.objects.values_list("organisation__name", "places")) == [("West Midlands AHSN", 12)]
    assert "West Midlands AHSN may nominate 12 people in this round." in response.content.decode()

    quota = NominationQuota.objects.get()
    response = team_client.post(url, {"remove": "1", "quota": quota.pk}, follow=True)

    assert NominationQuota.objects.count() == 0
    assert "The quota of West Midlands AHSN is removed." in response.content.decode()


def test_round_quotas_both_organisation_and_region_shows_error_and_keeps_values(team_client):
    round = RoundFactory()
    organisation, region = OrganisationFactory(), RegionFactory()

    response = team_client.post(
        reverse("rounds:quotas", args=[round.pk]),
        {"organisation": organisation.pk, "region": region.pk, "places": "9"},
    )

    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose an organisation or a region, not both." in page
    assert 'value="9"' in page
    assert f'<option value="{region.pk}" selected>' in page
    assert NominationQuota.objects.count() == 0


def test_round_quotas_remove_quota_of_other_round_shows_message(team_client):
    round, other = RoundFactory(), RoundFactory()
    quota = NominationQuota.objects.create(round=other, organisation=OrganisationFactory(), places=3)

    response = team_client.post(
        reverse("rounds:quotas", args=[round.pk]), {"remove": "1", "quota": quota.pk}, follow=True
    )

    assert "That quota has already been removed." in response.content.decode()
    assert NominationQuota.objects.count() == 1


def test_round_quotas_once_review_started_offers_no_form(team_client):
    round = RoundFactory(status=RoundStatus.IN_REVIEW)

    page = team_client.get(reverse("rounds:quotas", args=[round.pk])).content.decode()

    assert "Nomination quotas cannot change once review has started." in page
    assert 'name="places"' not in page


# ------------------------------------------------------------ permissions


def rounds_urls(round: Round) -> list[str]:
    return [
        reverse("rounds:list"),
        reverse("rounds:create"),
        reverse("rounds:detail", args=[round.pk]),
        reverse("rounds:edit", args=[round.pk]),
        reverse("rounds:quotas", args=[round.pk]),
    ]


@pytest.mark.parametrize("make_user", [UserFactory, reviewer], ids=["applicant", "reviewer"])
def test_rounds_pages_refuse_other_roles(client, make_user):
    round = RoundFactory(name="Secret round", status=RoundStatus.DRAFT)
    client.force_login(with_totp(make_user()))

    for url in rounds_urls(round):
        response = client.get(url)
        assert (url, response.status_code) == (url, 403)
        assert "Secret round" not in response.content.decode()


@pytest.mark.parametrize("make_user", [UserFactory, reviewer], ids=["applicant", "reviewer"])
def test_rounds_changes_refused_for_other_roles_change_nothing(client, make_user):
    round = RoundFactory(status=RoundStatus.DRAFT, capacity=100)
    client.force_login(with_totp(make_user()))

    responses = [
        client.post(reverse("rounds:create"), round_form_data(name="Sneaky")),
        client.post(reverse("rounds:transition", args=[round.pk]), {"to": "open"}),
        client.post(reverse("rounds:edit", args=[round.pk]), edit_form_data(round, capacity="1")),
        client.post(reverse("rounds:quotas", args=[round.pk]), {"organisation": OrganisationFactory().pk, "places": 5}),
    ]

    round.refresh_from_db()
    assert [response.status_code for response in responses] == [403, 403, 403, 403]
    assert (round.status, round.capacity) == (RoundStatus.DRAFT, 100)
    assert list(Round.objects.values_list("name", flat=True)) == [round.name]
    assert NominationQuota.objects.count() == 0
    assert AuditEntry.objects.filter(action__startswith="round.").count() == 0


def test_rounds_unknown_round_refused_to_applicant_before_404(client):
    client.force_login(with_totp(UserFactory()))

    assert client.get(reverse("rounds:detail", args=[999999])).status_code == 403


def test_rounds_visitor_sent_to_sign_in(client):
    response = client.get(reverse("rounds:list"))

    assert response["Location"] == f"{reverse('account_login')}?next={reverse('rounds:list')}"


def test_rounds_programme_team_without_mfa_sent_to_mfa_setup(client):
    client.force_login(programme_team())

    response = client.get(reverse("rounds:list"))

    assert response["Location"] == reverse("mfa_activate_totp")


# ------------------------------------------------------------------ admin


def test_admin_round_status_is_read_only(rf):
    from django.contrib.admin import AdminSite

    from applications.admin_rounds import RoundAdmin

    round = RoundFactory(status=RoundStatus.OPEN)
    request = rf.get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    round_admin = RoundAdmin(Round, AdminSite())

    form = round_admin.get_form(request, round)(instance=round)

    assert "status" in round_admin.get_readonly_fields(request, round)
    assert "status" not in form.fields
    assert "name" in form.fields


def test_admin_round_form_refuses_removing_used_route(rf):
    from django.contrib.admin import AdminSite

    from applications.admin_rounds import RoundAdmin

    open_route, nominated = route(RouteKind.OPEN), route(RouteKind.NOMINATED)
    round = RoundFactory(routes=[open_route, nominated])
    ApplicationFactory(round=round, route=open_route)
    request = rf.get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    form_class = RoundAdmin(Round, AdminSite()).get_form(request, round)
    data = {
        **edit_form_data(round, routes=[str(nominated.pk)]),
        "opens_at_0": timezone.localtime(round.opens_at).strftime("%d/%m/%Y"),
        "opens_at_1": timezone.localtime(round.opens_at).strftime("%H:%M:%S"),
        "closes_at_0": timezone.localtime(round.closes_at).strftime("%d/%m/%Y"),
        "closes_at_1": timezone.localtime(round.closes_at).strftime("%H:%M:%S"),
    }

    form = form_class(data, instance=round)

    assert form.is_valid() is False
    assert form.errors["routes"] == ["Open to all cannot be removed: 1 application uses it."]
