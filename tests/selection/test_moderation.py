"""Moderation: the queue (thresholds, filters, query count at 2,000
applications), the reviews side by side, the moderator's own review and asking
another reviewer."""

from html import escape

import pytest
from django.urls import reverse

from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from selection.choices import Recommendation
from selection.models import ApplicationScore, Assignment, Conflict, ReviewerCapacity
from selection.services.moderation import moderation_review_save, moderation_reviewer_request
from selection.services.settings import selection_settings_for
from tests.factories.decisions import team_member
from tests.factories.scores import review, reviewed_application, reviewers, scores_in_bulk
from tests.factories.selection import bulk_submitted_applications, review_round, reviewer_with_profile

pytestmark = pytest.mark.django_db

ACCEPT, MAYBE, NO = Recommendation.ACCEPT, Recommendation.MAYBE, Recommendation.DO_NOT_ACCEPT


def queue(client, round, **params):
    return client.get(reverse("selection:moderation", kwargs={"pk": round.pk}), params)


def moderation_page(application):
    return reverse("selection:moderation_application", kwargs={"pk": application.pk})


@pytest.fixture
def divergent_round():
    """A round with an application whose reviewers disagree (scores 4 against 1
    on criterion a), one where they recommend accept and do not accept, one short of
    a review and one they agree on."""
    round = review_round()
    first, second = reviewers(2)
    divergent = reviewed_application(round, [(first, (4, 3, 3), ACCEPT), (second, (1, 3, 3), MAYBE)])
    split = reviewed_application(round, [(first, (3, 3, 3), ACCEPT), (second, (3, 3, 2), NO)])
    short = reviewed_application(round, [(first, (3, 3, 3), MAYBE)])
    agreed = reviewed_application(round, [(first, (3, 3, 3), ACCEPT), (second, (3, 3, 3), ACCEPT)])
    return round, {"divergent": divergent, "split": split, "short": short, "agreed": agreed}, (first, second)


def test_queue_lists_disagreements_and_missing_reviews_with_why(client, divergent_round):
    round, apps, _people = divergent_round
    client.force_login(team_member())

    page = queue(client, round).content.decode()

    for name in ("divergent", "split", "short"):
        assert apps[name].reference in page
    assert apps["agreed"].reference not in page
    assert "Scores differ by 3 on a criterion" in page
    assert "Accept and do not accept recommended" in page
    assert "1 of 2 reviews done" in page


def test_queue_filters_by_reason(client, divergent_round):
    round, apps, _people = divergent_round
    client.force_login(team_member())

    disagree = queue(client, round, reason="disagree").content.decode()
    missing = queue(client, round, reason="missing").content.decode()

    assert apps["divergent"].reference in disagree and apps["split"].reference in disagree
    assert apps["short"].reference not in disagree
    assert apps["short"].reference in missing and apps["divergent"].reference not in missing


def test_page_shows_the_reviews_side_by_side_with_the_disagreement_marked(client, divergent_round):
    _round, apps, (first, second) = divergent_round
    client.force_login(team_member())

    page = client.get(moderation_page(apps["divergent"])).content.decode()

    # Escaped as the page writes them: a name may have an apostrophe (O'Neill).
    assert escape(first.display_name) in page and escape(second.display_name) in page
    assert "Disagree" in page
    assert "Submit moderator review" in page
    assert "Ask another reviewer to moderate" in page


def test_a_moderator_review_takes_the_application_out_of_the_queue(client, divergent_round):
    round, apps, _people = divergent_round
    moderator = team_member(display_name="Mo Derator")
    client.force_login(moderator)

    response = client.post(
        moderation_page(apps["divergent"]),
        {
            "score_a": "3",
            "score_b": "3",
            "score_c": "3",
            "recommendation": "maybe",
            "comment_a": "Fair.",
            "submit": "1",
        },
        follow=True,
    )

    page = response.content.decode()
    assert f"Your moderator review of {apps['divergent'].reference} is submitted." in page
    assert apps["divergent"].reference not in page.split("<tbody>")[-1] if "<tbody>" in page else True
    score = ApplicationScore.objects.get(application=apps["divergent"])
    assert (score.needs_moderation, score.moderation_reviews_done) == (False, 1)
    assert AuditEntry.objects.filter(
        target_id=str(apps["divergent"].pk), summary="Mo Derator submitted a moderator review"
    ).exists()
    moderated = queue(client, round, state="moderated").content.decode()
    assert apps["divergent"].reference in moderated


def test_a_moderator_review_missing_a_score_keeps_what_was_typed(client, divergent_round):
    _round, apps, _people = divergent_round
    client.force_login(team_member())

    response = client.post(
        moderation_page(apps["divergent"]),
        {"score_a": "3", "score_b": "3", "recommendation": "maybe", "comment_a": "Typed comment", "submit": "1"},
    )

    page = response.content.decode()
    assert "There is a problem" in page
    assert "Score criterion (c) before submitting." in page
    assert "Typed comment" in page
    assert ApplicationScore.objects.get(application=apps["divergent"]).needs_moderation is True


def test_a_draft_moderator_review_leaves_the_application_in_moderation(divergent_round):
    _round, apps, _people = divergent_round
    moderator = team_member()

    moderation_review_save(
        application=apps["divergent"],
        by=moderator,
        scores={"a": 3, "b": None, "c": None},
        comments={},
        recommendation="",
        note_to_panel="",
    )

    assert ApplicationScore.objects.get(application=apps["divergent"]).needs_moderation is True
    assert Assignment.objects.get(application=apps["divergent"], reviewer=moderator).is_moderation is True


def test_one_of_its_reviewers_cannot_moderate_it(divergent_round):
    _round, apps, (first, _second) = divergent_round
    with pytest.raises(PortalError, match="someone else must moderate it"):
        moderation_review_save(
            application=apps["divergent"],
            by=first,
            scores={"a": 3, "b": 3, "c": 3},
            comments={},
            recommendation="maybe",
            note_to_panel="",
            submit=True,
        )


def test_a_moderator_with_a_conflict_of_interest_is_refused(divergent_round):
    round, apps, _people = divergent_round
    moderator = team_member()
    Conflict.objects.create(
        round=round, application=apps["divergent"], reviewer=moderator, kind="declared", reason="My colleague"
    )

    with pytest.raises(PortalError, match="conflict of interest"):
        moderation_review_save(
            application=apps["divergent"],
            by=moderator,
            scores={"a": 3, "b": 3, "c": 3},
            comments={},
            recommendation="maybe",
            note_to_panel="",
            submit=True,
        )
    assert not Assignment.objects.filter(reviewer=moderator).exists()


def test_another_reviewer_is_asked_and_their_review_settles_it(client, divergent_round):
    round, apps, (_first, _second) = divergent_round
    third = reviewer_with_profile()
    client.force_login(team_member())

    response = client.post(
        reverse("selection:moderation_request_reviewer", kwargs={"pk": apps["divergent"].pk}), follow=True
    )

    assert f"{escape(third.display_name)} is asked for a moderator review" in response.content.decode()
    assignment = Assignment.objects.get(application=apps["divergent"], reviewer=third)
    assert assignment.is_moderation is True
    in_progress = queue(client, round, state="in_progress").content.decode()
    assert apps["divergent"].reference in in_progress
    # It is in the reviewer's own queue.
    client.force_login(third)
    assert apps["divergent"].reference in client.get(reverse("selection:reviewer_home")).content.decode()

    review(apps["divergent"], third, (3, 3, 3), MAYBE)

    score = ApplicationScore.objects.get(application=apps["divergent"])
    assert (score.needs_moderation, score.reviews_expected, score.moderation_reviews_done) == (False, 2, 1)


def test_asking_another_reviewer_when_nobody_has_capacity_changes_nothing(divergent_round):
    round, apps, (_first, _second) = divergent_round
    (third,) = reviewers(1)
    ReviewerCapacity.objects.create(round=round, reviewer=third, capacity=0)

    with pytest.raises(PortalError, match="No other reviewer"):
        moderation_reviewer_request(application=apps["divergent"], by=team_member())
    assert Assignment.objects.filter(application=apps["divergent"]).count() == 2


@pytest.mark.parametrize("size", [3, 2000])
def test_queue_query_count_is_flat(client, django_assert_num_queries, size):
    round = review_round()
    applications = bulk_submitted_applications(round, size)
    scores_in_bulk(applications, needs_moderation_every=1)
    selection_settings_for(round=round)
    client.force_login(team_member())

    with django_assert_num_queries(10):
        response = queue(client, round, size="250")

    assert response.content.decode().count("/moderation/") >= min(size, 250)


def test_moderation_forms_survive_any_input(client, divergent_round):
    """Generated bad input to the moderator review and the queue's filters:
    never a 5xx, never script echoed."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.quality.test_bad_input import NASTY, SCRIPT

    round, apps, _people = divergent_round
    client.force_login(team_member())
    review_fields = ["score_a", "score_b", "score_c", "comment_a", "recommendation", "note_to_panel", "submit"]
    filters = ["state", "reason", "sort", "size", "page"]

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def bad_input(data):
        fields = {name: data.draw(NASTY) for name in review_fields if data.draw(st.booleans())}
        response = client.post(moderation_page(apps["divergent"]), fields, follow=True)
        assert response.status_code == 200, fields
        assert SCRIPT not in response.content.decode()
        params = {name: data.draw(NASTY) for name in filters if data.draw(st.booleans())}
        response = queue(client, round, **params)
        assert response.status_code == 200, params
        assert SCRIPT not in response.content.decode()

    bad_input()
