"""Selection services against the database: automatic assignment, conflicts,
manual changes, scoring, reopening, and their audit rows."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from applications.choices import ApplicationStatus, RoundStatus
from applications.models import Application, Round
from applications.services.applications import ALLOWED_TRANSITIONS as APPLICATION_TRANSITIONS
from members.models import User
from q_portal.audit.models import AuditEntry
from q_portal.exceptions import PortalError
from selection.choices import ConflictKind, Recommendation, ReviewStatus
from selection.models import ApplicationScore, Assignment, Conflict, Review, ReviewerProfile, SelectionSettings
from selection.selectors.programme import application_for_selection, conflicts_of
from selection.services import assignments as assignment_services
from selection.services.assignments import (
    assignment_abstain,
    assignment_add,
    assignment_reassign,
    assignment_remove,
    assignments_auto,
    conflict_declare,
    round_mixing,
)
from selection.services.reviews import review_reopen, review_save
from selection.services.scores import scores_refresh_round
from selection.services.settings import reviewer_capacity_set, selection_settings_for, selection_settings_update
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, programme_team
from tests.factories.applications import ApplicationFactory
from tests.factories.selection import (
    assign,
    closed_round,
    review_round,
    reviewer_with_profile,
    submitted_application,
)

pytestmark = pytest.mark.django_db

FULL = {"a": 3, "b": 4, "c": 2}


def pairs(round):
    return sorted(Assignment.objects.filter(round=round).values_list("application_id", "reviewer_id"))


def shown_conflicts(application):
    """The application's conflicts of interest as its page shows them: (reviewer id, kind)."""
    application = application_for_selection().get(pk=application.pk)
    return [(conflict.reviewer_id, conflict.kind) for conflict in conflicts_of(application=application)]


def audit_actions(application):
    return list(
        AuditEntry.objects.filter(target_type__model="application", target_id=str(application.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_assignments_auto_gives_each_application_two_reviewers_and_starts_review():
    round = closed_round()
    applications = [submitted_application(round) for _ in range(5)]
    reviewers = [reviewer_with_profile(mfa=False) for _ in range(3)]
    team = programme_team()

    result = assignments_auto(round=round, by=team)

    round.refresh_from_db()
    assert round.status == RoundStatus.IN_REVIEW
    assert result.created == 10
    assert result.unassignable == []
    per_application = {a.pk: Assignment.objects.filter(application=a).count() for a in applications}
    assert per_application == {a.pk: 2 for a in applications}
    loads = sorted(Assignment.objects.filter(reviewer=r).count() for r in reviewers)
    assert loads == [3, 3, 4]
    assert audit_actions(applications[0]) == ["selection.assign_auto"]
    entry = AuditEntry.objects.get(target_type__model="application", target_id=str(applications[0].pk))
    assert entry.summary.startswith("Automatic assignment: Submitted → Under review; assigned ")
    assert (entry.actor, entry.changes["status"]) == (team, ["submitted", "under_review"])
    assert set(Application.objects.filter(round=round).values_list("status", flat=True)) == {"under_review"}


def test_assignments_auto_run_twice_adds_nothing_the_second_time():
    round = closed_round()
    for _ in range(4):
        submitted_application(round)
    for _ in range(3):
        reviewer_with_profile(mfa=False)
    team = programme_team()
    assignments_auto(round=round, by=team)
    before = pairs(round)
    audited = AuditEntry.objects.count()

    again = assignments_auto(round=round, by=team)

    assert again.created == 0
    assert pairs(round) == before
    assert AuditEntry.objects.count() == audited


def test_assignments_auto_never_assigns_a_reviewer_from_the_applicants_organisation():
    round = closed_round()
    trust = OrganisationFactory(name="Sheffield Teaching Hospitals")
    application = submitted_application(round, organisation=trust)
    same = reviewer_with_profile(organisation=trust, mfa=False)
    others = [reviewer_with_profile(mfa=False) for _ in range(2)]

    assignments_auto(round=round, by=programme_team())

    assert sorted(Assignment.objects.filter(application=application).values_list("reviewer_id", flat=True)) == sorted(
        r.pk for r in others
    )
    assert shown_conflicts(application) == [(same.pk, ConflictKind.SAME_ORGANISATION)]


def test_assignments_auto_does_not_infer_a_conflict_from_a_shared_email_domain():
    round = closed_round()
    application = submitted_application(round)
    application.applicant.email = "jo.bloggs@nhs.net"
    application.applicant.save()
    reviewer = reviewer_with_profile(email="sam.smith@nhs.net", mfa=False)

    assignments_auto(round=round, by=programme_team())

    assert list(Assignment.objects.filter(application=application).values_list("reviewer_id", flat=True)) == [
        reviewer.pk
    ]
    assert Conflict.objects.count() == 0


def test_assignments_auto_explains_an_application_it_cannot_fill():
    round = closed_round()
    trust = OrganisationFactory()
    application = submitted_application(round, organisation=trust)
    reviewer_with_profile(organisation=trust, mfa=False)
    reviewer_with_profile(mfa=False)

    result = assignments_auto(round=round, by=programme_team())

    assert result.unassignable == [
        {
            "application": application.pk,
            "reference": application.reference,
            "missing": 1,
            "reason": "Only 1 reviewer with capacity in this round has no conflict of interest with it.",
        }
    ]
    report = selection_settings_for(round=round).assignment_report
    assert (report["unassignable"], report["unassignable_total"]) == (result.unassignable, 1)


def test_assignments_auto_respects_capacity_per_round():
    round = closed_round()
    for _ in range(4):
        submitted_application(round)
    small, large = reviewer_with_profile(mfa=False), reviewer_with_profile(mfa=False)
    team = programme_team()
    selection_settings_update(round=round, by=team, reviewers_per_application=1)
    reviewer_capacity_set(round=round, reviewer=small, capacity=1, by=team)

    result = assignments_auto(round=round, by=team)

    assert result.created == 4
    assert Assignment.objects.filter(reviewer=small).count() == 1
    assert Assignment.objects.filter(reviewer=large).count() == 3


def test_assignments_auto_refused_for_an_open_round():
    round = review_round()
    round.status = RoundStatus.OPEN
    round.save()
    with pytest.raises(PortalError, match="once the round has closed"):
        assignments_auto(round=round, by=programme_team())
    assert Assignment.objects.count() == 0


def statements(captured) -> list[str]:
    """The statements run, savepoints left out: `make mutation` nests each service
    in one more, and they carry no rows."""
    return [
        query["sql"] for query in captured.captured_queries if not query["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]


def test_assignments_auto_query_count_does_not_grow_with_applications():
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from applications.models import Round

    def run(size):
        round = closed_round()
        for _ in range(size):
            submitted_application(round)
        team = programme_team()
        # Content types are cached for the life of a process: counted warm, as a
        # running server has them (a cold cache adds one query each, once).
        ContentType.objects.get_for_models(Application, Round)
        with CaptureQueriesContext(connection) as captured:
            assignments_auto(round=round, by=team)
        # Run again with nothing missing: it reads what it must and writes nothing.
        with CaptureQueriesContext(connection) as again:
            assignments_auto(round=round, by=team)
        return Assignment.objects.filter(round=round).count(), len(statements(captured)), len(statements(again))

    for _ in range(3):
        reviewer_with_profile(mfa=False)
    assert run(2) == (4, 24, 15)
    assert run(12) == (24, 24, 15)


def test_conflict_declare_removes_access_and_reassigns_at_once():
    round = review_round()
    application = submitted_application(round)
    declaring, other, spare = (reviewer_with_profile(mfa=False) for _ in range(3))
    assignment = assign(application, declaring)
    assign(application, other)

    conflict_declare(assignment=assignment, reason="I manage the applicant.", by=declaring)

    assert sorted(Assignment.objects.filter(application=application).values_list("reviewer_id", flat=True)) == sorted(
        [other.pk, spare.pk]
    )
    conflict = Conflict.objects.get(reviewer=declaring)
    assert (conflict.kind, conflict.reason) == (ConflictKind.DECLARED, "I manage the applicant.")
    assert audit_actions(application) == ["selection.conflict_declare", "selection.assign_auto"]
    assert AuditEntry.objects.get(action="selection.conflict_declare").summary == (
        f"{declaring} declared a conflict of interest: I manage the applicant."
    )


def use_seed(round, seed):
    """Fix the round's recorded tie-break seed, as a re-run after the first would."""
    SelectionSettings.objects.filter(pk=selection_settings_for(round=round).pk).update(assignment_report={"seed": seed})


def test_conflict_declare_reassigns_only_to_a_reviewer_with_room_left_in_the_round():
    """The top-up after a declared conflict plans the one application, but counts
    each reviewer's assignments across the round: reviewers who reached their
    capacity with other applications are passed over, whatever the tie-break."""
    round = review_round()
    team = programme_team()
    selection_settings_update(round=round, by=team, reviewers_per_application=1)
    application = submitted_application(round)
    declaring = reviewer_with_profile(mfa=False)
    assignment = assign(application, declaring)
    full = [reviewer_with_profile(mfa=False) for _ in range(4)]
    for reviewer in full:
        reviewer_capacity_set(round=round, reviewer=reviewer, capacity=1, by=team)
        assign(submitted_application(round), reviewer)
    with_room = reviewer_with_profile(mfa=False)

    for seed in range(5):
        with transaction.atomic():
            use_seed(round, seed)
            conflict_declare(assignment=assignment, reason="I manage the applicant.", by=declaring)
            assert list(Assignment.objects.filter(application=application).values_list("reviewer_id", flat=True)) == [
                with_room.pk
            ]
            assert {reviewer.pk: Assignment.objects.filter(reviewer=reviewer).count() for reviewer in full} == {
                reviewer.pk: 1 for reviewer in full
            }
            transaction.set_rollback(True)


def test_reassigning_one_application_avoids_the_reviewer_who_shares_most_with_the_one_staying():
    """A reassignment tops up one application, but knows what each two reviewers
    share across the round: of the equally loaded reviewers free, the one who
    already reviews two other applications with the reviewer staying on is
    passed over, whatever the tie-break. Moderating is not sharing: the two
    others each have an application the one staying is on as a moderator or
    they moderate, and are still taken; nor is sharing in another round."""
    round = review_round()
    team = programme_team()
    selection_settings_update(round=round, by=team, reviewers_per_application=2)
    staying, leaving, often_with_staying, apart, also_apart = (reviewer_with_profile(mfa=False) for _ in range(5))
    application = submitted_application(round)
    assign(application, staying)
    assignment = assign(application, leaving)
    # Each reviewer who could take the place has two assignments.
    shared_twice = [submitted_application(round) for _ in range(2)]
    for other_application in shared_twice:
        assign(other_application, staying)
        assign(other_application, often_with_staying)
    apart_together, apart_alone = submitted_application(round), submitted_application(round)
    for other_application, reviewer in [(apart_together, apart), (apart_together, also_apart), (apart_alone, apart)]:
        assign(other_application, reviewer)
    for other_application, moderator in [(apart_alone, staying), (shared_twice[0], also_apart)]:
        Assignment.objects.create(round=round, application=other_application, reviewer=moderator, is_moderation=True)
    # Nor is reviewing together in another round.
    for _ in range(3):
        earlier = submitted_application(review_round())
        assign(earlier, staying)
        assign(earlier, apart)

    taken = set()
    for seed in range(12):
        with transaction.atomic():
            use_seed(round, seed)
            assignment_reassign(assignment=Assignment.objects.get(pk=assignment.pk), by=team)
            (new_reviewer,) = Assignment.objects.filter(application=application).exclude(reviewer=staying)
            taken.add(new_reviewer.reviewer_id)
            transaction.set_rollback(True)
    assert taken == {apart.pk, also_apart.pk}


def test_conflict_declare_needs_a_reason():
    round = review_round()
    declaring = reviewer_with_profile(mfa=False)
    assignment = assign(submitted_application(round), declaring)
    with pytest.raises(PortalError, match="Tell us why"):
        conflict_declare(assignment=assignment, reason="  ", by=declaring)
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_assignment_add_refuses_a_conflicted_reviewer():
    round = review_round()
    trust = OrganisationFactory()
    application = submitted_application(round, organisation=trust)
    conflicted = reviewer_with_profile(organisation=trust, mfa=False)
    with pytest.raises(PortalError, match="conflict of interest"):
        assignment_add(application=application, reviewer=conflicted, by=programme_team())
    assert Assignment.objects.count() == 0


def test_assignment_add_remove_and_reassign_are_audited():
    round = review_round()
    application = submitted_application(round)
    first, second = reviewer_with_profile(mfa=False), reviewer_with_profile(mfa=False)
    team = programme_team()

    assignment = assignment_add(application=application, reviewer=first, by=team)
    new = assignment_reassign(assignment=assignment, by=team)
    assert new.reviewer == second
    assignment_remove(assignment=new, by=team)

    assert Assignment.objects.filter(application=application).count() == 0
    assert audit_actions(application) == [
        "selection.assign",
        "selection.unassign",
        "selection.assign_auto",
        "selection.unassign",
    ]


def test_assignment_reassign_refused_when_nobody_is_free_changes_nothing():
    round = review_round()
    application = submitted_application(round)
    only = reviewer_with_profile(mfa=False)
    assignment = assign(application, only)
    assert refusal(assignment_reassign, assignment=assignment, by=programme_team()) == (
        "No other reviewer without a conflict of interest has capacity left.",
        None,
    )
    assert list(Assignment.objects.values_list("reviewer_id", flat=True)) == [only.pk]


def test_review_save_draft_then_submit_records_the_weighted_total():
    round = review_round()
    reviewer = reviewer_with_profile(mfa=False)
    assignment = assign(submitted_application(round), reviewer)
    selection_settings_update(round=round, by=programme_team(), weights={"a": 2})

    review_save(
        assignment=assignment, by=reviewer, scores={"a": 3}, comments={"a": "Good"}, recommendation="", note_to_panel=""
    )
    review = Review.objects.get(assignment=assignment)
    assert (review.status, list(review.scores.values_list("score", flat=True))) == (ReviewStatus.DRAFT, [3, None, None])

    review_save(
        assignment=assignment,
        by=reviewer,
        scores=FULL,
        comments={},
        recommendation=Recommendation.ACCEPT,
        note_to_panel="Strong.",
        submit=True,
    )
    review.refresh_from_db()
    assert (review.status, review.weighted_total, review.note_to_panel) == (ReviewStatus.SUBMITTED, 12.0, "Strong.")
    assert audit_actions(assignment.application) == ["selection.review_submit"]


def test_review_save_submit_refuses_a_missing_score():
    round = review_round()
    reviewer = reviewer_with_profile(mfa=False)
    assignment = assign(submitted_application(round), reviewer)
    with pytest.raises(PortalError, match=r"Score criterion \(c\)"):
        review_save(
            assignment=assignment,
            by=reviewer,
            scores={"a": 1, "b": 2},
            comments={},
            recommendation=Recommendation.MAYBE,
            note_to_panel="",
            submit=True,
        )
    assert not Review.objects.filter(status=ReviewStatus.SUBMITTED).exists()


def test_review_save_refuses_a_score_off_the_rubric():
    round = review_round()
    reviewer = reviewer_with_profile(mfa=False)
    assignment = assign(submitted_application(round), reviewer)
    with pytest.raises(PortalError, match="from 1 to 4"):
        review_save(
            assignment=assignment, by=reviewer, scores={"a": 5}, comments={}, recommendation="", note_to_panel=""
        )


def test_submitted_review_changes_only_after_the_programme_team_reopens_it():
    round = review_round()
    reviewer = reviewer_with_profile(mfa=False)
    assignment = assign(submitted_application(round), reviewer)
    arguments = {"assignment": assignment, "by": reviewer, "comments": {}, "note_to_panel": ""}
    review = review_save(scores=FULL, recommendation=Recommendation.ACCEPT, submit=True, **arguments)
    with pytest.raises(PortalError, match="Only the programme team can reopen"):
        review_save(scores={"a": 1, "b": 1, "c": 1}, recommendation=Recommendation.DO_NOT_ACCEPT, **arguments)

    review_reopen(review=review, by=programme_team())
    review_save(scores={"a": 1, "b": 1, "c": 1}, recommendation=Recommendation.DO_NOT_ACCEPT, submit=True, **arguments)

    review.refresh_from_db()
    assert (review.status, review.weighted_total, review.recommendation) == (
        ReviewStatus.SUBMITTED,
        3.0,
        Recommendation.DO_NOT_ACCEPT,
    )
    assert audit_actions(assignment.application) == [
        "selection.review_submit",
        "selection.review_reopen",
        "selection.review_submit",
    ]


def test_selection_settings_weights_fixed_once_scoring_started():
    round = review_round()
    reviewer = reviewer_with_profile(mfa=False)
    assignment = assign(submitted_application(round), reviewer)
    review_save(assignment=assignment, by=reviewer, scores={"a": 2}, comments={}, recommendation="", note_to_panel="")
    with pytest.raises(PortalError, match="cannot change once reviewers have started"):
        selection_settings_update(round=round, by=programme_team(), weights={"a": 3})
    assert selection_settings_for(round=round).weights == {}


def test_selection_settings_defaults():
    settings = selection_settings_for(round=closed_round())
    assert (settings.reviewers_per_application, settings.blind, settings.prefer_other_region, settings.weights) == (
        2,
        True,
        False,
        {},
    )
    assert settings.score_range == (1, 4)
    assert [level for level, _text in settings.rubric_levels] == [1, 2, 3, 4]


def test_application_of_a_withdrawn_applicant_is_not_assigned():
    round = closed_round()
    application = submitted_application(round)
    Application.objects.filter(pk=application.pk).update(status="withdrawn")
    reviewer_with_profile(mfa=False)
    assert assignments_auto(round=round, by=programme_team()).created == 0


def test_assignments_auto_prefers_another_region_when_set_whatever_the_tie_break():
    round = closed_round()
    north, south = RegionFactory(), RegionFactory()
    application = submitted_application(round, region=north)
    reviewer_with_profile(region=north, mfa=False)
    elsewhere = reviewer_with_profile(region=south, mfa=False)
    team = programme_team()
    selection_settings_update(round=round, by=team, reviewers_per_application=1, prefer_other_region=True)

    for seed in range(6):
        with transaction.atomic():
            use_seed(round, seed)
            assignments_auto(round=round, by=team)
            assert pairs(round) == [(application.pk, elsewhere.pk)]
            transaction.set_rollback(True)


def test_assignments_auto_never_assigns_the_nominator_or_a_colleague_at_the_nominating_organisation():
    from applications.models import Nomination

    round = closed_round()
    ahsn = OrganisationFactory(name="West Midlands AHSN")
    application = submitted_application(round)
    nominator = reviewer_with_profile(mfa=False)
    colleague = reviewer_with_profile(organisation=ahsn, mfa=False)
    others = [reviewer_with_profile(mfa=False) for _ in range(2)]
    Nomination.objects.create(
        round=round,
        organisation=ahsn,
        nominated_by=nominator,
        full_name=application.full_name,
        email=application.applicant.email,
        region=application.region,
        application=application,
    )

    assignments_auto(round=round, by=programme_team())

    assigned = set(Assignment.objects.filter(application=application).values_list("reviewer_id", flat=True))
    assert assigned == {r.pk for r in others}
    assert set(shown_conflicts(application)) == {
        (nominator.pk, ConflictKind.NOMINATED),
        (colleague.pk, ConflictKind.NOMINATED),
    }


def test_assignments_auto_takes_away_an_assignment_a_new_conflict_hits_and_says_so():
    """A reviewer moved to the applicant's organisation after being assigned: the
    conflict shows at once, the next run removes the assignment and gives the
    place to someone else, and the application's audit row says both."""
    round = review_round()
    trust = OrganisationFactory(name="Leeds Teaching Hospitals")
    application = submitted_application(round, organisation=trust)
    moved = reviewer_with_profile(mfa=False, display_name="Moved Reviewer")
    stays = reviewer_with_profile(mfa=False, display_name="Stays Reviewer")
    spare = reviewer_with_profile(mfa=False, display_name="Spare Reviewer")
    assign(application, moved)
    assign(application, stays)
    moved.reviewer_profile.organisation = trust
    moved.reviewer_profile.save()

    result = assignments_auto(round=round, by=programme_team())

    assert (result.created, result.conflicts_found, result.removed_for_conflict) == (1, 1, 1)
    assert sorted(Assignment.objects.filter(application=application).values_list("reviewer_id", flat=True)) == sorted(
        [stays.pk, spare.pk]
    )
    assert shown_conflicts(application) == [(moved.pk, ConflictKind.SAME_ORGANISATION)]
    entry = AuditEntry.objects.get(action="selection.assign_auto", target_id=str(application.pk))
    assert entry.summary == (
        "Automatic assignment: Submitted → Under review; assigned Spare Reviewer; "
        "removed Moved Reviewer (conflict of interest)"
    )
    assert entry.changes == {"status": ["submitted", "under_review"], "added": [spare.pk], "removed": [moved.pk]}
    report = selection_settings_for(round=round).assignment_report
    assert (report["created"], report["conflicts_found"], report["removed_for_conflict"]) == (1, 1, 1)


def test_assignments_auto_does_not_count_a_moderators_review_or_assign_the_moderator_again():
    round = review_round()
    team = programme_team()
    selection_settings_update(round=round, by=team, reviewers_per_application=1)
    application = submitted_application(round)
    moderator = reviewer_with_profile(mfa=False)
    Assignment.objects.create(round=round, application=application, reviewer=moderator, is_moderation=True)
    regular = reviewer_with_profile(mfa=False)

    for seed in range(3):
        with transaction.atomic():
            use_seed(round, seed)
            assert assignments_auto(round=round, by=team).created == 1
            assert sorted(
                Assignment.objects.filter(application=application).values_list("reviewer_id", "is_moderation")
            ) == sorted([(moderator.pk, True), (regular.pk, False)])
            transaction.set_rollback(True)


def test_assignments_auto_records_names_with_quotes_backslashes_braces_and_null_exactly():
    round = closed_round()
    application = submitted_application(round)
    names = ['Ann "Nan" O\'Brien \\ Jr', "Zoë {Braces}, Commas", "NULL"]
    name_of = {reviewer_with_profile(mfa=False, display_name=name).pk: name for name in names}
    team = programme_team()
    selection_settings_update(round=round, by=team, reviewers_per_application=3)

    assignments_auto(round=round, by=team)

    entry = AuditEntry.objects.get(action="selection.assign_auto", target_id=str(application.pk))
    assert sorted(entry.changes["added"]) == sorted(name_of)
    assert entry.summary == "Automatic assignment: Submitted → Under review; assigned " + ", ".join(
        name_of[reviewer_id] for reviewer_id in entry.changes["added"]
    )
    assert entry.changes["status"] == ["submitted", "under_review"]


def test_assignment_add_refused_at_capacity_and_allowed_one_below():
    round = review_round()
    team = programme_team()
    reviewer = reviewer_with_profile(mfa=False)
    reviewer_capacity_set(round=round, reviewer=reviewer, capacity=2, by=team)
    assign(submitted_application(round), reviewer)

    assignment_add(application=submitted_application(round), reviewer=reviewer, by=team)
    with pytest.raises(PortalError, match="reached their capacity of 2"):
        assignment_add(application=submitted_application(round), reviewer=reviewer, by=team)

    assert Assignment.objects.filter(reviewer=reviewer).count() == 2


def submit_review(assignment):
    review_save(
        assignment=assignment,
        by=assignment.reviewer,
        scores=FULL,
        comments={},
        recommendation=Recommendation.ACCEPT,
        note_to_panel="",
        submit=True,
    )


def refusal(service, **arguments) -> tuple[str, str | None]:
    """What the person is told, and at which field, when `service` refuses."""
    with pytest.raises(PortalError) as refused:
        service(**arguments)
    return str(refused.value.message), refused.value.field


def test_assignment_add_refusals_say_why_and_change_nothing():
    round = review_round()
    team = programme_team()
    trust = OrganisationFactory()
    application = submitted_application(round, organisation=trust)
    rita = reviewer_with_profile(mfa=False, display_name="Rita Reviewer")
    assign(application, rita)
    nobody = UserFactory(display_name="Nora Nobody")
    gone = reviewer_with_profile(mfa=False, display_name="Gina Gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    colleague = reviewer_with_profile(mfa=False, organisation=trust, display_name="Colin Colleague")
    fresh = reviewer_with_profile(mfa=False, display_name="Fred Fresh")
    draft = ApplicationFactory(round=round)
    audited = AuditEntry.objects.count()

    def add(**arguments):
        return refusal(assignment_add, by=team, **{"application": application, **arguments})

    assert add(reviewer=nobody) == ("Nora Nobody is not a reviewer.", "reviewer")
    assert add(reviewer=gone) == ("Gina Gone is not a reviewer.", "reviewer")
    assert add(reviewer=colleague) == ("Colin Colleague has a conflict of interest with this application.", "reviewer")
    assert add(reviewer=rita) == ("Rita Reviewer is already assigned to this application.", "reviewer")
    assert add(application=draft, reviewer=fresh) == ("Only submitted applications are reviewed.", None)
    round.status = RoundStatus.DECIDED
    round.save(update_fields=["status"])
    assert add(reviewer=fresh) == ("Assignments change only while the round is in review.", None)

    assert list(Assignment.objects.values_list("reviewer_id", flat=True)) == [rita.pk]
    assert AuditEntry.objects.count() == audited


def test_assignment_add_is_audited_and_counted_in_the_reviews_expected():
    round = review_round()
    team = programme_team()
    selection_settings_update(round=round, by=team, reviewers_per_application=1)
    application = submitted_application(round)
    assign(application, reviewer_with_profile(mfa=False))
    fresh = reviewer_with_profile(mfa=False, display_name="Fred Fresh")

    assignment_add(application=application, reviewer=fresh, by=team)

    entry = AuditEntry.objects.filter(action="selection.assign").get()
    assert (entry.actor, entry.target_id, entry.summary, entry.changes) == (
        team,
        str(application.pk),
        "Assigned Fred Fresh",
        {"added": [fresh.pk]},
    )
    assert ApplicationScore.objects.get(application=application).reviews_expected == 2


def test_assignment_remove_says_whether_a_submitted_review_went_with_it():
    round = review_round()
    team = programme_team()
    application = submitted_application(round)
    drafting = reviewer_with_profile(mfa=False, display_name="Dora Draft")
    done = reviewer_with_profile(mfa=False, display_name="Sam Submitted")
    drafting_assignment, done_assignment = assign(application, drafting), assign(application, done)
    submit_review(done_assignment)

    selection_settings_update(round=round, by=team, reviewers_per_application=1)
    assignment_remove(assignment=drafting_assignment, by=team)
    assert ApplicationScore.objects.get(application=application).reviews_expected == 1
    assignment_remove(assignment=done_assignment, by=team)

    removals = AuditEntry.objects.filter(action="selection.unassign").order_by("pk")
    assert [(entry.actor, entry.summary, entry.changes) for entry in removals] == [
        (team, "Removed Dora Draft", {"removed": [drafting.pk], "submitted_review_removed": False}),
        (
            team,
            "Removed Sam Submitted and their submitted review",
            {"removed": [done.pk], "submitted_review_removed": True},
        ),
    ]
    assert Review.objects.count() == 0
    assert ApplicationScore.objects.get(application=application).reviews_done == 0


def test_assignment_remove_and_reassign_refused_outside_review():
    round = review_round()
    reviewer = reviewer_with_profile(mfa=False)
    reviewer_with_profile(mfa=False)
    assignment = assign(submitted_application(round), reviewer)
    round.status = RoundStatus.DECIDED
    round.save(update_fields=["status"])
    team = programme_team()

    message = ("Assignments change only while the round is in review.", None)
    assert refusal(assignment_remove, assignment=assignment, by=team) == message
    assert refusal(assignment_reassign, assignment=assignment, by=team) == message
    assert list(Assignment.objects.values_list("pk", flat=True)) == [assignment.pk]


def test_assignment_reassign_audits_the_removal_and_the_new_reviewer():
    round = review_round()
    team = programme_team()
    application = submitted_application(round)
    leaving = reviewer_with_profile(mfa=False, display_name="Lee Leaving")
    coming = reviewer_with_profile(mfa=False, display_name="Cara Coming")
    assignment = assign(application, leaving)

    submit_review(assignment)
    assert ApplicationScore.objects.get(application=application).reviews_done == 1

    new = assignment_reassign(assignment=assignment, by=team)

    assert (new.application, new.reviewer) == (application, coming)
    entries = AuditEntry.objects.filter(target_id=str(application.pk)).exclude(action="selection.review_submit")
    assert [(entry.actor, entry.action, entry.summary, entry.changes) for entry in entries.order_by("pk")] == [
        (
            team,
            "selection.unassign",
            "Removed Lee Leaving to reassign",
            {"removed": [leaving.pk], "submitted_review_removed": True},
        ),
        (
            team,
            "selection.assign_auto",
            "Automatic assignment: assigned Cara Coming",
            {"added": [coming.pk], "removed": []},
        ),
    ]
    assert ApplicationScore.objects.get(application=application).reviews_done == 0


def test_assignment_abstain_records_the_reason_and_reassigns():
    round = review_round()
    application = submitted_application(round)
    abstaining = reviewer_with_profile(mfa=False, display_name="Abe Abstaining")
    spare = reviewer_with_profile(mfa=False)
    assignment = assign(application, abstaining)
    unassigned = submitted_application(round)

    assert refusal(assignment_abstain, assignment=assignment, reason="   ", by=abstaining) == (
        "Tell us why you are abstaining.",
        "reason",
    )
    assert refusal(conflict_declare, assignment=assignment, reason="", by=abstaining) == (
        "Tell us why you have a conflict of interest.",
        "reason",
    )
    assignment_abstain(assignment=assignment, reason="  Outside my experience. ", by=abstaining)

    assert list(Assignment.objects.filter(application=application).values_list("reviewer_id", flat=True)) == [spare.pk]
    conflict = Conflict.objects.get(reviewer=abstaining)
    assert (conflict.application, conflict.kind, conflict.reason) == (
        application,
        ConflictKind.ABSTAINED,
        "Outside my experience.",
    )
    entry = AuditEntry.objects.get(action="selection.abstain")
    assert (entry.actor, entry.target_id, entry.summary, entry.changes) == (
        abstaining,
        str(application.pk),
        "Abe Abstaining abstained: Outside my experience.",
        {"reviewer": abstaining.pk, "reason": "Outside my experience."},
    )
    assert audit_actions(application) == ["selection.abstain", "selection.assign_auto"]
    reassigned = AuditEntry.objects.get(action="selection.assign_auto", target_id=str(application.pk))
    assert (reassigned.actor, reassigned.changes) == (abstaining, {"added": [spare.pk], "removed": []})
    assert Assignment.objects.filter(application=unassigned).count() == 0


def test_stepping_aside_refused_for_someone_elses_assignment_outside_review_or_after_submitting():
    round = review_round()
    application = submitted_application(round)
    mine, other = reviewer_with_profile(mfa=False), reviewer_with_profile(mfa=False)
    assignment = assign(application, mine)
    reason = {"reason": "I know the applicant."}

    assert refusal(conflict_declare, assignment=assignment, by=other, **reason) == (
        "Only the assigned reviewer can step aside from this application.",
        None,
    )
    submit_review(assignment)
    assert refusal(assignment_abstain, assignment=assignment, by=mine, **reason) == (
        "You have submitted your review. Ask the programme team to reopen it first.",
        None,
    )
    round.status = RoundStatus.DECIDED
    round.save(update_fields=["status"])
    assert refusal(conflict_declare, assignment=assignment, by=mine, **reason) == (
        "You can step aside from an application while the round is in review.",
        None,
    )
    assert Conflict.objects.count() == 0
    assert list(Assignment.objects.values_list("reviewer_id", flat=True)) == [mine.pk]


def test_round_mixing_leaves_out_moderators():
    """Two pairs of reviewers who never meet are two groups, even if a moderator
    has read an application of each, or they meet in another round."""
    round = review_round()
    first, second = submitted_application(round), submitted_application(round)
    a, b, c, d = (reviewer_with_profile(mfa=False) for _ in range(4))
    for application, reviewers in ((first, (a, b)), (second, (c, d))):
        for reviewer in reviewers:
            assign(application, reviewer)
    Assignment.objects.create(round=round, application=second, reviewer=a, is_moderation=True)
    other_round = submitted_application(review_round())
    assign(other_round, b)
    assign(other_round, c)

    assert round_mixing(round=round) == {
        "groups": 2,
        "most_shared": 1,
        "co_reviewers": 1.0,
        "reviewers": 4,
        "applications": 2,
    }


def test_assignments_auto_reports_the_mixing_of_every_assignment_including_decided_applications():
    """A re-run while some applications are decided (no longer topped up) still
    reports the mixing of every regular assignment of the round, theirs too."""
    round = review_round()
    team = programme_team()
    open_application, decided = submitted_application(round), submitted_application(round)
    a, b, c = (reviewer_with_profile(mfa=False) for _ in range(3))
    for application, reviewers in ((open_application, (a, b)), (decided, (a, c))):
        for reviewer in reviewers:
            assign(application, reviewer)
    Application.objects.filter(pk=open_application.pk).update(status=ApplicationStatus.UNDER_REVIEW)
    Application.objects.filter(pk=decided.pk).update(status=ApplicationStatus.DECIDED)

    assert assignments_auto(round=round, by=team).created == 0

    report = selection_settings_for(round=round).assignment_report
    assert report["mixing"] == round_mixing(round=round)
    assert report["mixing"]["applications"] == 2


def round_audit(round) -> list[tuple]:
    return list(
        AuditEntry.objects.filter(target_type__model="round", target_id=str(round.pk))
        .order_by("pk")
        .values_list("actor", "action", "summary", "changes")
    )


def test_assignments_auto_records_its_report_and_audits_the_round_by_whoever_ran_it():
    round = closed_round()
    team = programme_team()
    trust = OrganisationFactory()
    full = submitted_application(round)
    short = submitted_application(round, organisation=trust)
    reviewer_with_profile(mfa=False)
    reviewer_with_profile(mfa=False, organisation=trust)
    use_seed(round, 1234)

    assignments_auto(round=round, by=team)

    report = selection_settings_for(round=round).assignment_report
    assert set(report) == {
        "ran_at",
        "created",
        "conflicts_found",
        "removed_for_conflict",
        "unassignable",
        "unassignable_total",
        "seed",
        "mixing",
    }
    assert (report["created"], report["conflicts_found"], report["removed_for_conflict"]) == (3, 1, 0)
    assert (report["seed"], report["unassignable_total"]) == (1234, 1)
    assert [item["application"] for item in report["unassignable"]] == [short.pk]
    assert report["mixing"] == round_mixing(round=round)
    assert Assignment.objects.filter(application=full).count() == 2
    assert round_audit(round) == [
        (team.pk, "round.transition", "Closed → In review", {"status": ["closed", "in_review"]}),
        (
            team.pk,
            "selection.assign_auto",
            "3 assignments made, 1 applications short of reviewers",
            {"created": 3, "conflicts_found": 1},
        ),
    ]


def test_assignments_auto_draws_a_seed_once_and_the_same_seed_gives_the_same_assignment():
    round = closed_round()
    team = programme_team()
    for _ in range(6):
        submitted_application(round)
    for _ in range(6):
        reviewer_with_profile(mfa=False)

    assignments_auto(round=round, by=team)
    seed = selection_settings_for(round=round).assignment_report["seed"]
    first = pairs(round)
    assert 0 <= seed < 2**31
    plans = set()
    for again in (seed, seed, seed + 1, seed + 2, seed + 3):
        with transaction.atomic():
            Assignment.objects.filter(round=round).delete()
            use_seed(round, again)
            assignments_auto(round=round, by=team)
            assert selection_settings_for(round=round).assignment_report["seed"] == again
            plans.add((again == seed, tuple(pairs(round))))
            transaction.set_rollback(True)

    assert (True, tuple(first)) in plans
    assert len([plan for plan in plans if plan[0]]) == 1
    assert len(plans) >= 2


def test_assignments_auto_audits_the_round_when_it_only_removes_an_assignment_and_not_when_nothing_changed():
    round = review_round()
    team = programme_team()
    trust = OrganisationFactory()
    application = submitted_application(round, organisation=trust)
    first, second = reviewer_with_profile(mfa=False), reviewer_with_profile(mfa=False)
    assign(application, first)
    assign(application, second)
    Application.objects.filter(pk=application.pk).update(status="under_review")
    reviewer_with_profile(mfa=False, organisation=trust)  # joins later, conflicted

    # A conflict found (the later reviewer's), nothing changed: nothing to audit.
    result = assignments_auto(round=round, by=team)
    assert (result.created, result.conflicts_found, result.removed_for_conflict) == (0, 1, 0)
    assert round_audit(round) == []
    # A reviewer moves to the applicant's organisation: the assignment goes, and nobody can take the place.
    ReviewerProfile.objects.filter(user=first).update(organisation=trust)
    result = assignments_auto(round=round, by=team)
    assert (result.created, result.conflicts_found, result.removed_for_conflict) == (0, 2, 1)

    assert [entry[2] for entry in round_audit(round)] == ["0 assignments made, 1 applications short of reviewers"]


def test_assignments_auto_refused_before_the_round_closes_word_for_word():
    round = review_round()
    round.status = RoundStatus.OPEN
    round.save(update_fields=["status"])
    assert refusal(assignments_auto, round=round, by=programme_team()) == (
        "Reviewers can be assigned once the round has closed.",
        None,
    )


def test_assignments_auto_moves_only_this_rounds_submitted_applications_under_review():
    round, other_round = closed_round(), closed_round()
    mine, other = submitted_application(round), submitted_application(other_round)
    reviewer_with_profile(mfa=False)

    assignments_auto(round=round, by=programme_team())

    assert [Application.objects.get(pk=a.pk).status for a in (mine, other)] == ["under_review", "submitted"]


def test_assignments_auto_never_assigns_an_inactive_reviewer_or_applicants_their_own_application():
    round = closed_round()
    gone = reviewer_with_profile(mfa=False)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    applying = reviewer_with_profile(mfa=False)
    own = submitted_application(round, applicant=applying)
    other = submitted_application(round)
    helper = reviewer_with_profile(mfa=False)

    assignments_auto(round=round, by=programme_team())

    assert pairs(round) == sorted([(own.pk, helper.pk), (other.pk, applying.pk), (other.pk, helper.pk)])
    assert shown_conflicts(own) == [(applying.pk, ConflictKind.IS_APPLICANT)]
    assert shown_conflicts(other) == []


def test_reassigning_one_application_leaves_the_rest_of_the_round_alone():
    round = review_round()
    team = programme_team()
    selection_settings_update(round=round, by=team, reviewers_per_application=1)
    application, unassigned = submitted_application(round), submitted_application(round)
    leaving = reviewer_with_profile(mfa=False)
    reviewer_with_profile(mfa=False)
    assignment = assign(application, leaving)

    assignment_reassign(assignment=assignment, by=team)

    assert Assignment.objects.filter(application=unassigned).count() == 0
    assert [Application.objects.get(pk=a.pk).status for a in (application, unassigned)] == ["submitted", "submitted"]


def test_assignments_auto_names_every_reviewer_assigned_and_removed_by_id_when_nameless():
    round = review_round()
    team = programme_team()
    trust = OrganisationFactory()
    application = submitted_application(round, organisation=trust)
    named = reviewer_with_profile(mfa=False, display_name="Alice Moved")
    nameless = reviewer_with_profile(mfa=False, display_name="")
    spares = {reviewer_with_profile(mfa=False, display_name="Cal Spare").pk: "Cal Spare"}
    nameless_spare = reviewer_with_profile(mfa=False, display_name="")
    spares[nameless_spare.pk] = str(nameless_spare.pk)
    assign(application, named)
    assign(application, nameless)
    for reviewer in (named, nameless):
        reviewer.reviewer_profile.organisation = trust
        reviewer.reviewer_profile.save()

    assignments_auto(round=round, by=team)

    entry = AuditEntry.objects.get(action="selection.assign_auto", target_id=str(application.pk))
    assert sorted(entry.changes["added"]) == sorted(spares)
    assert entry.summary == (
        "Automatic assignment: Submitted → Under review; assigned "
        + ", ".join(spares[reviewer_id] for reviewer_id in entry.changes["added"])
        + f"; removed Alice Moved, {nameless.pk} (conflict of interest)"
    )
    assert entry.changes["removed"] == [named.pk, nameless.pk]


def test_assignments_auto_without_reviewers_still_audits_each_application_put_under_review():
    round = closed_round()
    application = submitted_application(round)
    team = programme_team()

    result = assignments_auto(round=round, by=team)

    assert (result.created, result.unassignable_total) == (0, 1)
    entry = AuditEntry.objects.get(action="selection.assign_auto", target_id=str(application.pk))
    assert (entry.actor, entry.summary, entry.changes) == (
        team,
        "Automatic assignment: Submitted → Under review",
        {"removed": [], "added": [], "status": ["submitted", "under_review"]},
    )


def test_assignment_add_looks_only_at_this_application_and_this_round():
    """Conflicts with other applications, and assignments in other rounds, do not
    stop a reviewer being added; a conflict recorded with this one does."""
    round, earlier = review_round(), review_round()
    team = programme_team()
    trust = OrganisationFactory()
    application = submitted_application(round)
    elsewhere = submitted_application(round, organisation=trust)
    reviewer = reviewer_with_profile(mfa=False, organisation=trust, display_name="Rae Reviewer")
    Conflict.objects.create(
        round=round, application=submitted_application(round), reviewer=reviewer, kind="declared", reason="Friend."
    )
    reviewer_capacity_set(round=round, reviewer=reviewer, capacity=1, by=team)
    assign(submitted_application(earlier), reviewer)
    assign(elsewhere, reviewer_with_profile(mfa=False))

    assignment_add(application=application, reviewer=reviewer, by=team)

    declared = reviewer_with_profile(mfa=False, display_name="Dan Declared")
    Conflict.objects.create(round=round, application=application, reviewer=declared, kind="declared", reason="Friend.")
    assert refusal(assignment_add, application=application, reviewer=declared, by=team) == (
        "Dan Declared has a conflict of interest with this application.",
        "reviewer",
    )
    other = submitted_application(round)
    assert refusal(assignment_add, application=other, reviewer=reviewer, by=team) == (
        "Rae Reviewer has reached their capacity of 1 in this round. Raise it first.",
        "reviewer",
    )


def test_a_reviewer_can_be_added_where_another_reviewer_declared_a_conflict():
    """The usual reason to add a reviewer by hand: someone else stepped aside."""
    round = review_round()
    application = submitted_application(round)
    stepped_aside = reviewer_with_profile(mfa=False)
    Conflict.objects.create(
        round=round, application=application, reviewer=stepped_aside, kind="declared", reason="My sister."
    )
    replacement = reviewer_with_profile(mfa=False)

    assignment_add(application=application, reviewer=replacement, by=programme_team())

    assert list(Assignment.objects.filter(application=application).values_list("reviewer", flat=True)) == [
        replacement.pk
    ]


@pytest.mark.parametrize("change", [assignment_remove, assignment_reassign])
def test_taking_away_a_submitted_review_takes_it_out_of_the_boards_normalised_scores(
    change, django_capture_on_commit_callbacks
):
    round = review_round()
    team = programme_team()
    alone, shared = submitted_application(round), submitted_application(round)
    leaving, staying = reviewer_with_profile(mfa=False), reviewer_with_profile(mfa=False)
    reviewer_with_profile(mfa=False)  # someone to reassign to
    leaving_alone = assign(alone, leaving)
    for assignment in (leaving_alone, assign(shared, leaving), assign(shared, staying)):
        submit_review(assignment)
    scores_refresh_round(round=round)
    assert ApplicationScore.objects.get(application=alone).normalised_score is not None

    with django_capture_on_commit_callbacks(execute=True):
        change(assignment=leaving_alone, by=team)

    # Its only submitted review is gone: the board shows no normalised score for it.
    assert ApplicationScore.objects.get(application=alone).normalised_score is None


def test_an_automatic_assignment_summary_longer_than_the_audit_holds_is_cut_at_500_characters():
    round = review_round()
    application = submitted_application(round)
    for letter in "ABCD":
        reviewer_with_profile(mfa=False, display_name=letter * 150)
    selection_settings_update(round=round, by=programme_team(), reviewers_per_application=4)

    assignments_auto(round=round, by=programme_team())

    entry = AuditEntry.objects.get(action="selection.assign_auto", target_id=str(application.pk))
    assert len(entry.summary) == 500
    assert entry.summary.startswith("Automatic assignment: Submitted → Under review; assigned ")
    assert len(entry.changes["added"]) == 4  # every reviewer is still in the changes


def test_the_applications_state_machine_lets_assignment_put_submitted_applications_under_review():
    """Automatic assignment moves a round's submitted applications under review in
    one update, past the applications' transition service: the move it makes must
    be one the applications' table allows."""
    assert ApplicationStatus.UNDER_REVIEW in APPLICATION_TRANSITIONS[ApplicationStatus.SUBMITTED]


def round_with_every_kind_of_change():
    """A round whose automatic assignment finds a conflict, takes away the
    assignment it hits, assigns four reviewers to each application and puts both
    under review (with summaries longer than the audit holds)."""
    round = review_round()
    team = programme_team()
    selection_settings_update(round=round, by=team, reviewers_per_application=4)
    trust = OrganisationFactory()
    applications = [submitted_application(round, organisation=trust), submitted_application(round)]
    moved = reviewer_with_profile(mfa=False, display_name="Moved Reviewer")
    assign(applications[0], moved)
    moved.reviewer_profile.organisation = trust
    moved.reviewer_profile.save()
    for name in ["A" * 150, "B" * 150, "C" * 150, "D" * 150]:
        reviewer_with_profile(mfa=False, display_name=name)
    use_seed(round, 7)
    return round, team


def rows_written(round) -> dict[str, list[tuple]]:
    """The rows an automatic assignment writes, without their ids and times."""
    application_ids = [str(pk) for pk in Application.objects.filter(round=round).values_list("pk", flat=True)]
    return {
        "assignments": sorted(
            Assignment.objects.filter(round=round).values_list(
                "round_id", "application_id", "reviewer_id", "is_moderation"
            )
        ),
        "audit": sorted(
            (entry.actor_id, entry.action, entry.target_type.model, entry.target_id, entry.summary, entry.changes)
            for entry in AuditEntry.objects.filter(target_id__in=application_ids, action="selection.assign_auto")
        ),
    }


def test_the_demos_bulk_writes_give_the_same_rows_as_postgresqls(monkeypatch):
    """`make run` (SQLite) writes assignments and audit rows with bulk_create,
    PostgreSQL with one INSERT from arrays: taken both ways, the
    same automatic assignment writes the same rows."""
    round, team = round_with_every_kind_of_change()

    def assigned(*, portable: bool) -> dict[str, list[tuple]]:
        with transaction.atomic():
            if portable:
                monkeypatch.setattr(assignment_services, "_inserts_from_arrays", lambda: False)
            assignments_auto(round=round, by=team)
            monkeypatch.undo()
            written = rows_written(round)
            transaction.set_rollback(True)
        return written

    from_arrays, portable = assigned(portable=False), assigned(portable=True)

    assert portable == from_arrays
    trusted, other = sorted(Application.objects.filter(round=round).values_list("pk", flat=True))
    moved = User.objects.get(display_name="Moved Reviewer")
    assert [row[1] for row in portable["assignments"]] == [trusted] * 4 + [other] * 4
    assert {row[0] for row in portable["assignments"]} == {round.pk}
    audit = portable["audit"]
    assert [(actor, action, model, target) for actor, action, model, target, _s, _c in audit] == [
        (team.pk, "selection.assign_auto", "application", str(pk)) for pk in sorted([trusted, other], key=str)
    ]
    assert [len(summary) for *_rest, summary, _changes in audit] == [500, 500]
    assert {target: changes["removed"] for *_rest, target, _summary, changes in audit} == {
        str(trusted): [moved.pk],
        str(other): [],
    }


def test_on_postgresql_an_automatic_assignment_writes_each_kind_of_row_with_one_statement():
    """What keeps assigning 10,000 applications fast: the assignments made and
    the applications' audit rows are each one INSERT from arrays, whatever the
    number of rows; the conflicts found are not written at all."""
    if connection.vendor != "postgresql":
        pytest.skip("the statements are PostgreSQL's")
    round, team = round_with_every_kind_of_change()

    with CaptureQueriesContext(connection) as captured:
        assignments_auto(round=round, by=team)

    from_arrays = [sql.split(" (")[0] for sql in statements(captured) if "from unnest(" in sql.lower()]
    assert sorted(from_arrays) == sorted(f"INSERT INTO {model._meta.db_table}" for model in (Assignment, AuditEntry))
    assert not Conflict.objects.filter(round=round).exists()
    assert Assignment.objects.filter(round=round).count() == 8


@pytest.mark.parametrize("step_aside", [conflict_declare, assignment_abstain])
def test_stepping_aside_costs_the_same_queries_in_a_round_of_1_or_5_applications(step_aside):
    """Counting what the reviewer staying on shares across the round included."""
    staying, leaving, taking_over = (reviewer_with_profile(mfa=False) for _ in range(3))

    def run(size):
        round = review_round()
        applications = [submitted_application(round) for _ in range(size)]
        for application in applications:
            assign(application, staying)
            assign(application, leaving)
        ContentType.objects.get_for_models(Application, Round)
        with CaptureQueriesContext(connection) as captured:
            step_aside(
                assignment=Assignment.objects.get(application=applications[0], reviewer=leaving),
                reason="Friend.",
                by=leaving,
            )
        reviewers = list(Assignment.objects.filter(application=applications[0]).values_list("reviewer", flat=True))
        return reviewers, len(statements(captured))

    assert run(1) == ([staying.pk, taking_over.pk], 28)
    assert run(5) == ([staying.pk, taking_over.pk], 28)


def test_adding_a_reviewer_by_hand_costs_the_same_queries_in_a_round_of_1_or_5_applications():
    team = programme_team()
    reviewer = reviewer_with_profile(mfa=False)

    def run(size):
        round = review_round()
        applications = [submitted_application(round) for _ in range(size)]
        ContentType.objects.get_for_models(Application, Round)
        with CaptureQueriesContext(connection) as captured:
            assignment_add(application=applications[0], reviewer=reviewer, by=team)
        reviewers = list(Assignment.objects.filter(application=applications[0]).values_list("reviewer", flat=True))
        return reviewers, len(statements(captured))

    assert run(1) == ([reviewer.pk], 20)
    assert run(5) == ([reviewer.pk], 20)
