"""The programme team's pages for releasing decisions, feedback, places, the
waiting list and reversal, as a user of them sees them."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from q_portal.outbox.models import OutboundEmail
from selection.choices import DecisionOutcome, PlaceOfferStatus, Recommendation, WaitlistPromotion
from selection.models import CriterionFeedback, Decision, PlaceOffer, SelectionSettings
from selection.services.places import place_decline
from selection.services.release import decisions_release
from selection.services.reviews import review_save
from tests.factories.decisions import decided, decided_round, feedback, scored, team_member
from tests.factories.selection import assign, bulk_submitted_applications, reviewer_with_profile, submitted_application

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def team(client):
    user = team_member(display_name="Priya Team")
    client.force_login(user)
    return user


# --- Release ------------------------------------------------------------------------------


def test_release_page_says_what_will_be_sent_and_what_will_not(client, team):
    round, [accepted, _waitlisted] = decided_round(accept=1, waitlist=1, capacity=30)
    submitted_application(round)  # no decision yet
    feedback(accepted, "a", "Draft only.", by=team)

    content = text_of(client.get(reverse("selection:release", kwargs={"pk": round.pk})))

    assert "Decisions waiting to be released" in content
    assert "The round has 30 places; 1 applications would then be accepted." in content
    assert "1 application has no decision yet." in content
    assert "1 application has feedback that is not approved: it will not be sent." in content
    assert "Release 2 decisions" in content


def test_release_page_says_how_many_emails_go_and_which_lack_approved_feedback(client, team):
    round, [accepted, *_rest] = decided_round(accept=2, unsuccessful=1)
    feedback(accepted, "a", "Clear examples of your improvement work.", by=team, approved=True)

    content = text_of(client.get(reverse("selection:release", kwargs={"pk": round.pk})))

    assert "3 emails will be sent." in content
    assert "2 applications have no approved feedback: their applicants get the decision without feedback." in content
    assert "To confirm, type the round&#x27;s name" in content


def test_releasing_needs_the_round_name_typed_and_keeps_what_was_typed(client, team):
    round, _applications = decided_round(accept=2, name="Spring round 2026")

    response = client.post(reverse("selection:release", kwargs={"pk": round.pk}), {"confirmation": "Spring"})

    content = text_of(response)
    assert response.status_code == 200
    assert "<title>Error:" in content
    assert "Type the round&#x27;s name, Spring round 2026, exactly as it is shown, to confirm." in content
    assert 'value="Spring"' in content
    assert Decision.objects.filter(round=round, released_at__isnull=False).count() == 0
    assert OutboundEmail.objects.count() == 0


def test_releasing_from_the_page_runs_as_a_task_and_shows_its_progress(
    client, team, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("selection.services.release.RELEASE_BATCH_SIZE", 2)
    round, applications = decided_round(accept=2, unsuccessful=3, name="Spring round 2026")
    url = reverse("selection:release", kwargs={"pk": round.pk})

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url, {"confirmation": "  spring ROUND 2026 "}, follow=True)
        # Before the task runs, the page shows the release waiting to start.
        assert "Waiting to start." in text_of(confirmed)
        assert "0 of 5 decisions released." in text_of(confirmed)
    response = client.get(url)

    content = text_of(response)
    assert "Releasing 5 decisions. Applicants are told by email and on their application&#x27;s page." in text_of(
        confirmed
    )
    assert "Finished: every decision confirmed is released." in content
    assert "5 of 5 decisions released." in content
    assert "There are no decisions waiting to be released." in content
    assert OutboundEmail.objects.filter(to__in=[a.applicant.email for a in applications]).count() == 5
    progress = client.get(reverse("selection:release_progress", kwargs={"pk": round.pk})).json()
    assert progress == {
        "status": "done",
        "status_label": "Released",
        "finished": True,
        "released": 5,
        "total": 5,
        "percent": 100,
        "problem": "",
    }


def test_a_release_confirmed_while_the_broker_is_down_is_picked_up_by_the_beat_sweep(client, team):
    from datetime import timedelta

    from selection.models import ReleaseRun
    from selection.services.release import release_start
    from selection.tasks import release_runs_resume

    round, _applications = decided_round(accept=1, unsuccessful=1, name="Pilot")
    run = release_start(round=round, by=team, confirmation="Pilot")  # no commit here: its task is never queued
    ReleaseRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=2))

    assert release_runs_resume() == 1

    run.refresh_from_db()
    assert (run.status, run.released) == ("done", 2)
    assert Decision.objects.filter(round=round, released_at__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)  # the request's commit really queues the task
def test_a_release_confirmed_while_the_broker_is_unreachable_is_kept_and_beats_sweep_releases_it(
    client, team, broker_down, caplog, time_machine, mailoutbox
):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from selection.models import ReleaseRun
    from selection.tasks import release_runs_resume

    confirmed_at = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    time_machine.move_to(confirmed_at, tick=False)
    round, applications = decided_round(accept=1, unsuccessful=1, name="Pilot")
    url = reverse("selection:release", kwargs={"pk": round.pk})

    confirmed = client.post(url, {"confirmation": "Pilot"}, follow=True)

    # The team sees its confirmation taken, not an error page; the run waits in the database.
    assert confirmed.redirect_chain == [(url, 302)]
    assert "Releasing 2 decisions. Applicants are told by email and on their application&#x27;s page." in text_of(
        confirmed
    )
    assert "Waiting to start." in text_of(confirmed)
    run = ReleaseRun.objects.get(round=round)
    assert (run.status, run.released, run.total, run.requested_by) == ("queued", 0, 2, team)
    assert "Broker did not take selection.release_decisions" in caplog.text
    assert not Decision.objects.filter(round=round, released_at__isnull=False).exists()
    assert OutboundEmail.objects.count() == 0

    # The broker is back; beat's sweep a minute later queues the run again, and it runs.
    broker_down()
    time_machine.move_to(confirmed_at + timedelta(minutes=1, seconds=1), tick=False)
    assert release_runs_resume.apply().get() == 1

    run.refresh_from_db()
    assert (run.status, run.released) == ("done", 2)
    assert set(Decision.objects.filter(round=round).values_list("released_by", flat=True)) == {team.pk}
    assert sorted(message.to[0] for message in mailoutbox) == sorted(a.applicant.email for a in applications)
    assert "Finished: every decision confirmed is released." in text_of(client.get(url))


def test_releasing_twice_from_two_tabs_says_so_and_sends_nothing_more(client, team, django_capture_on_commit_callbacks):
    round, _applications = decided_round(accept=1, name="Pilot")
    url = reverse("selection:release", kwargs={"pk": round.pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirmation": "Pilot"})

    response = client.post(url, {"confirmation": "Pilot"}, follow=True)

    assert "There are no decisions waiting to be released." in text_of(response)
    assert OutboundEmail.objects.count() == 1


# --- Places and the waiting list ----------------------------------------------------------


def released_round_of(size: int, *, promotion=WaitlistPromotion.MANUAL):
    """A round of `size` accepted and `size` waitlisted applications, released."""
    round, _applications = decided_round()
    SelectionSettings.objects.update_or_create(round=round, defaults={"waitlist_promotion": promotion})
    applications = bulk_submitted_applications(round, size * 2)
    for position, application in enumerate(applications):
        scored(application, normalised=100 - position)
    now = timezone.now()
    Decision.objects.bulk_create(
        Decision(
            application=application,
            round=round,
            outcome=DecisionOutcome.ACCEPT if position < size else DecisionOutcome.WAITLIST,
            decided_at=now,
        )
        for position, application in enumerate(applications)
    )
    decisions_release(round=round, by=None)
    return round, applications


@pytest.mark.parametrize("size", [3, 30])
def test_places_and_waiting_list_pages_query_count_does_not_grow(client, team, django_assert_num_queries, size):
    round, applications = released_round_of(size)
    place_decline(offer=PlaceOffer.objects.get(application=applications[0]), by=applications[0].applicant)

    # The first page after signing in also saves the session: three queries more.
    with django_assert_num_queries(12):
        places = client.get(reverse("selection:places", kwargs={"pk": round.pk}))
    with django_assert_num_queries(9):
        waiting = client.get(reverse("selection:waiting_list", kwargs={"pk": round.pk}))

    assert f"{size} offers of places" in text_of(places)
    assert f"{size} people waiting, in the order places are offered" in text_of(waiting)
    assert text_of(waiting).count("<tr>") == size + 1


def test_places_page_filters_by_status(client, team):
    round, applications = released_round_of(3)
    place_decline(offer=PlaceOffer.objects.get(application=applications[1]), by=applications[1].applicant)

    content = text_of(client.get(reverse("selection:places", kwargs={"pk": round.pk}), {"status": "declined"}))

    assert "1 offer of a place" in content
    assert applications[1].reference in content
    assert applications[0].reference not in content


def test_waiting_list_offers_a_free_place_to_the_next_on_the_teams_click(client, team):
    round, applications = released_round_of(2)
    place_decline(offer=PlaceOffer.objects.get(application=applications[0]), by=applications[0].applicant)
    url = reverse("selection:waiting_list", kwargs={"pk": round.pk})
    assert "Offer a place to the next on the waiting list" in text_of(client.get(url))

    response = client.post(reverse("selection:promote", kwargs={"pk": round.pk}), follow=True)

    first_waiting = applications[2]
    assert (
        f"A place is offered to {first_waiting.reference}, the next on the waiting list. They have been emailed."
        in text_of(response)
    )
    assert PlaceOffer.objects.get(application=first_waiting).status == PlaceOfferStatus.OFFERED
    assert "Offer a place to the next on the waiting list" not in text_of(response)
    again = client.post(reverse("selection:promote", kwargs={"pk": round.pk}), follow=True)
    assert "No place is free" in text_of(again)


# --- Feedback -------------------------------------------------------------------------------


def test_feedback_page_starts_from_the_reviewers_comments_and_approving_saves_it(client, team):
    _round, [application] = decided_round(unsuccessful=1)
    reviewer = reviewer_with_profile(display_name="Rob Evans")
    review_save(
        assignment=assign(application, reviewer),
        by=reviewer,
        scores={"a": 2, "b": 3, "c": 2},
        comments={"a": "The answer describes the team's work, not the applicant's role."},
        recommendation=Recommendation.DO_NOT_ACCEPT,
        note_to_panel="",
        submit=True,
    )
    url = reverse("selection:feedback", kwargs={"pk": application.pk})

    content = text_of(client.get(url))
    assert "Each box starts with the reviewers' comments" in content
    assert "Rob Evans (score 2):" in content
    assert "The answer describes the team&#x27;s work, not the applicant&#x27;s role.</textarea>" in content

    response = client.post(
        url,
        {"feedback_a": "Tell us about your own role.", "feedback_b": "", "feedback_c": "", "action": "approve"},
        follow=True,
    )

    assert "is approved: it will be sent with the decision." in text_of(response)
    row = CriterionFeedback.objects.get(application=application)
    assert (row.criterion.letter, row.text, row.status) == ("a", "Tell us about your own role.", "approved")
    assert "Feedback: (a) written, approved" in text_of(
        client.get(reverse("selection:application", kwargs={"pk": application.pk}))
    )


def test_too_long_feedback_shows_the_error_at_the_field_and_keeps_what_was_typed(client, team):
    _round, [application] = decided_round(unsuccessful=1)
    url = reverse("selection:feedback", kwargs={"pk": application.pk})

    response = client.post(url, {"feedback_a": "Kept text.", "feedback_b": "x" * 1600, "action": "draft"})

    content = text_of(response)
    assert "There is a problem" in content
    assert 'href="#id_feedback_b"' in content
    assert "Keep the feedback to 1,500 characters or fewer." in content
    assert "Kept text.</textarea>" in content
    assert CriterionFeedback.objects.count() == 0


def test_feedback_list_shows_what_waits_for_approval_and_approves_it(client, team):
    round, [waiting, approved, none] = decided_round(unsuccessful=3)
    feedback(waiting, "a", "Needs approval.", by=team)
    feedback(approved, "a", "Already approved.", approved=True, by=team)
    url = reverse("selection:feedback_list", kwargs={"pk": round.pk})

    content = text_of(client.get(url))
    assert "1 application with feedback waiting for approval" in content
    assert waiting.reference in content and approved.reference not in content and none.reference not in content

    response = client.post(
        reverse("selection:feedback_approve", kwargs={"pk": waiting.pk}), {"show": "waiting"}, follow=True
    )

    assert f"1 feedback text on {waiting.reference} approved." in text_of(response)
    assert "No feedback is waiting for approval." in text_of(response)
    assert "3 decided applications" in text_of(client.get(url, {"show": "all"}))


@pytest.mark.parametrize("size", [3, 30])
def test_feedback_list_query_count_does_not_grow(client, team, django_assert_num_queries, size):
    round, _applications = decided_round()
    applications = bulk_submitted_applications(round, size)
    now = timezone.now()
    Decision.objects.bulk_create(
        Decision(application=a, round=round, outcome=DecisionOutcome.UNSUCCESSFUL, decided_at=now) for a in applications
    )
    for application in applications:
        feedback(application, "a", "Draft.", by=team)

    with django_assert_num_queries(14):
        response = client.get(reverse("selection:feedback_list", kwargs={"pk": round.pk}))

    assert f"{size} applications with feedback waiting for approval" in text_of(response)


def test_released_feedback_is_shown_read_only(client, team):
    round, [application] = decided_round(unsuccessful=1)
    feedback(application, "a", "Sent to the applicant.", approved=True, by=team)
    feedback(application, "b", "Never sent.", by=team)
    decisions_release(round=round, by=team)

    content = text_of(client.get(reverse("selection:feedback", kwargs={"pk": application.pk})))

    assert "This is what the applicant received; it can no longer change." in content
    assert "Sent to the applicant." in content
    assert "Never sent." not in content
    assert "<textarea" not in content


# --- Reversal and the application's page ---------------------------------------------------


def test_reversing_needs_a_reason_keeps_what_was_typed_and_is_shown_in_the_history(client, team):
    round, [application] = decided_round(waitlist=1)
    decisions_release(round=round, by=team)
    url = reverse("selection:decision_reverse", kwargs={"pk": application.pk})

    refused = text_of(client.post(url, {"outcome": "accept", "reason": ""}))
    assert "Give the reason for changing a released decision." in refused
    assert re.search(r'value="accept"\s+id="id_outcome_0" checked', refused)

    response = client.post(url, {"outcome": "accept", "reason": "Place freed by a late withdrawal."}, follow=True)

    content = text_of(response)
    assert "is changed and the applicant has been emailed." in content
    assert "Released decision reversed: Waiting list → Accept. Reason: Place freed by a late withdrawal." in content
    assert "Offered, waiting for an answer" in content
    assert Application.objects.get(pk=application.pk).outcome == "accepted"


def test_reversing_an_unreleased_decision_sends_the_team_to_the_decision_room(client, team):
    _round, [application] = decided_round(waitlist=1)

    response = client.get(reverse("selection:decision_reverse", kwargs={"pk": application.pk}), follow=True)

    assert "This decision has not been released yet: change it in the decision room." in text_of(response)


def test_application_page_shows_the_decision_its_place_feedback_and_audit_trail(client, team):
    round, [application] = decided_round(accept=1)
    feedback(application, "a", "A compelling, reflective answer.", approved=True, by=team)
    decisions_release(round=round, by=team)

    content = text_of(client.get(reverse("selection:application", kwargs={"pk": application.pk})))

    assert "Decision released: Accept; place offered, to confirm by" in content
    assert "by Priya Team on" in content
    assert "Offered, waiting for an answer." in content
    assert "1 criterion approved." in content
    assert "Change the released decision" in content


def test_a_late_decision_can_be_released_after_the_first_release(client, team):
    round, [_first] = decided_round(accept=1)
    later = submitted_application(round)
    decisions_release(round=round, by=team)
    decided(later, DecisionOutcome.UNSUCCESSFUL)

    content = text_of(client.get(reverse("selection:release", kwargs={"pk": round.pk})))

    assert "Release 1 decision" in content


def test_the_team_sets_how_long_a_place_is_held_and_how_freed_places_are_offered(client, team):
    round, _applications = decided_round(accept=1)
    url = reverse("selection:settings", kwargs={"pk": round.pk})
    data = {
        "reviewers_per_application": "2",
        "default_capacity": "40",
        "moderation_spread": "2",
        "place_confirm_days": "0",
        "waitlist_promotion": "manual",
        "blind": "on",
        **{f"weight_{letter}": "1" for letter in "abc"},
        **{f"level_{level}": f"Level {level}" for level in range(1, 5)},
    }

    refused = text_of(client.post(url, data))
    assert 'href="#id_place_confirm_days"' in refused
    client.post(url, {**data, "place_confirm_days": "7"})

    settings = SelectionSettings.objects.get(round=round)
    assert (settings.place_confirm_days, settings.waitlist_promotion) == (7, WaitlistPromotion.MANUAL)
    content = text_of(client.get(reverse("selection:round", kwargs={"pk": round.pk})))
    assert "When the programme team chooses" in content
