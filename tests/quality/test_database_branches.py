"""Every place the code asks which database it runs on (`connection.vendor`), tested
on both: PostgreSQL in `make test`, SQLite (the `make run` demo) in `make smoke`.
Each test asserts what the branch is for, so whichever branch runs must give the
same outcome.

The branches, and the test that covers each:
- q_portal/outbox/services.py `_record_sent` (SET LOCAL synchronous_commit)
- members/services/membership.py `profile_search_refresh` and members/selectors.py
  `directory_search` (full-text search vs a plain match)
- members/migrations/0004_search_index.py and selection/migrations/0004_board.py
  (indexes PostgreSQL can build and SQLite cannot)
- applications/services/rounds.py `_lock_round_schedule` (advisory lock vs row locks)
- selection/services/release.py `_store_released_feedback` (one UPDATE from arrays)
- selection/services/assignments.py `_bulk_insert_conflicts`, `_bulk_audit`,
  `_bulk_assign` (one INSERT from arrays vs bulk_create, chosen by
  `_inserts_from_arrays()`; tests/selection/test_services.py also runs the
  bulk_create way on PostgreSQL and compares the rows)
- selection/services/scores.py `scores_refresh` and `scores_normalise` (one
  statement vs Python)
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from applications.choices import Phase, RoundStatus
from applications.services.rounds import round_transition
from members.models import MemberProfile
from members.selectors import directory_search, offers
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from q_portal.outbox.services import email_queue, outbox_send
from selection.choices import Recommendation
from selection.models import ApplicationScore, Assignment, Conflict
from selection.selectors.insight import InsightFilters, criteria_of, reviewer_calibration, score_distributions
from selection.services.assignments import assignments_auto
from selection.services.release import decisions_release
from selection.services.scores import scores_normalise
from tests.factories import OrganisationFactory, programme_team
from tests.factories.applications import RoundFactory
from tests.factories.decisions import decided_round, feedback, team_member
from tests.factories.members import InterestFactory, MemberFactory
from tests.factories.scores import review, reviewers
from tests.factories.selection import closed_round, review_round, reviewer_with_profile, submitted_application

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]


@pytest.mark.django_db(transaction=True)  # outside any transaction, as a worker sends
def test_sent_email_is_recorded_sent_in_a_commit_of_its_own():
    with transaction.atomic():
        email = email_queue(to="one@example.org", subject="One", body_text="First.", key="branch-one")
    outbox_send(ids=[email.pk])

    email.refresh_from_db()
    assert (email.status, email.sent_at is not None) == ("sent", True)


def test_directory_finds_a_member_by_part_of_a_name_and_by_interest():
    safety = InterestFactory(name="Medication safety")
    siobhan = MemberFactory(full_name="Siobhan Kelly", job_title="Pharmacist", interests=[safety])
    MemberFactory(full_name="Tom Brown", job_title="Porter")

    assert list(directory_search(query="Siob")) == [siobhan]
    assert list(directory_search(query="medication")) == [siobhan]
    assert list(directory_search(query="nobody-matches-this")) == []


def test_indexes_exist_where_the_database_can_build_them():
    with connection.cursor() as cursor:
        indexes = set(connection.introspection.get_constraints(cursor, "members_memberprofile")) | set(
            connection.introspection.get_constraints(cursor, "selection_applicationscore")
        )
        moderators = set(connection.introspection.get_constraints(cursor, "selection_assignment"))

    wanted = {
        "member_search_gin",
        "member_skills_trgm",
        "member_methods_trgm",
        "score_board_normalised",
        "score_moderation_spread",
    }
    # PostgreSQL has them; SQLite (no tsvector, no trigrams, no NULLS LAST in an index) sorts without.
    assert wanted & indexes == (wanted if connection.vendor == "postgresql" else set())
    # A partial index: both have it.
    assert "assignment_moderator" in moderators


def test_directory_expertise_matches_part_of_a_word_and_can_use_its_trigram_indexes():
    coach = MemberFactory(full_name="Ada Coach", skills="Coaching teams")
    charts = MemberFactory(full_name="Ben Charts", methods="Statistical process control (SPC) charts")
    MemberFactory(full_name="Cy Other", skills="Facilitation", methods="PDSA")

    assert list(directory_search(expertise="COACH")) == [coach]
    assert list(directory_search(expertise="process")) == [charts]
    if connection.vendor == "postgresql":
        # What a large directory gets: the word looked up in both indexes, no
        # profile read that cannot match. (With a handful of rows the planner
        # would rightly read them all: only index lookups are allowed here.)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        plan = MemberProfile.objects.filter(offers("coach")).explain()
        assert "member_skills_trgm" in plan and "member_methods_trgm" in plan


def test_opening_a_round_that_overlaps_an_open_one_of_the_same_phase_is_refused():
    now = timezone.now()
    RoundFactory(name="Pilot one", phase=Phase.PILOT, opens_at=now - timedelta(days=7), closes_at=now + timedelta(14))
    second = RoundFactory(
        name="Pilot two",
        phase=Phase.PILOT,
        status=RoundStatus.DRAFT,
        opens_at=now + timedelta(days=10),
        closes_at=now + timedelta(days=40),
    )

    with pytest.raises(PortalError):
        round_transition(round=second, to=RoundStatus.OPEN, by=programme_team())

    second.refresh_from_db()
    assert second.status == RoundStatus.DRAFT


def test_release_stores_each_applications_approved_feedback():
    round, [first, second] = decided_round(unsuccessful=2)
    team = team_member()
    feedback(first, "a", "A compelling example.", approved=True, by=team)
    feedback(second, "c", "Reflect on your methods.", approved=True, by=team)
    feedback(second, "b", "DRAFT: not approved.", by=team)

    decisions_release(round=round, by=team)

    first.refresh_from_db()
    second.refresh_from_db()
    assert [item["text"] for item in first.released_feedback] == ["A compelling example."]
    assert [item["text"] for item in second.released_feedback] == ["Reflect on your methods."]


def test_automatic_assignment_keeps_a_colleague_off_and_writes_assignments_and_one_audit_row_per_application():
    trust = OrganisationFactory(name="Same Trust")
    colleague = reviewer_with_profile(organisation=trust, mfa=False)
    others = [reviewer_with_profile(mfa=False) for _ in range(2)]
    round = closed_round()
    conflicted = submitted_application(round, organisation=trust)
    plain = submitted_application(round)

    assignments_auto(round=round, by=programme_team())

    # The colleague's conflict is found from the records, not stored.
    assert not Conflict.objects.filter(round=round).exists()
    assigned = set(Assignment.objects.filter(round=round).values_list("application", "reviewer"))
    assert (conflicted.pk, colleague.pk) not in assigned
    assert {(conflicted.pk, reviewer.pk) for reviewer in others} <= assigned
    assert len([pair for pair in assigned if pair[0] == plain.pk]) == 2
    audited = AuditEntry.objects.filter(
        action="selection.assign_auto", target_type__model="application", target_id__in=[conflicted.pk, plain.pk]
    )
    assert sorted(audited.values_list("target_id", flat=True)) == sorted([str(conflicted.pk), str(plain.pk)])


def test_scores_and_normalised_scores_are_the_same_whichever_database_computes_them():
    round = review_round()
    first, second = reviewers(2)
    application = submitted_application(round)
    other = submitted_application(round)
    review(application, first, (3, 4, 2), Recommendation.ACCEPT)  # total 9
    review(application, second, (2, 4, 4), Recommendation.MAYBE)  # total 10; ranges 1, 0, 2
    review(other, first, (1, 1, 1), Recommendation.DO_NOT_ACCEPT)  # total 3: a single score

    scores_normalise(round_id=round.pk)

    score = ApplicationScore.objects.get(application=application)
    single = ApplicationScore.objects.get(application=other)
    assert (score.reviews_done, score.mean_score, score.spread, score.accept_count, score.maybe_count) == (
        2,
        9.5,
        2,
        1,
        1,
    )
    assert (single.reviews_done, single.mean_score, single.spread) == (1, 3.0, None)
    # The first reviewer scored 9 and 3: z-scores +1 and -1; the second only scored once (z 0).
    assert score.normalised_score == pytest.approx(0.5)
    assert single.normalised_score == pytest.approx(-1.0)


def test_insight_with_one_score_in_a_group_gives_no_spread_rather_than_an_error():
    # Not a vendor branch, but where the two databases differed: a sample standard
    # deviation of one value is NULL on PostgreSQL and raised on SQLite.
    round = review_round()
    [only] = reviewers(1)
    review(submitted_application(round), only, (2, 3, 4), Recommendation.MAYBE)
    criteria = criteria_of(round=round)

    calibration = reviewer_calibration(round=round, criteria=criteria)
    distributions = score_distributions(round=round, criteria=criteria, filters=InsightFilters())

    [reviewer_row] = calibration.reviewers
    assert [(stats.mean, stats.sd, stats.count) for stats in reviewer_row.stats.values()] == [
        (2.0, None, 1),
        (3.0, None, 1),
        (4.0, None, 1),
    ]
    assert [(row.rest_mean, row.rest_sd, row.accepted_sd) for row in distributions] == [
        (2.0, None, None),
        (3.0, None, None),
        (4.0, None, None),
    ]
