"""The reviewer's pages and the programme team's selection pages."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from applications.choices import RoundStatus
from applications.services.applications import application_start
from selection.choices import Recommendation
from selection.models import Assignment, Conflict, Review, ReviewerProfile
from selection.services.assignments import conflict_declare
from selection.services.reviews import review_save
from selection.services.settings import selection_settings_update
from tests.factories import OrganisationFactory, UserFactory, programme_team, reviewer, with_totp
from tests.factories.applications import RoundFactory, submitted
from tests.factories.selection import (
    agreement_accepted,
    assign,
    bulk_submitted_applications,
    closed_round,
    review_round,
    reviewer_with_profile,
    submitted_application,
)

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


def score_form(**overrides):
    data = {"score_a": "3", "score_b": "4", "score_c": "2", "recommendation": "accept", "note_to_panel": ""}
    data.update(overrides)
    return data


def submit_review(assignment, scores=(3, 4, 2), recommendation=Recommendation.ACCEPT):
    return review_save(
        assignment=assignment,
        by=assignment.reviewer,
        scores=dict(zip("abc", scores, strict=True)),
        comments={"a": "Strong collaborative example."},
        recommendation=recommendation,
        note_to_panel="",
        submit=True,
    )


# --- The reviewer's access -------------------------------------------------------


def test_review_page_of_an_unassigned_application_is_not_found(client):
    round = review_round()
    mine, theirs = reviewer_with_profile(), reviewer_with_profile()
    application = submitted_application(round)
    assign(application, mine)
    other_assignment = assign(application, theirs)
    submit_review(other_assignment)

    client.force_login(mine)
    response = client.get(reverse("selection:review", kwargs={"pk": other_assignment.pk}))

    assert response.status_code == 404
    assert application.reference not in text_of(response)
    assert "Strong collaborative example." not in text_of(response)


@pytest.mark.parametrize("conflict", ["declared", "organisation changed"])
def test_review_page_of_an_application_the_reviewer_has_a_conflict_with_since_is_not_found(client, conflict):
    round = review_round()
    me = reviewer_with_profile()
    trust = OrganisationFactory(name="Moved Trust")
    application = submitted_application(round, organisation=trust)
    assignment = assign(application, me)
    if conflict == "declared":
        Conflict.objects.create(round=round, application=application, reviewer=me, kind="declared", reason="A friend")
    else:
        ReviewerProfile.objects.filter(user=me).update(organisation=trust)

    client.force_login(me)
    response = client.get(reverse("selection:review", kwargs={"pk": assignment.pk}))

    assert response.status_code == 404
    assert application.reference not in text_of(response)


def test_review_page_for_a_reviewer_without_mfa_sends_them_to_set_it_up(client):
    round = review_round()
    me = reviewer_with_profile(mfa=False)
    assignment = assign(submitted_application(round), me)
    client.force_login(me)
    response = client.get(reverse("selection:review", kwargs={"pk": assignment.pk}))
    assert response.url == reverse("mfa_activate_totp")


def test_review_page_is_refused_to_an_applicant(client):
    round = review_round()
    application = submitted_application(round)
    assignment = assign(application, reviewer_with_profile())
    client.force_login(application.applicant)
    response = client.get(reverse("selection:review", kwargs={"pk": assignment.pk}))
    assert response.status_code == 403
    assert application.reference not in text_of(response)


# --- Blind, independent scoring --------------------------------------------------


def test_review_page_is_blind_by_default(client):
    round = review_round()
    organisation = OrganisationFactory(name="Northumbria Healthcare")
    application = submitted_application(round, organisation=organisation)
    application.full_name = "Jo Bloggs"
    application.save()
    me = reviewer_with_profile()
    assignment = assign(application, me)
    agreement_accepted(me, round)

    client.force_login(me)
    page = text_of(client.get(reverse("selection:review", kwargs={"pk": assignment.pk})))

    assert "Jo Bloggs" not in page
    assert "Northumbria Healthcare" not in page
    assert application.applicant.email not in page
    assert "improvement improvement" in page  # the answers are there
    assert "Blind review" in page


def test_review_page_shows_the_applicant_when_blind_review_is_off(client):
    round = review_round()
    application = submitted_application(round, organisation=OrganisationFactory(name="Northumbria Healthcare"))
    me = reviewer_with_profile()
    assignment = assign(application, me)
    agreement_accepted(me, round)
    selection_settings_update(round=round, by=programme_team(), blind=False)

    client.force_login(me)
    page = text_of(client.get(reverse("selection:review", kwargs={"pk": assignment.pk})))

    assert escape(application.full_name) in page  # escaped: a name may have an apostrophe
    assert "Northumbria Healthcare" in page


def test_other_reviewers_scores_hidden_until_ones_own_is_submitted(client):
    round = review_round()
    application = submitted_application(round)
    me, other = reviewer_with_profile(display_name="Me Myself"), reviewer_with_profile(display_name="Olu Other")
    mine = assign(application, me)
    agreement_accepted(me, round)
    submit_review(assign(application, other), recommendation=Recommendation.DO_NOT_ACCEPT)
    url = reverse("selection:review", kwargs={"pk": mine.pk})
    client.force_login(me)

    before = text_of(client.get(url))
    client.post(url, score_form(submit="1"))
    after = text_of(client.get(url))

    assert "Olu Other" not in before
    assert "Strong collaborative example." not in before
    assert "Recommendation: Do not accept" not in before
    assert "once you have submitted your own" in before
    assert "Review by Olu Other" in after
    assert "Strong collaborative example." in after
    assert "Recommendation: Do not accept" in after


def test_review_form_saves_a_draft_and_keeps_what_was_typed_on_an_error(client):
    round = review_round()
    me = reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    agreement_accepted(me, round)
    url = reverse("selection:review", kwargs={"pk": assignment.pk})
    client.force_login(me)

    client.post(url, {"score_a": "2", "comment_a": "Thin example.", "save": "1"})
    review = Review.objects.get(assignment=assignment)
    assert (review.status, review.scores.get(criterion__letter="a").comment) == ("draft", "Thin example.")

    response = client.post(url, {"score_a": "2", "comment_a": "Thin example, revised.", "submit": "1"})
    page = text_of(response)
    assert "There is a problem" in page
    assert "Score criterion (b) before submitting." in page
    assert "Thin example, revised." in page
    review.refresh_from_db()
    assert review.status == "draft"


def test_review_form_submit_records_the_review(client):
    round = review_round()
    me = reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    agreement_accepted(me, round)
    url = reverse("selection:review", kwargs={"pk": assignment.pk})
    client.force_login(me)

    response = client.post(url, score_form(submit="1"), follow=True)

    review = Review.objects.get(assignment=assignment)
    assert (review.status, review.weighted_total, review.recommendation) == ("submitted", 9.0, "accept")
    assert "Your review of" in text_of(response)
    assert "Submit review" not in text_of(response)


def test_review_form_with_nonsense_input_answers_with_errors_not_a_crash(client):
    round = review_round()
    me = reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    agreement_accepted(me, round)
    client.force_login(me)
    response = client.post(
        reverse("selection:review", kwargs={"pk": assignment.pk}),
        {"score_a": "99", "recommendation": "yes please", "submit": "1"},
    )
    assert "Select a valid choice" in text_of(response)
    assert not Review.objects.exists()


# --- Declaring a conflict --------------------------------------------------------


def test_declare_conflict_removes_the_application_from_the_queue_at_once(client):
    round = review_round()
    application = submitted_application(round)
    me, spare = reviewer_with_profile(), reviewer_with_profile()
    assignment = assign(application, me)
    client.force_login(me)

    response = client.post(
        reverse("selection:declare_conflict", kwargs={"pk": assignment.pk}),
        {"reason": "She is my sister."},
        follow=True,
    )

    assert "Your conflict of interest with" in text_of(response)
    assert client.get(reverse("selection:review", kwargs={"pk": assignment.pk})).status_code == 404
    assert list(Assignment.objects.filter(application=application).values_list("reviewer_id", flat=True)) == [spare.pk]
    conflicts = text_of(client.get(reverse("selection:reviewer_home"), {"state": "conflict"}))
    assert "She is my sister." in conflicts


def test_declare_conflict_without_a_reason_shows_the_error(client):
    round = review_round()
    me = reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    agreement_accepted(me, round)
    client.force_login(me)
    response = client.post(reverse("selection:declare_conflict", kwargs={"pk": assignment.pk}), {"reason": ""})
    assert "Tell us why you have a conflict of interest." in text_of(response)
    assert Assignment.objects.filter(pk=assignment.pk).exists()


# --- The queue -------------------------------------------------------------------


def test_queue_shows_progress_and_filters(client):
    round = review_round(name="Pilot")
    me = reviewer_with_profile()
    done, draft, todo = (assign(submitted_application(round), me) for _ in range(3))
    submit_review(done)
    review_save(assignment=draft, by=me, scores={"a": 1}, comments={}, recommendation="", note_to_panel="")
    client.force_login(me)

    page = text_of(client.get(reverse("selection:reviewer_home"), {"state": ""}))
    to_do = text_of(client.get(reverse("selection:reviewer_home")))
    in_progress = text_of(client.get(reverse("selection:reviewer_home"), {"state": "in_progress"}))

    assert "1 of 3 done" in page
    assert all(a.application.reference in page for a in (done, draft, todo))
    assert todo.application.reference in to_do
    assert done.application.reference not in to_do
    assert draft.application.reference in in_progress
    assert todo.application.reference not in in_progress


def test_queue_lists_only_ones_own_assignments(client):
    round = review_round()
    me, other = reviewer_with_profile(), reviewer_with_profile()
    theirs = assign(submitted_application(round), other)
    client.force_login(me)
    page = text_of(client.get(reverse("selection:reviewer_home")))
    assert theirs.application.reference not in page
    assert "No applications have been assigned to you yet." in page


@pytest.mark.parametrize("size", [5, 2000])
def test_queue_query_count_is_flat(client, django_assert_num_queries, size):
    round = review_round()
    me = reviewer_with_profile()
    applications = bulk_submitted_applications(round, size)
    Assignment.objects.bulk_create(Assignment(round=round, application=a, reviewer=me) for a in applications)
    client.force_login(me)
    with django_assert_num_queries(11):
        response = client.get(reverse("selection:reviewer_home"), {"page": "1"})
    assert f"0 of {size} done" in text_of(response)


# --- The programme team's pages --------------------------------------------------


def programme_user():
    return with_totp(programme_team())


def test_programme_closes_and_assigns_from_the_round_page(client):
    round = closed_round(name="Pilot round")
    application = submitted_application(round)
    reviewer_with_profile(display_name="Rob Evans")
    reviewer_with_profile(display_name="Rhiannon Jones")
    client.force_login(programme_user())

    response = client.post(reverse("selection:assign", kwargs={"pk": round.pk}), follow=True)

    assert "2 assignments made. Every application has its reviewers." in text_of(response)
    page = text_of(client.get(reverse("selection:application", kwargs={"pk": application.pk})))
    assert "Rob Evans" in page and "Rhiannon Jones" in page
    assert "Automatic assignment: Submitted → Under review; assigned" in page


def test_programme_round_page_explains_what_could_not_be_assigned(client):
    round = closed_round()
    trust = OrganisationFactory()
    application = submitted_application(round, organisation=trust)
    reviewer_with_profile(organisation=trust)
    client.force_login(programme_user())

    response = client.post(reverse("selection:assign", kwargs={"pk": round.pk}), follow=True)

    page = text_of(response)
    assert "1 application could not be given all its reviewers" in page
    assert application.reference in page
    assert "Only 0 reviewers with capacity in this round have no conflict of interest with it." in page


def test_programme_application_page_shows_scores_conflicts_and_history(client):
    round = review_round()
    application = submitted_application(round)
    declaring = reviewer_with_profile(display_name="Dee Clare")
    scoring = reviewer_with_profile(display_name="Sam Score")
    conflict_declare(assignment=assign(application, declaring), reason="Worked together", by=declaring)
    submit_review(Assignment.objects.get(application=application, reviewer=scoring))
    client.force_login(programme_user())

    page = text_of(client.get(reverse("selection:application", kwargs={"pk": application.pk})))

    assert "Dee Clare: Declared by the reviewer" in page
    assert "Sam Score submitted a review" in page
    assert "Dee Clare declared a conflict of interest: Worked together" in page
    assert "(a) 3, (b) 4, (c) 2" in page


def test_add_a_reviewer_offers_only_reviewers_who_could_take_the_application(client):
    round = review_round()
    trust = OrganisationFactory(name="Same Trust")
    application = submitted_application(round, organisation=trust)
    assign(application, reviewer_with_profile(display_name="Ada Assigned"))
    declaring = reviewer_with_profile(display_name="Con Flicted")
    conflict_declare(assignment=assign(application, declaring), reason="My sister", by=declaring)
    reviewer_with_profile(display_name="Col League", organisation=trust)
    reviewer_with_profile(display_name="Fay Free")
    client.force_login(programme_user())

    response = client.get(reverse("selection:application", kwargs={"pk": application.pk}))

    offered = [str(user) for user in response.context["add_form"].fields["reviewer"].queryset]
    assert offered == ["Fay Free"]


def test_application_history_says_what_happened_in_words(client):
    round = RoundFactory(name="Spring round")
    application = submitted(application_start(applicant=UserFactory(), round=round, route=round.routes.get()))
    round.status = RoundStatus.IN_REVIEW
    round.save(update_fields=["status"])
    client.force_login(programme_user())

    page = text_of(client.get(reverse("selection:application", kwargs={"pk": application.pk})))

    assert "Started an application to Spring round" in page


def told(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_programme_removes_or_reassigns_a_reviewer_and_is_asked_to_choose_otherwise(client):
    round = review_round()
    application = submitted_application(round)
    leaving = assign(application, reviewer_with_profile(display_name="Lee Ving"))
    replaced = assign(application, reviewer_with_profile(display_name="Rae Placed"))
    reviewer_with_profile(display_name="Nia Newcomer")
    client.force_login(programme_user())
    back = reverse("selection:application", kwargs={"pk": application.pk})

    unchosen = client.post(reverse("selection:assignment_action", kwargs={"pk": leaving.pk}), {"action": "x"})
    # Reassigned while Lee Ving still has it, so Nia Newcomer is the only reviewer left to take it.
    reassigned = client.post(reverse("selection:assignment_action", kwargs={"pk": replaced.pk}), {"action": "reassign"})
    removed = client.post(reverse("selection:assignment_action", kwargs={"pk": leaving.pk}), {"action": "remove"})

    assert [unchosen["Location"], reassigned["Location"], removed["Location"]] == [back] * 3
    assert told(removed) == [
        ("error", "Choose to remove or reassign the reviewer."),
        ("success", "Rae Placed is replaced by Nia Newcomer."),
        ("success", "Lee Ving is no longer assigned."),
    ]


def test_programme_adds_a_reviewer_from_the_application_page(client):
    application = submitted_application(review_round())
    adding = reviewer_with_profile(display_name="Ada Added")
    client.force_login(programme_user())
    url = reverse("selection:application", kwargs={"pk": application.pk})

    added = client.post(url, {"reviewer": adding.pk})
    again = client.post(url, {"reviewer": adding.pk})

    assert added["Location"] == url
    assert told(added) == [("success", "Ada Added is assigned to this application.")]
    assert again.status_code == 200  # no longer offered: the page again, with the error at the field
    assert Assignment.objects.filter(application=application, reviewer=adding).count() == 1


def test_programme_decides_one_application_and_is_asked_to_choose_otherwise(client):
    application = submitted_application(review_round())
    client.force_login(programme_user())
    url = reverse("selection:decision_set", kwargs={"pk": application.pk})

    unchosen = client.post(url, {"outcome": "maybe"})
    decided = client.post(url, {"outcome": "accept"})

    back = reverse("selection:application", kwargs={"pk": application.pk})
    assert [unchosen["Location"], decided["Location"]] == [back, back]
    assert told(decided) == [
        ("error", "Choose accept, waiting list, unsuccessful or no decision yet."),
        ("success", f"Decision on {application.reference}: Accept. The applicant hears nothing until release."),
    ]
    assert client.post(reverse("selection:decision_set", kwargs={"pk": 999999}), {"outcome": "x"}).status_code == 404


def test_programme_reopen_lets_the_reviewer_change_the_review(client):
    round = review_round()
    me = reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    agreement_accepted(me, round)
    review = submit_review(assignment)
    client.force_login(programme_user())
    client.post(reverse("selection:review_reopen", kwargs={"pk": review.pk}))
    review.refresh_from_db()
    assert review.status == "draft"


def test_programme_pages_are_refused_to_a_reviewer(client):
    round = review_round()
    application = submitted_application(round)
    me = reviewer_with_profile()
    assign(application, me)
    client.force_login(me)
    for url in [
        reverse("selection:round_list"),
        reverse("selection:round", kwargs={"pk": round.pk}),
        reverse("selection:board", kwargs={"pk": round.pk}),
        reverse("selection:moderation", kwargs={"pk": round.pk}),
        reverse("selection:decision_room", kwargs={"pk": round.pk}),
        reverse("selection:application", kwargs={"pk": application.pk}),
    ]:
        response = client.get(url)
        assert response.status_code == 403
        assert application.full_name not in text_of(response)
    assert client.post(reverse("selection:assign", kwargs={"pk": round.pk})).status_code == 403


def test_programme_settings_form_changes_the_round(client):
    round = closed_round()
    client.force_login(programme_user())
    url = reverse("selection:settings", kwargs={"pk": round.pk})
    data = {
        "reviewers_per_application": "3",
        "default_capacity": "30",
        "moderation_spread": "2",
        "place_confirm_days": "14",
        "waitlist_promotion": "automatic",
        "blind": "on",
        "weight_a": "2",
        "weight_b": "1",
        "weight_c": "1",
        "level_1": "Poor",
        "level_2": "Fair",
        "level_3": "Good",
        "level_4": "Excellent",
    }
    client.post(url, data)
    round.selection_settings.refresh_from_db()
    settings = round.selection_settings
    assert (settings.reviewers_per_application, settings.default_capacity, settings.weights) == (
        3,
        30,
        {"a": 2.0, "b": 1.0, "c": 1.0},
    )
    assert settings.rubric == {"1": "Poor", "2": "Fair", "3": "Good", "4": "Excellent"}

    response = client.post(url, {**data, "reviewers_per_application": "9", "level_1": ""})
    assert "There is a problem" in text_of(response)
    assert 'value="30"' in text_of(response)


@pytest.mark.parametrize("size", [2, 30])
def test_programme_reviewer_list_query_count_is_flat(client, django_assert_num_queries, size):
    round = review_round()
    for _ in range(size):
        reviewer_with_profile(mfa=False)
    client.force_login(programme_user())
    with django_assert_num_queries(14):
        response = client.get(reverse("selection:reviewers", kwargs={"pk": round.pk}))
    assert text_of(response).count('name="capacity"') == size


@pytest.mark.parametrize("size", [1, 20])
def test_programme_application_page_query_count_is_flat(client, django_assert_num_queries, size):
    round = review_round()
    application = submitted_application(round)
    for _ in range(size):
        submit_review(assign(application, reviewer_with_profile(mfa=False)))
    client.force_login(programme_user())
    with django_assert_num_queries(16):
        response = client.get(reverse("selection:application", kwargs={"pk": application.pk}))
    assert text_of(response).count("Reopen review") == size


def test_capacity_form_sets_capacity_and_rejects_nonsense(client):
    round = review_round()
    person = reviewer_with_profile(display_name="Cap Acity")
    client.force_login(programme_user())
    url = reverse("selection:capacity", kwargs={"pk": round.pk, "user_pk": person.pk})
    response = client.post(url, {"capacity": "7"}, follow=True)
    assert "Cap Acity can take 7 applications in this round." in text_of(response)
    response = client.post(url, {"capacity": "-3"}, follow=True)
    assert "Enter a capacity for Cap Acity" in text_of(response)


def test_reviewer_profile_form_saves_organisation(client):
    person = reviewer()
    trust = OrganisationFactory(name="Belfast Trust")
    client.force_login(programme_user())
    client.post(reverse("selection:reviewer_profile", kwargs={"pk": person.pk}), {"organisation": trust.pk})
    person.refresh_from_db()
    assert person.reviewer_profile.organisation == trust


def test_declare_conflict_on_someone_elses_assignment_is_not_found(client):
    round = review_round()
    me, other = reviewer_with_profile(), reviewer_with_profile()
    theirs = assign(submitted_application(round), other)
    client.force_login(me)
    url = reverse("selection:declare_conflict", kwargs={"pk": theirs.pk})
    assert client.get(url).status_code == 404
    response = client.post(url, {"reason": "Trying it on"})
    assert response.status_code == 404
    assert list(Assignment.objects.values_list("reviewer_id", flat=True)) == [other.pk]
    assert Conflict.objects.count() == 0


@pytest.mark.parametrize("size", [1, 15])
def test_programme_round_list_query_count_is_flat(client, django_assert_num_queries, size):
    for _ in range(size):
        round = closed_round()
        bulk_submitted_applications(round, 2)
    client.force_login(programme_user())
    with django_assert_num_queries(9):
        response = client.get(reverse("selection:round_list"))
    assert text_of(response).count("/programme/selection/rounds/") == size


def test_programme_round_list_counts_each_rounds_reviewed_applications_and_assignments_apart(client):
    busy, quiet = review_round(name="Busy round"), review_round(name="Quiet round")
    first, second = reviewer_with_profile(mfa=False), reviewer_with_profile(mfa=False)
    for application in [submitted_application(busy) for _ in range(3)]:
        assign(application, first)
        assign(application, second)
    withdrawn = submitted_application(busy)
    withdrawn.status = "withdrawn"
    withdrawn.save(update_fields=["status"])
    assign(submitted_application(quiet), first)

    client.force_login(programme_user())
    page = text_of(client.get(reverse("selection:round_list")))

    rows = dict(re.findall(r'>([^<]+ round)</a></td>\s*<td>[^<]*</td>\s*<td class="text-end">(\d+)</td>', page))
    counts = re.findall(r'<td class="text-end">(\d+)</td>\s*<td class="text-end">(\d+)</td>', page)
    assert rows == {"Busy round": "3", "Quiet round": "1"}
    assert sorted(counts) == [("1", "1"), ("3", "6")]


@pytest.mark.parametrize("size", [1, 40])
def test_queue_of_declared_conflicts_query_count_is_flat(client, django_assert_num_queries, size):
    round = review_round()
    me = reviewer_with_profile()
    for application in bulk_submitted_applications(round, size):
        Conflict.objects.create(round=round, application=application, reviewer=me, kind="declared", reason="Knows them")
    client.force_login(me)
    with django_assert_num_queries(11):
        response = client.get(reverse("selection:reviewer_home"), {"state": "conflict"})
    assert text_of(response).count("Knows them") == min(size, 25)


def test_programme_dashboard_links_to_the_administration_site_only_for_those_who_may_use_it(client):
    team = with_totp(programme_team(email="team@example.org"))
    client.force_login(team)
    page = client.get(reverse("selection:programme_home")).content.decode()
    assert 'href="/admin/"' not in page
    assert "done by an administrator of the service" in page

    team.is_staff = team.is_superuser = True
    team.save(update_fields=["is_staff", "is_superuser"])
    page = client.get(reverse("selection:programme_home")).content.decode()
    assert 'href="/admin/"' in page
