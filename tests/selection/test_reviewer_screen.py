"""The reviewer's working screen (#14): the round's confidentiality and conflicts
agreement before the first application opens, abstaining (which leaves the
queue as a declared conflict does), Submit and next, and the queue opening on
what is still to do, oldest deadline first, with progress."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from applications.choices import RoundStatus
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from selection import reviewer_agreement
from selection.choices import ConflictKind, Recommendation
from selection.models import Assignment, Conflict, Review, ReviewerAgreement, ReviewerProfile
from selection.selectors.privacy import data_subject_for, personal_data_of
from selection.selectors.reviewer import next_unscored_for
from selection.services.agreements import reviewer_agreement_accept
from selection.services.assignments import assignment_abstain, conflict_declare
from selection.services.reviews import review_save
from selection.services.settings import selection_settings_for
from tests.factories import programme_team, with_totp
from tests.factories.selection import (
    agreement_accepted,
    assign,
    bulk_submitted_applications,
    review_round,
    reviewer_with_profile,
    submitted_application,
)

pytestmark = pytest.mark.django_db

FULL = {"score_a": "3", "score_b": "4", "score_c": "2", "recommendation": "accept"}


def text_of(response) -> str:
    return response.content.decode()


def audit_actions(target):
    return list(
        AuditEntry.objects.filter(target_type__model=target._meta.model_name, target_id=str(target.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def submit(assignment, scores=(3, 4, 2)):
    return review_save(
        assignment=assignment,
        by=assignment.reviewer,
        scores=dict(zip("abc", scores, strict=True)),
        comments={},
        recommendation=Recommendation.ACCEPT,
        note_to_panel="",
        submit=True,
    )


def draft(assignment):
    return review_save(
        assignment=assignment, by=assignment.reviewer, scores={"a": 2}, comments={}, recommendation="", note_to_panel=""
    )


def due_in(round, days):
    settings = selection_settings_for(round=round)
    settings.review_due_on = timezone.localdate() + timedelta(days=days)
    settings.save(update_fields=["review_due_on"])
    return round


# --- Abstaining ------------------------------------------------------------------------


def test_abstain_records_the_reason_audits_and_reassigns_like_a_conflict():
    round = review_round()
    application = submitted_application(round)
    abstaining, other, spare = (reviewer_with_profile(mfa=False) for _ in range(3))
    assignment = assign(application, abstaining)
    assign(application, other)
    draft(assignment)

    assignment_abstain(assignment=assignment, reason="  Outside my experience: social care.  ", by=abstaining)

    reviewers = sorted(Assignment.objects.filter(application=application).values_list("reviewer_id", flat=True))
    assert reviewers == sorted([other.pk, spare.pk])
    abstention = Conflict.objects.get(reviewer=abstaining)
    assert (abstention.kind, abstention.reason) == (ConflictKind.ABSTAINED, "Outside my experience: social care.")
    assert not Review.objects.filter(assignment__reviewer=abstaining).exists()
    assert audit_actions(application) == ["selection.abstain", "selection.assign_auto"]
    entry = AuditEntry.objects.get(action="selection.abstain")
    assert entry.changes == {"reviewer": abstaining.pk, "reason": "Outside my experience: social care."}
    # Never given the application again, by the automatic assignment either.
    assert next_unscored_for(reviewer=abstaining) is None


def test_abstain_needs_a_reason_and_an_unsubmitted_review():
    round = review_round()
    me = reviewer_with_profile(mfa=False)
    assignment = assign(submitted_application(round), me)

    with pytest.raises(PortalError, match="Tell us why you are abstaining"):
        assignment_abstain(assignment=assignment, reason=" \n ", by=me)
    submit(assignment)
    with pytest.raises(PortalError, match="reopen it first"):
        assignment_abstain(assignment=assignment, reason="Outside my experience", by=me)

    assert Assignment.objects.filter(pk=assignment.pk).exists()
    assert not Conflict.objects.exists()


def test_abstain_is_refused_to_anyone_but_the_assigned_reviewer_and_outside_review():
    round = review_round()
    me, other = reviewer_with_profile(mfa=False), reviewer_with_profile(mfa=False)
    assignment = assign(submitted_application(round), me)

    with pytest.raises(PortalError, match="Only the assigned reviewer"):
        assignment_abstain(assignment=assignment, reason="Not mine", by=other)
    round.status = RoundStatus.DECIDED
    round.save(update_fields=["status"])
    with pytest.raises(PortalError, match="while the round is in review"):
        assignment_abstain(assignment=assignment, reason="Too late", by=me)
    assert Assignment.objects.filter(pk=assignment.pk).exists()


# --- The agreement -----------------------------------------------------------------------


def test_agreement_records_who_when_which_round_and_wording_once_and_audits_it():
    round = review_round()
    me = reviewer_with_profile(mfa=False)
    assign(submitted_application(round), me)

    first = reviewer_agreement_accept(round=round, by=me)
    again = reviewer_agreement_accept(round=round, by=me)

    assert again.pk == first.pk
    row = ReviewerAgreement.objects.get()
    assert (row.reviewer, row.round, row.wording_version) == (me, round, reviewer_agreement.VERSION)
    assert timezone.now() - row.accepted_at < timedelta(minutes=1)
    assert audit_actions(round) == ["selection.agreement_accept"]
    assert AuditEntry.objects.get(action="selection.agreement_accept").changes == {
        "reviewer": me.pk,
        "version": reviewer_agreement.VERSION,
    }


def test_agreement_is_refused_without_an_assignment_in_the_round():
    mine, other_round = review_round(), review_round()
    me = reviewer_with_profile(mfa=False)
    assign(submitted_application(mine), me)

    with pytest.raises(PortalError, match="no applications to review in this round"):
        reviewer_agreement_accept(round=other_round, by=me)
    assert not ReviewerAgreement.objects.exists()


def test_agreement_is_in_the_reviewers_own_data():
    round = review_round(name="Pilot")
    me = reviewer_with_profile(mfa=False)
    assign(submitted_application(round), me)
    reviewer_agreement_accept(round=round, by=me)

    held = personal_data_of(subject=data_subject_for(user=me))

    [agreement] = held["reviewing"]["confidentiality_agreements"]
    assert (agreement["round"], agreement["wording_version"]) == ("Pilot", reviewer_agreement.VERSION)


# --- What comes next ----------------------------------------------------------------------


def test_next_unscored_is_oldest_deadline_first_not_started_before_drafts():
    later, sooner = due_in(review_round(), 20), due_in(review_round(), 3)
    me = reviewer_with_profile(mfa=False)
    later_todo = assign(submitted_application(later), me)
    sooner_draft, sooner_todo, sooner_done = (assign(submitted_application(sooner), me) for _ in range(3))
    draft(sooner_draft)
    submit(sooner_done)
    decided = review_round()
    assign(submitted_application(decided), me)
    decided.status = RoundStatus.DECIDED
    decided.save(update_fields=["status"])

    assert next_unscored_for(reviewer=me) == sooner_todo
    assert next_unscored_for(reviewer=me, after=sooner_todo) == later_todo
    # Leaving a draft: the next not started, never the draft just left.
    assert next_unscored_for(reviewer=me, after=sooner_draft) == sooner_todo
    submit(sooner_todo)
    submit(later_todo)
    assert next_unscored_for(reviewer=me) == sooner_draft
    # Leaving an application with only drafts left: none (they are listed instead).
    assert next_unscored_for(reviewer=me, after=sooner_draft) is None
    assert next_unscored_for(reviewer=me, after=sooner_done) is None


def test_next_unscored_leaves_out_what_the_reviewer_may_not_open():
    round = review_round()
    me = reviewer_with_profile(mfa=False)
    conflicted = assign(submitted_application(round), me)
    # Their organisation became the applicant's after they were assigned.
    ReviewerProfile.objects.filter(user=me).update(organisation=conflicted.application.organisation)
    theirs = assign(submitted_application(round), reviewer_with_profile(mfa=False))

    assert next_unscored_for(reviewer=me) is None
    assert next_unscored_for(reviewer=theirs.reviewer) == theirs


# --- Views: the agreement gate --------------------------------------------------------------


def test_opening_an_application_goes_to_the_agreement_until_it_is_accepted(client):
    round = review_round(name="Pilot")
    me = reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    review_url = reverse("selection:review", kwargs={"pk": assignment.pk})
    agreement_url = reverse("selection:reviewer_agreement", kwargs={"pk": assignment.pk})
    client.force_login(me)

    opened = client.get(review_url)
    posted = client.post(review_url, {**FULL, "submit": "next"})
    page = text_of(client.get(agreement_url))
    refused = client.post(agreement_url, {})

    assert opened["Location"] == agreement_url
    assert posted["Location"] == agreement_url
    assert not Review.objects.exists()
    assert "improvement improvement" not in page  # no answers before accepting
    assert "I will keep what I read in applications confidential" in page
    assert "Tick the box to accept the agreement" in text_of(refused)
    assert not ReviewerAgreement.objects.exists()

    accepted = client.post(agreement_url, {"accept": "on"})

    assert accepted["Location"] == review_url
    assert "improvement improvement" in text_of(client.get(review_url))
    assert ReviewerAgreement.objects.get().reviewer == me
    assert "You have accepted this agreement for Pilot." in text_of(client.get(agreement_url))


def test_the_agreement_is_once_per_round(client):
    first, second = review_round(), review_round()
    me = reviewer_with_profile()
    in_first = [assign(submitted_application(first), me) for _ in range(2)]
    in_second = assign(submitted_application(second), me)
    agreement_accepted(me, first)
    client.force_login(me)

    assert all(client.get(reverse("selection:review", args=[a.pk])).status_code == 200 for a in in_first)
    assert client.get(reverse("selection:review", args=[in_second.pk]))["Location"] == reverse(
        "selection:reviewer_agreement", args=[in_second.pk]
    )


@pytest.mark.parametrize("accept", ["", "\x00", "x" * 10_000, "<script>alert('q')</script>"])
def test_agreement_with_bad_input_records_nothing(client, accept):
    round = review_round()
    me = reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    client.force_login(me)
    url = reverse("selection:reviewer_agreement", kwargs={"pk": assignment.pk})

    response = client.post(url, {"accept": accept} if accept else {})

    assert response.status_code in (200, 302)
    assert "<script>alert" not in text_of(response)
    # A browser sends "on" for a ticked box; any other value counts as ticked too,
    # but never with an error page.
    assert ReviewerAgreement.objects.count() == (1 if response.status_code == 302 else 0)


def test_agreement_and_abstain_of_someone_elses_assignment_are_not_found(client):
    round = review_round()
    me, other = reviewer_with_profile(), reviewer_with_profile()
    theirs = assign(submitted_application(round), other)
    assign(submitted_application(round), me)
    client.force_login(me)

    for name, data in [("selection:reviewer_agreement", {"accept": "on"}), ("selection:abstain", {"reason": "No"})]:
        url = reverse(name, kwargs={"pk": theirs.pk})
        assert client.get(url).status_code == 404
        response = client.post(url, data)
        assert response.status_code == 404
        assert theirs.application.reference not in text_of(response)
    assert not ReviewerAgreement.objects.exists()
    assert not Conflict.objects.exists()
    assert Assignment.objects.filter(pk=theirs.pk).exists()


# --- Views: abstaining ----------------------------------------------------------------------


def test_abstain_page_takes_the_application_out_of_the_queue(client):
    round = review_round()
    me, _spare = reviewer_with_profile(), reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    agreement_accepted(me, round)
    client.force_login(me)
    url = reverse("selection:abstain", kwargs={"pk": assignment.pk})

    empty = client.post(url, {"reason": "   "})
    assert "Tell us why you are abstaining." in text_of(empty)
    assert "<title>Error:" in text_of(empty)
    assert Assignment.objects.filter(pk=assignment.pk).exists()

    response = client.post(url, {"reason": "Outside my experience"}, follow=True)

    assert f"You have abstained from {assignment.application.reference}." in text_of(response)
    assert client.get(reverse("selection:review", kwargs={"pk": assignment.pk})).status_code == 404
    assert assignment.application.reference not in text_of(client.get(reverse("selection:reviewer_home")))
    abstained = text_of(client.get(reverse("selection:reviewer_home"), {"state": "abstained"}))
    assert "Outside my experience" in abstained
    assert assignment.application.reference in abstained


def test_abstentions_are_not_listed_as_declared_conflicts(client):
    round = review_round()
    me, _spare = reviewer_with_profile(), reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    assignment_abstain(assignment=assignment, reason="Outside my experience", by=me)
    client.force_login(me)

    conflicts = text_of(client.get(reverse("selection:reviewer_home"), {"state": "conflict"}))

    assert "Outside my experience" not in conflicts
    assert "You have not declared a conflict of interest." in conflicts


# --- Views: Submit and next -------------------------------------------------------------------


def test_submit_and_next_opens_the_next_unscored_then_says_all_done(client):
    round = due_in(review_round(), 5)
    me = reviewer_with_profile()
    first, second = (assign(submitted_application(round), me) for _ in range(2))
    agreement_accepted(me, round)
    client.force_login(me)

    to_second = client.post(reverse("selection:review", args=[first.pk]), {**FULL, "submit": "next"})
    assert to_second["Location"] == reverse("selection:review", args=[second.pk])
    done = client.post(reverse("selection:review", args=[second.pk]), {**FULL, "submit": "next"}, follow=True)

    page = text_of(done)
    assert f"Your review of {second.application.reference} is submitted." in page
    assert "All done" in page
    assert "2 of 2 done" in page
    assert list(Review.objects.values_list("status", flat=True)) == ["submitted", "submitted"]


def test_save_draft_and_next_moves_on_and_lists_drafts_when_nothing_is_left_to_start(client):
    round = review_round()
    me = reviewer_with_profile()
    first, second = (assign(submitted_application(round), me) for _ in range(2))
    agreement_accepted(me, round)
    client.force_login(me)

    moved = client.post(reverse("selection:review", args=[first.pk]), {"score_a": "2", "save": "next"})
    assert moved["Location"] == reverse("selection:review", args=[second.pk])
    end = client.post(reverse("selection:review", args=[second.pk]), {"score_b": "1", "save": "next"}, follow=True)

    page = text_of(end)
    assert "No application left to start" in page
    assert first.application.reference in page
    assert second.application.reference in page
    assert list(Review.objects.values_list("status", flat=True)) == ["draft", "draft"]
    # Save draft stays on the page.
    stay = client.post(reverse("selection:review", args=[first.pk]), {"score_a": "3", "save": "stay"})
    assert stay["Location"] == reverse("selection:review", args=[first.pk])


def test_submit_and_next_with_a_gap_stays_with_the_error_and_keeps_what_was_chosen(client):
    round = review_round()
    me = reviewer_with_profile()
    first, _second = (assign(submitted_application(round), me) for _ in range(2))
    agreement_accepted(me, round)
    client.force_login(me)

    response = client.post(reverse("selection:review", args=[first.pk]), {"score_a": "4", "submit": "next"})

    page = text_of(response)
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert "Score criterion (b) before submitting." in page
    assert re.search(r'value="4"\s+id="id_score_a_3" checked', page)


@pytest.mark.parametrize("after", ["abc", "-1", "0", "99999999999999999999999", "\x00", "1e309", ""])
def test_next_with_bad_input_answers_without_a_crash(client, after):
    round = review_round()
    me = reviewer_with_profile()
    todo = assign(submitted_application(round), me)
    client.force_login(me)

    response = client.get(reverse("selection:review_next"), {"after": after})

    assert response["Location"] == reverse("selection:review", args=[todo.pk])


def test_next_after_someone_elses_assignment_ignores_it(client):
    round = review_round()
    me, other = reviewer_with_profile(), reviewer_with_profile()
    mine = assign(submitted_application(round), me)
    theirs = assign(submitted_application(round), other)
    client.force_login(me)

    response = client.get(reverse("selection:review_next"), {"after": theirs.pk})

    assert response["Location"] == reverse("selection:review", args=[mine.pk])


def test_next_is_refused_to_an_applicant(client):
    application = submitted_application(review_round())
    client.force_login(application.applicant)
    assert client.get(reverse("selection:review_next")).status_code == 403


# --- The form's labels --------------------------------------------------------------------------


def test_review_form_labels_tell_the_truth(client):
    round = review_round()
    me = reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    agreement_accepted(me, round)
    client.force_login(me)

    page = text_of(client.get(reverse("selection:review", args=[assignment.pk])))
    legends = re.findall(r"<legend[^>]*>(.*?)</legend>", page, re.S)
    labels = re.findall(r'<label class="form-label"[^>]*>(.*?)</label>', page, re.S)

    assert "(optional) (optional)" not in page
    assert [legend.strip() for legend in legends if "optional" in legend] == []  # scores and recommendation
    assert [" ".join(label.split()) for label in labels] == [
        "Comment on criterion (a) (optional)",
        "Comment on criterion (b) (optional)",
        "Comment on criterion (c) (optional)",
        "Note to the selection panel (optional)",
    ]
    assert "Score every criterion and choose a recommendation to submit." in page


# --- The queue ------------------------------------------------------------------------------------


def test_queue_opens_on_to_do_oldest_deadline_first_with_progress(client):
    later = due_in(review_round(name="Open round"), 30)
    sooner = due_in(review_round(name="Pilot"), 3)
    me = reviewer_with_profile()
    later_todo = assign(submitted_application(later), me)
    sooner_todo, sooner_done = (assign(submitted_application(sooner), me) for _ in range(2))
    submit(sooner_done)
    client.force_login(me)

    page = text_of(client.get(reverse("selection:reviewer_home")))
    everything = text_of(client.get(reverse("selection:reviewer_home"), {"state": ""}))

    weekday = date_format(timezone.localdate() + timedelta(days=3), "l")
    later_date = date_format(timezone.localdate() + timedelta(days=30), "j F")
    assert f"1 of 2 done, due {weekday}" in page
    assert f"0 of 1 done, due {later_date}" in page
    assert page.index("Pilot:") < page.index("Open round:")
    assert page.index(sooner_todo.application.reference) < page.index(later_todo.application.reference)
    assert sooner_done.application.reference not in page
    assert sooner_done.application.reference in everything
    assert 'value="to_do" selected' in page
    assert reverse("selection:review_next") in page


def test_queue_says_all_done_when_every_review_is_submitted(client):
    round = review_round()
    me = reviewer_with_profile()
    submit(assign(submitted_application(round), me))
    client.force_login(me)

    page = text_of(client.get(reverse("selection:reviewer_home")))

    assert "All done: you have submitted a review of every application assigned to you" in page
    assert "Nothing left to start." in page


def queue_of(me, round, size):
    applications = bulk_submitted_applications(round, size)
    Assignment.objects.bulk_create(Assignment(round=round, application=a, reviewer=me) for a in applications)
    assignments = list(Assignment.objects.filter(reviewer=me).order_by("pk"))
    for assignment in assignments[:2]:
        draft(assignment)
    submit(assignments[2])


@pytest.mark.parametrize("size", [5, 300])
def test_queue_query_count_is_the_same_at_any_size(client, django_assert_num_queries, size):
    round = due_in(review_round(), 4)
    me = reviewer_with_profile()
    queue_of(me, round, size)
    client.force_login(me)

    with django_assert_num_queries(11):
        response = client.get(reverse("selection:reviewer_home"))

    assert f"1 of {size} done" in text_of(response)


@pytest.mark.parametrize("size", [5, 300])
def test_all_done_page_query_count_is_the_same_at_any_size(client, django_assert_num_queries, size):
    round = review_round()
    me = reviewer_with_profile()
    queue_of(me, round, size)
    Assignment.objects.filter(reviewer=me, review__isnull=True).delete()
    last_draft = Assignment.objects.filter(reviewer=me, review__status="draft").order_by("pk").last()
    client.force_login(me)

    with django_assert_num_queries(11):
        response = client.get(reverse("selection:review_next"), {"after": last_draft.pk})

    assert "No application left to start" in text_of(response)


def test_the_programme_team_reads_abstentions_on_the_application(client):
    round = review_round()
    me, _spare = reviewer_with_profile(display_name="Abi Abstainer"), reviewer_with_profile()
    assignment = assign(submitted_application(round), me)
    assignment_abstain(assignment=assignment, reason="Outside my experience", by=me)
    client.force_login(with_totp(programme_team()))
    page = text_of(client.get(reverse("selection:application", args=[assignment.application.pk])))

    assert "Outside my experience" in page
    assert "abstained" in page.lower()


def test_the_round_page_counts_abstentions_apart_from_conflicts(client):
    round = review_round()
    abstaining, declaring, _spare, _another = (reviewer_with_profile() for _ in range(4))
    assignment_abstain(
        assignment=assign(submitted_application(round), abstaining), reason="Outside my experience", by=abstaining
    )
    conflict_declare(assignment=assign(submitted_application(round), declaring), reason="My sister", by=declaring)
    client.force_login(with_totp(programme_team()))

    page = " ".join(text_of(client.get(reverse("selection:round", args=[round.pk]))).split())

    assert "<dt>Conflicts of interest declared</dt><dd>1</dd>" in page
    assert "<dt>Reviewers who abstained</dt><dd>1</dd>" in page
