"""Positive action (issue #16): places held in the decision room for a group of
an equality monitoring characteristic. Off by default; enabling needs a reason
and a quality bar; held places fill by rank only with applicants meeting the
bar; "prefer not to say" never counts in a group; the room shows counts only,
marking no one; every change is audited."""

import re
from html import unescape

import pytest
from django.urls import reverse

from equality.models import CharacteristicHold, PositiveAction
from equality.services import characteristic_hold_set, monitoring_response_save, positive_action_set
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from selection.choices import DecisionOutcome
from selection.models import ApplicationScore
from selection.selectors.decision_room import CharacteristicEffect, CharacteristicPlaces, LineRule, plan_cohort
from selection.selectors.equality import characteristic_holds_for
from selection.services.decisions import decisions_bulk_apply, decisions_bulk_preview
from tests.factories.decisions import team_member
from tests.factories.selection import review_round, submitted_application

from .test_decisions import candidate

pytestmark = pytest.mark.django_db

ACCEPT = DecisionOutcome.ACCEPT


def text_of(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture
def round_with_group():
    """Capacity 3; eight scored applications, best first (mean weighted totals
    9.8, 9.6, … 8.4). The fifth (9.0) and the seventh (8.6) answered Black
    African; the eighth preferred not to say; the rest answered White British."""
    round = review_round(capacity=3)
    applications = []
    for n, score in enumerate([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]):
        application = submitted_application(round)
        ApplicationScore.objects.create(
            application=application,
            round=round,
            reviews_expected=2,
            reviews_done=2,
            mean_score=score * 2 + 8,
            normalised_score=score,
            model_score=score,
        )
        answer = {4: "black_african", 6: "black_african", 7: "prefer_not"}.get(n, "white_british")
        monitoring_response_save(user=application.applicant, answers={"ethnic_group": answer}, by=application.applicant)
        applications.append(application)
    return round, applications


def enable(round, team, bar=8.9):
    return positive_action_set(
        round=round, enabled=True, reason="Black applicants under-represented", quality_bar=bar, by=team
    )


def accepted(plan) -> set[int]:
    return {c.id for c in plan.ranked if plan.outcome_of(c) == ACCEPT}


def test_positive_action_is_off_by_default_and_places_cannot_be_held(round_with_group):
    round, _applications = round_with_group
    team = team_member()

    with pytest.raises(PortalError, match="Enable positive action"):
        characteristic_hold_set(round=round, characteristic="ethnic_group", category="black", places=2, by=team)

    assert not CharacteristicHold.objects.exists()
    assert characteristic_holds_for(round=round) == []
    assert decisions_bulk_preview(round=round, rule=LineRule(places=3)).plan.characteristic_effects == []


def test_enabling_needs_a_reason_and_a_quality_bar(round_with_group):
    round, _applications = round_with_group
    team = team_member()

    with pytest.raises(PortalError) as no_reason:
        positive_action_set(round=round, enabled=True, reason="  ", quality_bar=8.9, by=team)
    with pytest.raises(PortalError) as no_bar:
        positive_action_set(round=round, enabled=True, reason="Gap at selection", quality_bar=None, by=team)

    assert (no_reason.value.field, no_bar.value.field) == ("reason", "quality_bar")
    assert not PositiveAction.objects.filter(enabled=True).exists()
    assert not AuditEntry.objects.filter(action__startswith="equality.positive_action").exists()


def test_held_places_fill_by_rank_only_with_applicants_meeting_the_quality_bar(round_with_group):
    round, applications = round_with_group
    team = team_member()
    enable(round, team, bar=8.9)
    characteristic_hold_set(round=round, characteristic="ethnic_group", category="black", places=2, by=team)

    plan = decisions_bulk_preview(round=round, rule=LineRule(places=3)).plan

    # The fifth (9.0, above the bar) takes a held place; the seventh (8.6) is below it and never does.
    assert accepted(plan) == {applications[0].pk, applications[1].pk, applications[4].pk}
    [effect] = plan.characteristic_effects
    assert (effect.places, effect.filled, effect.already, effect.short) == (2, 1, 0, 1)
    assert plan.held_for_characteristic == {applications[4].pk}
    assert plan.held == set()  # no one is marked as in a held place


def test_prefer_not_to_say_never_counts_in_a_group(round_with_group):
    round, applications = round_with_group
    team = team_member()
    enable(round, team)
    characteristic_hold_set(round=round, characteristic="ethnic_group", category="black", places=2, by=team)

    [held] = characteristic_holds_for(round=round)

    assert held.members == {applications[4].pk, applications[6].pk}
    with pytest.raises(PortalError):
        characteristic_hold_set(round=round, characteristic="ethnic_group", category="prefer_not", places=1, by=team)
    with pytest.raises(PortalError):
        characteristic_hold_set(round=round, characteristic="ethnic_group", category="", places=1, by=team)


def test_the_plan_never_fills_a_held_place_below_the_bar_even_when_the_group_has_no_one_above():
    candidates = [candidate(n, score) for n, score in enumerate([0.9, 0.8, 0.7, 0.1], start=1)]
    candidates = [c.__class__(**{**{f: getattr(c, f) for f in c.__slots__}, "mean": c.score * 10}) for c in candidates]
    group = CharacteristicPlaces(label="Group", places=1, members=frozenset({4}), bar=5.0)

    plan = plan_cohort(
        candidates=candidates, rule=LineRule(places=2), holds=[], capacity=2, characteristic_holds=[group]
    )

    assert accepted(plan) == {1, 2}
    assert plan.characteristic_effects[0].short == 1


def test_turning_positive_action_off_stops_the_held_places(round_with_group):
    round, applications = round_with_group
    team = team_member()
    enable(round, team)
    characteristic_hold_set(round=round, characteristic="ethnic_group", category="black", places=1, by=team)

    positive_action_set(round=round, enabled=False, reason="", quality_bar=None, by=team)

    plan = decisions_bulk_preview(round=round, rule=LineRule(places=3)).plan
    assert accepted(plan) == {applications[0].pk, applications[1].pk, applications[2].pk}
    assert CharacteristicHold.objects.filter(round=round).count() == 1  # kept, unused


def test_changes_are_audited_with_the_reason_and_name_no_applicant(round_with_group):
    round, applications = round_with_group
    team = team_member()
    enable(round, team)
    characteristic_hold_set(round=round, characteristic="ethnic_group", category="black", places=2, by=team)
    preview = decisions_bulk_preview(round=round, rule=LineRule(places=3))
    decisions_bulk_apply(round=round, rule=LineRule(places=3), fingerprint=preview.fingerprint, by=team)

    enabled = AuditEntry.objects.get(action="equality.positive_action_enable")
    hold = AuditEntry.objects.get(action="equality.characteristic_hold")
    bulk = AuditEntry.objects.get(action="selection.decisions_bulk")
    assert enabled.changes["reason"] == "Black applicants under-represented"
    assert enabled.actor == team
    assert hold.changes == {"characteristic": "ethnic_group", "category": "black", "places": [0, 2]}
    # One held place was filled: a count under the suppression threshold (5),
    # which beside the decision entries would tell that one person's ethnic group.
    assert bulk.changes["held_for_characteristic"] == [
        {
            "group": "Ethnic group: Black, Black British, Caribbean or African",
            "places": 2,
            "filled": None,
            "suppressed_below": 5,
        }
    ]
    decided_entry = AuditEntry.objects.get(action="selection.decision_set", target_id=str(applications[4].pk))
    assert "Ethnic" not in decided_entry.summary and "held" not in decided_entry.summary


def test_the_page_states_the_rule_and_enabling_without_a_reason_keeps_what_was_typed(client, round_with_group):
    round, _applications = round_with_group
    client.force_login(team_member())
    url = reverse("selection:positive_action", kwargs={"pk": round.pk})

    page = text_of(client.get(url))
    response = client.post(url, {"use": "on", "reason": "", "quality_bar": "8.75"})

    assert "never to anyone below it" in page
    assert "Positive action is off for this round" in page
    assert "Give the reason for using positive action in this round." in text_of(response)
    assert 'value="8.75"' in response.content.decode()
    assert not PositiveAction.objects.filter(enabled=True).exists()


def test_the_page_and_the_room_show_counts_and_the_effect_never_who(client, round_with_group):
    round, applications = round_with_group
    client.force_login(team_member())
    url = reverse("selection:positive_action", kwargs={"pk": round.pk})
    client.post(url, {"use": "on", "reason": "Gap at selection", "quality_bar": "8.9"})
    client.post(url, {"group": "ethnic_group:black", "places": "2"})

    page = text_of(client.get(url))
    room = client.get(reverse("selection:decision_room", kwargs={"pk": round.pk}))
    room_text = text_of(room)

    # One filled, none accepted without them, one not filled: every count of the
    # group's people is under 5, so none is shown, nor the one that would give them back.
    assert "Fewer than 5 held places filled from the group by rank; fewer than 5 of the group" in page
    assert "fewer than 5" in page  # two in the group: suppressed
    assert "Not all filled: too few meet the quality bar" in room_text
    assert "Fewer than 5 held places filled from the group by rank" in room_text
    assert re.search(r"\b1 (held place|not filled)", page + room_text) is None
    assert "Ethnic group: Black, Black British, Caribbean or African: 2 places held." in room_text
    assert f"{applications[4].reference} " in room_text  # near the line, as always…
    assert "(held place)" not in room_text  # …but not marked


@pytest.mark.parametrize(
    ("places", "already", "filled", "shown"),
    [
        # Every count of people at 5 or more: all shown, and the places not filled.
        (12, 5, 5, (5, 5, 2, True)),
        # One filled: hidden; then 7 - 5 - 1 not filled would give it back: hidden too.
        (7, 5, 1, (None, 5, None, True)),
        # None already accepted (0 is under 5 as well): hidden, and so the places not filled.
        (6, 0, 5, (5, None, None, True)),
        # All filled: nothing is short, nothing to hide but the small counts.
        (3, 1, 2, (None, None, None, False)),
    ],
)
def test_positive_action_counts_are_suppressed_under_five_with_the_count_that_would_reveal_them(
    places, already, filled, shown
):
    effect = CharacteristicEffect(label="Group", places=places, bar=8.0, already=already, filled=filled)

    figures = effect.shown(threshold=5)

    assert (figures.filled, figures.already, figures.short, figures.some_short) == shown


@pytest.mark.parametrize("size", [4, 12])
def test_positive_action_page_query_count_is_flat(client, django_assert_num_queries, size):
    round = review_round(capacity=3)
    for n in range(size):
        application = submitted_application(round)
        ApplicationScore.objects.create(
            application=application,
            round=round,
            reviews_expected=2,
            reviews_done=2,
            mean_score=9 - n * 0.1,
            normalised_score=1 - n * 0.1,
            model_score=1 - n * 0.1,
        )
        answer = "black_african" if n % 2 else "white_british"
        monitoring_response_save(user=application.applicant, answers={"ethnic_group": answer}, by=application.applicant)
    team = team_member()
    enable(round, team, bar=8.5)
    characteristic_hold_set(round=round, characteristic="ethnic_group", category="black", places=2, by=team)
    characteristic_hold_set(round=round, characteristic="sex", category="female", places=1, by=team)
    client.force_login(team)
    url = reverse("selection:positive_action", kwargs={"pk": round.pk})
    client.get(url)

    with django_assert_num_queries(12):
        response = client.get(url)

    assert "Ethnic group: Black, Black British, Caribbean or African" in text_of(response)


# What the applicant who fills the held place answered, in every form a page or
# file could spell it (labels and stored keys).
THEIR_ANSWERS = ["African", "black_african", "Black, Black British", "Bisexual", "bisexual", "Sikh", "sikh"]


def rows_naming(body: str, reference: str) -> list[str]:
    """Every table row, list item, summary row and CSV line that names `reference`."""
    pieces = re.findall(r"<tr\b.*?</tr>|<li\b.*?</li>|<dd\b.*?</dd>", body, flags=re.S) + body.splitlines()
    return [piece for piece in pieces if reference in piece]


def test_no_page_or_download_shows_who_filled_a_held_place_or_what_they_answered(client, round_with_group):
    """Positive action on, a held place filled by the fifth applicant and the
    decisions made: in the room, the preview, the positive action page, the
    board, the feedback and every export, no row that names them says anything
    of their answers or of a held place; outside the room's counts, nothing of
    their answers appears at all."""
    round, applications = round_with_group
    chosen = applications[4]
    monitoring_response_save(
        user=chosen.applicant,
        answers={"ethnic_group": "black_african", "sexual_orientation": "bisexual", "religion": "sikh"},
        by=chosen.applicant,
    )
    team = team_member()
    enable(round, team)
    characteristic_hold_set(round=round, characteristic="ethnic_group", category="black", places=2, by=team)
    preview = decisions_bulk_preview(round=round, rule=LineRule(places=3))
    decisions_bulk_apply(round=round, rule=LineRule(places=3), fingerprint=preview.fingerprint, by=team)
    client.force_login(team)
    line = "?method=model&places=3&waitlist=0&rest=leave"
    narrower = "?method=model&places=2&waitlist=1&rest=unsuccessful"
    room_pages = [
        reverse("selection:decision_room", kwargs={"pk": round.pk}) + line,
        reverse("selection:positive_action", kwargs={"pk": round.pk}),
    ]
    other_pages = [
        reverse("selection:decisions_preview", kwargs={"pk": round.pk}) + narrower,
        reverse("selection:board", kwargs={"pk": round.pk}),
        reverse("selection:application", kwargs={"pk": chosen.pk}),
        reverse("selection:feedback_list", kwargs={"pk": round.pk}),
        reverse("selection:feedback", kwargs={"pk": chosen.pk}),
        reverse("selection:waiting_list", kwargs={"pk": round.pk}),
    ]
    bodies = {}
    for url in room_pages + other_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies[url] = response.content.decode()
    for kind in ("applications", "reviews"):
        url = reverse(f"selection:insight_export_{kind}", kwargs={"pk": round.pk})
        bodies[url] = b"".join(client.get(url).streaming_content).decode()

    assert chosen.reference in bodies[room_pages[0]]  # near the line, as any applicant is
    assert chosen.reference in bodies[other_pages[2]]
    for url, body in bodies.items():
        for row in rows_naming(body, chosen.reference):
            for word in [*THEIR_ANSWERS, "held place", "positive action", "Positive action"]:
                assert word not in row, (url, word)
        if url not in room_pages:
            for word in THEIR_ANSWERS:
                assert word not in body, (url, word)
