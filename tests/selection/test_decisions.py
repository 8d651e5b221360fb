"""Decisions: one by one, the decision room's line and cohort, held places, and
bulk decisions whose preview is exactly what is applied; released decisions
never change here."""

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.choices import RoleCategory
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from selection.choices import DecisionOutcome, GroupDimension, LineRest
from selection.models import ApplicationScore, Decision, PlaceHold
from selection.selectors.decision_room import Candidate, Hold, LineRule, plan_changes, plan_cohort
from selection.services.decisions import (
    decision_set,
    decisions_bulk_apply,
    decisions_bulk_preview,
    place_hold_set,
)
from tests.factories import RegionFactory
from tests.factories.decisions import decided, team_member
from tests.factories.selection import closed_round, review_round, submitted_application

pytestmark = pytest.mark.django_db

ACCEPT, WAITLIST, UNSUCCESSFUL = DecisionOutcome.ACCEPT, DecisionOutcome.WAITLIST, DecisionOutcome.UNSUCCESSFUL


# --- The plan, as a pure function ------------------------------------------------


def candidate(n, score, *, region=1, role="clinician", decision=None, released=False):
    return Candidate(
        id=n,
        reference=f"Q-{n:03d}",
        score=score,
        region_id=region,
        region=f"Region {region}",
        role_category=role,
        route_id=1,
        route="Open",
        nominated_by_id=None,
        nominated_by="",
        decision=decision,
        released=released,
    )


def outcomes(plan) -> dict[int, str | None]:
    return {c.id: plan.outcome_of(c) for c in plan.ranked + plan.unscored}


def test_plan_accepts_the_top_n_waitlists_the_next_and_makes_the_rest_unsuccessful():
    candidates = [candidate(n, score) for n, score in enumerate([0.9, 0.1, 0.5, -0.3, 0.7, None], start=1)]

    plan = plan_cohort(
        candidates=candidates,
        rule=LineRule(places=2, waitlist=2, rest=LineRest.UNSUCCESSFUL),
        holds=[],
        capacity=2,
    )

    assert outcomes(plan) == {1: ACCEPT, 5: ACCEPT, 3: WAITLIST, 2: WAITLIST, 4: UNSUCCESSFUL, 6: None}
    assert plan.line_score == 0.7
    assert plan.position_of_line() == 2
    assert plan.over_capacity == 0


def test_plan_by_score_and_the_rest_below_a_score():
    candidates = [candidate(n, score) for n, score in enumerate([0.9, 0.4, 0.5, -0.3, 0.1], start=1)]

    plan = plan_cohort(
        candidates=candidates,
        rule=LineRule(min_score=0.45, waitlist=1, rest=LineRest.BELOW, rest_below=0.0),
        holds=[],
        capacity=10,
    )

    assert outcomes(plan) == {1: ACCEPT, 3: ACCEPT, 2: WAITLIST, 5: None, 4: UNSUCCESSFUL}


def test_plan_fills_held_places_with_the_best_of_the_group_within_the_line():
    candidates = [
        candidate(1, 0.9, region=1),
        candidate(2, 0.8, region=1),
        candidate(3, 0.7, region=1),
        candidate(4, -0.2, region=2),
        candidate(5, -0.5, region=2),
    ]

    plan = plan_cohort(
        candidates=candidates,
        rule=LineRule(places=3),
        holds=[Hold(dimension=GroupDimension.REGION, value="2", places=1)],
        capacity=3,
    )

    assert outcomes(plan) == {1: ACCEPT, 2: ACCEPT, 4: ACCEPT, 3: None, 5: None}
    assert plan.held == {4}
    region_two = next(row for row in plan.groups[GroupDimension.REGION] if row.key == "2")
    assert (region_two.applications, region_two.accepted, region_two.held, region_two.hold_short) == (2, 1, 1, 0)


def test_plan_counts_released_acceptances_and_never_changes_them():
    candidates = [
        candidate(1, 0.1, decision=ACCEPT, released=True),
        candidate(2, 0.9, decision=UNSUCCESSFUL, released=True),
        candidate(3, 0.5),
        candidate(4, 0.3),
    ]

    plan = plan_cohort(candidates=candidates, rule=LineRule(places=2), holds=[], capacity=2)

    assert outcomes(plan) == {1: ACCEPT, 2: UNSUCCESSFUL, 3: ACCEPT, 4: None}
    assert [change.candidate.id for change in plan_changes(plan)] == [3]


def test_plan_says_when_the_line_falls_on_a_tie():
    candidates = [candidate(1, 0.9), candidate(2, 0.5), candidate(3, 0.5)]

    plan = plan_cohort(candidates=candidates, rule=LineRule(places=2), holds=[], capacity=2)

    assert plan.tie_at_line is True
    assert outcomes(plan)[2] == ACCEPT  # the earlier reference wins the tie


# --- One by one ------------------------------------------------------------------


def test_decision_set_decides_changes_and_audits():
    round = review_round()
    application = submitted_application(round)
    team = team_member(display_name="Pat Programme")

    decision_set(application=application, outcome=ACCEPT, by=team)
    decision_set(application=application, outcome=WAITLIST, by=team)

    decision = Decision.objects.get(application=application)
    assert (decision.outcome, decision.decided_by, decision.is_released) == (WAITLIST, team, False)
    assert list(
        AuditEntry.objects.filter(target_id=str(application.pk), action="selection.decision_set")
        .order_by("pk")
        .values_list("summary", flat=True)
    ) == ["Decision: No decision → Accept", "Decision: Accept → Waiting list"]


def test_decision_set_to_nothing_takes_an_unreleased_decision_back():
    round = review_round()
    application = submitted_application(round)
    decided(application, ACCEPT)

    decision_set(application=application, outcome=None, by=team_member())

    assert not Decision.objects.filter(application=application).exists()


def test_a_released_decision_cannot_change_here(client):
    round = review_round()
    application = submitted_application(round)
    decision = decided(application, UNSUCCESSFUL)
    decision.released_at = timezone.now()
    decision.save()
    team = team_member()

    with pytest.raises(PortalError, match="only be changed by a reversal"):
        decision_set(application=application, outcome=ACCEPT, by=team)

    client.force_login(team)
    response = client.post(
        reverse("selection:decision_set", kwargs={"pk": application.pk}), {"outcome": "accept"}, follow=True
    )
    assert "only be changed by a reversal" in response.content.decode()
    assert Decision.objects.get(application=application).outcome == UNSUCCESSFUL


def test_decisions_wait_for_the_round_to_be_in_review():
    round = closed_round()
    application = submitted_application(round)

    with pytest.raises(PortalError, match="once the round is in review"):
        decision_set(application=application, outcome=ACCEPT, by=team_member())


def test_the_application_page_decides_one_by_one(client):
    round = review_round()
    application = submitted_application(round)
    client.force_login(team_member())
    page = reverse("selection:application", kwargs={"pk": application.pk})

    assert "Save decision" in client.get(page).content.decode()
    response = client.post(
        reverse("selection:decision_set", kwargs={"pk": application.pk}), {"outcome": "waitlist"}, follow=True
    )

    assert f"Decision on {application.reference}: Waiting list." in response.content.decode()
    assert Decision.objects.get(application=application).outcome == WAITLIST

    response = client.post(
        reverse("selection:decision_set", kwargs={"pk": application.pk}), {"outcome": "none"}, follow=True
    )
    assert f"Decision on {application.reference}: no decision yet." in response.content.decode()
    assert not Decision.objects.filter(application=application).exists()
    response = client.post(
        reverse("selection:decision_set", kwargs={"pk": application.pk}), {"outcome": "maybe"}, follow=True
    )
    assert "Choose accept, waiting list, unsuccessful or no decision yet." in response.content.decode()


# --- In bulk ---------------------------------------------------------------------


def scored_applications(round, scores, **kwargs):
    applications = []
    for score in scores:
        application = submitted_application(round, **kwargs)
        ApplicationScore.objects.create(
            application=application,
            round=round,
            reviews_expected=2,
            reviews_done=2,
            mean_score=None if score is None else score * 2 + 8,
            normalised_score=score,
            model_score=score,
        )
        applications.append(application)
    return applications


def test_bulk_preview_is_exactly_what_is_applied():
    round = review_round(capacity=3)
    applications = scored_applications(round, [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, None])
    decided(applications[5], ACCEPT)  # decided by hand earlier, below the line now
    released = decided(applications[6], WAITLIST)
    released.released_at = timezone.now()
    released.save()
    rule = LineRule(places=3, waitlist=2, rest=LineRest.UNSUCCESSFUL)

    preview = decisions_bulk_preview(round=round, rule=rule)
    decisions_bulk_apply(round=round, rule=rule, fingerprint=preview.fingerprint, by=team_member())

    previewed = {change.candidate.id: change.after for change in preview.changes}
    assert previewed == {
        applications[0].pk: ACCEPT,
        applications[1].pk: ACCEPT,
        applications[2].pk: ACCEPT,
        applications[3].pk: WAITLIST,
        applications[4].pk: WAITLIST,
        applications[5].pk: UNSUCCESSFUL,
    }
    applied = dict(
        Decision.objects.filter(round=round, released_at__isnull=True).values_list("application_id", "outcome")
    )
    assert applied == previewed
    # The released decision and the unscored application are untouched.
    assert Decision.objects.get(application=applications[6]).outcome == WAITLIST
    assert not Decision.objects.filter(application=applications[7]).exists()
    # One audit row per application changed, and one for the round.
    assert AuditEntry.objects.filter(action="selection.decision_set").count() == 6
    assert AuditEntry.objects.filter(action="selection.decisions_bulk", target_id=str(round.pk)).count() == 1


def test_bulk_apply_refuses_when_anything_changed_since_the_preview():
    round = review_round(capacity=2)
    applications = scored_applications(round, [0.9, 0.8, 0.7])
    rule = LineRule(places=2)
    preview = decisions_bulk_preview(round=round, rule=rule)
    # A review arrives meanwhile and moves the third application above the second.
    ApplicationScore.objects.filter(application=applications[2]).update(normalised_score=0.95, model_score=0.95)

    with pytest.raises(PortalError, match="changed since the preview"):
        decisions_bulk_apply(round=round, rule=rule, fingerprint=preview.fingerprint, by=team_member())
    assert Decision.objects.count() == 0


def test_holding_places_is_audited_and_checked():
    round = review_round(capacity=5)
    north = RegionFactory(name="North East")
    team = team_member()

    place_hold_set(round=round, dimension=GroupDimension.REGION, value=str(north.pk), places=2, by=team)
    place_hold_set(
        round=round, dimension=GroupDimension.ROLE_CATEGORY, value=RoleCategory.PATIENT_LEADER, places=1, by=team
    )

    assert set(PlaceHold.objects.values_list("dimension", "value", "places")) == {
        ("region", str(north.pk), 2),
        ("role_category", "patient_leader", 1),
    }
    assert AuditEntry.objects.filter(summary="Places held for region North East: 0 → 2").exists()
    with pytest.raises(PortalError, match="no more than that"):
        place_hold_set(round=round, dimension=GroupDimension.REGION, value=str(north.pk), places=6, by=team)
    with pytest.raises(PortalError, match="from the list"):
        place_hold_set(round=round, dimension=GroupDimension.ROUTE, value="999999", places=1, by=team)
    place_hold_set(round=round, dimension=GroupDimension.REGION, value=str(north.pk), places=0, by=team)
    assert PlaceHold.objects.count() == 1


# --- The decision room and the preview pages -------------------------------------


def test_decision_room_draws_the_line_and_shows_the_cohort_by_group(client):
    round = review_round(capacity=2)
    north, south = RegionFactory(name="North East"), RegionFactory(name="South West")
    top = scored_applications(round, [0.9, 0.8], region=north)
    rest = scored_applications(round, [0.2, 0.1], region=south)
    client.force_login(team_member())

    page = client.get(reverse("selection:decision_room", kwargs={"pk": round.pk})).content.decode()

    assert "2 of 2 places" in page
    assert "North East" in page and "South West" in page
    assert top[1].reference in page and rest[0].reference in page
    assert "Preview 2 decisions" in page

    moved = client.get(
        reverse("selection:decision_room", kwargs={"pk": round.pk}),
        {"method": "normalised", "places": "3", "waitlist": "1", "rest": "leave"},
    ).content.decode()
    assert "3 of 2 places" in moved
    assert "This line accepts 1 more than the round\N{RIGHT SINGLE QUOTATION MARK}s capacity." in moved
    assert "Preview 4 decisions" in moved


def test_decision_room_keeps_a_mistyped_line(client):
    round = review_round()
    client.force_login(team_member())

    page = client.get(
        reverse("selection:decision_room", kwargs={"pk": round.pk}),
        {"method": "normalised", "places": "lots", "rest": "leave"},
    ).content.decode()

    assert "There is a problem" in page
    assert "Enter the number of places as a whole number." in page
    assert 'value="lots"' in page


def test_decision_room_holds_places_and_keeps_the_line(client):
    round = review_round(capacity=2)
    north = RegionFactory(name="North East")
    scored_applications(round, [0.9, 0.8, 0.7])
    held = scored_applications(round, [-0.5], region=north)
    client.force_login(team_member())
    url = reverse("selection:decision_room", kwargs={"pk": round.pk})

    response = client.post(
        f"{url}?method=normalised&places=2&waitlist=0&rest=leave",
        {"group": f"region:{north.pk}", "places": "1"},
        follow=True,
    )

    page = response.content.decode()
    assert "The held places are saved." in page
    assert response.redirect_chain[-1][0].endswith("?method=normalised&places=2&waitlist=0&rest=leave")
    assert "Region: North East" in page
    assert "(1 in held places)" in page
    assert held[0].reference in page


def test_decision_room_hold_form_errors_stay_on_the_page(client):
    round = review_round(capacity=2)
    client.force_login(team_member())

    response = client.post(reverse("selection:decision_room", kwargs={"pk": round.pk}), {"group": "", "places": "x"})

    page = response.content.decode()
    assert "Choose a group." in page
    assert "Enter the number of places as a whole number." in page
    assert PlaceHold.objects.count() == 0


def test_preview_page_lists_the_changes_and_confirming_makes_them(client):
    round = review_round(capacity=2)
    applications = scored_applications(round, [0.9, 0.8, 0.7, 0.6])
    client.force_login(team_member())
    query = {"method": "normalised", "places": "2", "waitlist": "1", "rest": "unsuccessful"}
    preview_url = reverse("selection:decisions_preview", kwargs={"pk": round.pk})

    page = client.get(preview_url, query).content.decode()
    assert "Make 4 decisions" in page
    for application in applications:
        assert application.reference in page
    assert Decision.objects.count() == 0
    fingerprint = decisions_bulk_preview(
        round=round, rule=LineRule(places=2, waitlist=1, rest="unsuccessful")
    ).fingerprint

    response = client.post(preview_url, {**query, "fingerprint": fingerprint}, follow=True)

    assert "4 decisions made: 2 accepted, 1 on the waiting list, 1 unsuccessful, 0 taken back." in (
        response.content.decode()
    )
    assert dict(Decision.objects.values_list("application_id", "outcome")) == {
        applications[0].pk: ACCEPT,
        applications[1].pk: ACCEPT,
        applications[2].pk: WAITLIST,
        applications[3].pk: UNSUCCESSFUL,
    }


def test_confirming_a_stale_preview_shows_the_new_one(client):
    round = review_round(capacity=1)
    scored_applications(round, [0.9, 0.8])
    client.force_login(team_member())
    query = {"method": "normalised", "places": "1", "waitlist": "0", "rest": "leave"}

    response = client.post(
        reverse("selection:decisions_preview", kwargs={"pk": round.pk}),
        {**query, "fingerprint": "0" * 64},
        follow=True,
    )

    assert "have changed since the preview" in response.content.decode()
    assert "Make 1 decision" in response.content.decode()
    assert Decision.objects.count() == 0


def test_decision_forms_survive_any_input(client):
    """Generated bad input to every decision form: never a 5xx, never script
    echoed, nothing decided by accident."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.quality.test_bad_input import NASTY, SCRIPT

    round = review_round(capacity=2)
    applications = scored_applications(round, [0.9, 0.8, 0.7])
    client.force_login(team_member())
    targets = [
        (
            reverse("selection:decisions_preview", kwargs={"pk": round.pk}),
            ["method", "places", "min_score", "waitlist", "rest", "rest_below", "fingerprint"],
        ),
        (reverse("selection:decision_room", kwargs={"pk": round.pk}), ["group", "places"]),
        (reverse("selection:decision_set", kwargs={"pk": applications[0].pk}), ["outcome"]),
    ]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def post_bad_input(data):
        url, names = data.draw(st.sampled_from(targets))
        fields = {name: data.draw(NASTY) for name in names if data.draw(st.booleans())}
        response = client.post(url, fields, follow=True)
        assert response.status_code == 200, (url, fields)
        assert SCRIPT not in response.content.decode()
        response = client.get(url.replace("/preview/", "/") if "preview" in url else url, fields)
        assert response.status_code in (200, 405), (url, fields)

    post_bad_input()
    assert Decision.objects.count() == 0
    assert PlaceHold.objects.count() == 0
