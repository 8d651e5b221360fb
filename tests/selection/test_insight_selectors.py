"""The insight numbers on rounds built so the right answer is known."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from applications.choices import ApplicationStatus, RoleCategory, RoundStatus, SubscriptionStatus
from applications.models import NominationQuota, NominationStatus, UpdateSubscription
from members.choices import MembershipStatus
from selection.agreement import interval_alpha
from selection.choices import DecisionOutcome
from selection.models import Assignment, CriterionScore, SelectionSettings
from selection.selectors.insight import (
    Dimension,
    InsightFilters,
    agreement_over_round,
    criteria_of,
    membership_growth_insight,
    nominating_organisations,
    nomination_totals,
    representation,
    representation_flag,
    representations,
    reviewer_calibration,
    round_funnel,
    rounds_for_insight,
    score_distributions,
    submissions_per_day,
)
from tests.factories import OrganisationFactory, RegionFactory, UserFactory
from tests.factories.applications import ApplicationFactory, RoundFactory
from tests.factories.insight import decide, insight_round, reviewed
from tests.factories.members import MemberFactory
from tests.factories.nominations import NominationFactory
from tests.factories.selection import assign, review_round, reviewer_with_profile, submitted_application

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def decided_group(round, region, *, decided: int, accepted: int, role=RoleCategory.CLINICIAN):
    for index in range(decided):
        application = submitted_application(round, region=region)
        application.role_category = role
        application.save(update_fields=["role_category"])
        decide(application, DecisionOutcome.ACCEPT if index < accepted else DecisionOutcome.UNSUCCESSFUL)


# --- Representation ------------------------------------------------------------------------


def test_representation_flags_a_large_group_far_from_the_round_rate_and_not_a_small_one():
    round = review_round()
    north_east, london, wales = (RegionFactory(name=name) for name in ("North East", "London", "Wales"))
    decided_group(round, north_east, decided=20, accepted=10)  # 50%: exactly 10 points above
    decided_group(round, london, decided=20, accepted=4)  # 20%: 20 points below
    decided_group(round, wales, decided=5, accepted=4)  # 80%, but only 5 decided
    submitted_application(round, region=london)  # in the pool, not decided yet

    result = representation(round=round, dimension=Dimension.REGION, threshold=10, min_size=10)

    assert result.round_rate == pytest.approx(100 * 18 / 45)
    rows = {row.name: row for row in result.rows}
    assert (rows["London"].pool, rows["London"].decided, rows["London"].accepted) == (21, 20, 4)
    assert rows["London"].rate == pytest.approx(20)
    assert rows["London"].flag == "lower"
    assert rows["North East"].flag == ""  # 10 points is not more than 10
    assert rows["Wales"].flag == ""  # too few to matter
    assert [row.name for row in result.flagged] == ["London"]
    assert rows["London"].pool_share == pytest.approx(100 * 21 / 46)
    assert rows["London"].accepted_share == pytest.approx(100 * 4 / 18)

    tighter = representation(round=round, dimension=Dimension.REGION, threshold=5, min_size=5)
    assert {row.name: row.flag for row in tighter.rows} == {
        "London": "lower",
        "North East": "higher",
        "Wales": "higher",
    }


def test_representation_counts_nominated_and_groups_by_role_and_route():
    round = review_round()
    region = RegionFactory()
    decided_group(round, region, decided=3, accepted=1, role=RoleCategory.PATIENT_LEADER)
    nominated = submitted_application(round, region=region)
    NominationFactory(round=round, application=nominated, status=NominationStatus.ACCEPTED, nominee=nominated.applicant)
    ApplicationFactory(round=round)  # a draft is not in the pool

    by_role = {row.name: row for row in representation(round=round, dimension=Dimension.ROLE).rows}
    by_route = representation(round=round, dimension=Dimension.ROUTE)

    assert by_role["Patient leader"].pool == 3
    assert by_role["Patient leader"].accepted == 1
    assert by_role["Front-line clinician"].nominated == 1
    assert by_route.total.pool == 4
    assert by_route.total.nominated == 1
    assert by_route.total.nominated_share is None


@pytest.mark.parametrize(
    ("rate", "size", "expected"),
    [(55.0, 10, "higher"), (25.0, 10, "lower"), (45.0, 100, ""), (80.0, 9, ""), (None, 50, "")],
)
def test_representation_flag_rule(rate, size, expected):
    assert representation_flag(rate=rate, round_rate=40.0, size=size, threshold=10, min_size=10) == expected


# --- The funnel and submissions per day ---------------------------------------------------------


def test_funnel_counts_each_stage_as_documented():
    round = review_round()
    SelectionSettings.objects.create(round=round, reviewers_per_application=2)
    before_close = round.closes_at - timedelta(days=3)
    for email, status, confirmed in [
        ("a@example.org", SubscriptionStatus.CONFIRMED, before_close),
        ("b@example.org", SubscriptionStatus.UNSUBSCRIBED, before_close),  # heard it open, left later
        ("c@example.org", SubscriptionStatus.PENDING, None),
        ("d@example.org", SubscriptionStatus.CONFIRMED, round.closes_at + timedelta(days=1)),
    ]:
        UpdateSubscription.objects.create(email=email, status=status, consented_at=before_close, confirmed_at=confirmed)
    ApplicationFactory(round=round)  # a draft
    withdrawn = submitted_application(round)
    withdrawn.status = ApplicationStatus.WITHDRAWN
    withdrawn.save(update_fields=["status"])
    pool = [submitted_application(round) for _ in range(4)]
    first, second, third = (reviewer_with_profile(mfa=False) for _ in range(3))
    for application in pool[:2]:
        reviewed(assign(application, first), {"a": 3, "b": 3, "c": 3})
        reviewed(assign(application, second), {"a": 2, "b": 3, "c": 4})
    reviewed(assign(pool[2], first), {"a": 3, "b": 3, "c": 3})
    moderation = Assignment.objects.create(round=round, application=pool[2], reviewer=third, is_moderation=True)
    reviewed(moderation, {"a": 3, "b": 3, "c": 3})  # a moderator's review does not complete it
    reviewed(assign(pool[3], first), {"a": 1, "b": 1, "c": 1}, draft=True)
    decide(pool[0], DecisionOutcome.ACCEPT, released=True)
    decide(pool[1], DecisionOutcome.WAITLIST)

    funnel = round_funnel(round=round, filters=InsightFilters())

    assert (funnel.registered, funnel.started, funnel.submitted, funnel.withdrawn) == (2, 6, 4, 1)
    assert funnel.fully_reviewed == 2
    assert (funnel.decided, funnel.accepted, funnel.waitlisted, funnel.unsuccessful) == (2, 1, 1, 0)
    assert (funnel.released, funnel.undecided) == (1, 2)
    assert (funnel.reviews_submitted, funnel.reviews_assigned) == (6, 7)
    stages = {stage.key: stage for stage in funnel.stages}
    assert stages["submitted"].rate == pytest.approx(100 * 4 / 6)
    assert stages["fully_reviewed"].rate == pytest.approx(50)
    assert stages["accepted"].rate == pytest.approx(50)


def test_funnel_narrowed_by_region_counts_only_that_region_and_its_registrations():
    round = review_round()
    here, elsewhere = RegionFactory(), RegionFactory()
    decided_group(round, here, decided=3, accepted=1)
    decided_group(round, elsewhere, decided=5, accepted=5)
    for index, region in enumerate([here, here, elsewhere]):
        UpdateSubscription.objects.create(
            email=f"s{index}@example.org",
            region=region,
            status=SubscriptionStatus.CONFIRMED,
            consented_at=round.opens_at,
            confirmed_at=round.opens_at,
        )

    funnel = round_funnel(round=round, filters=InsightFilters(region=here))

    assert (funnel.registered, funnel.submitted, funnel.accepted, funnel.unsuccessful) == (2, 3, 1, 2)


def test_submissions_per_day_use_uk_days_and_mark_the_deadline():
    opens = datetime(2026, 6, 1, 9, tzinfo=LONDON)
    closes = datetime(2026, 6, 5, 12, tzinfo=LONDON)
    round = review_round(opens_at=opens, closes_at=closes)
    for when in [
        datetime(2026, 6, 1, 10, tzinfo=LONDON),
        datetime(2026, 6, 4, 22, 30, tzinfo=ZoneInfo("UTC")),  # 23:30 on the 4th in London (BST)
        datetime(2026, 6, 4, 23, 30, tzinfo=ZoneInfo("UTC")),  # 00:30 on the 5th in London
        datetime(2026, 6, 5, 11, 59, tzinfo=LONDON),
    ]:
        application = submitted_application(round)
        application.first_submitted_at = when
        application.save(update_fields=["first_submitted_at"])

    days = submissions_per_day(round=round, filters=InsightFilters())

    assert [(day.isoformat(), count) for day, count in days.periods] == [
        ("2026-06-01", 1),
        ("2026-06-02", 0),
        ("2026-06-03", 0),
        ("2026-06-04", 1),
        ("2026-06-05", 2),
    ]
    assert days.deadline_index == 4
    assert days.on_deadline_day == 2
    assert not days.weekly


def test_a_long_round_is_shown_by_week():
    opens = datetime(2026, 1, 5, 9, tzinfo=LONDON)  # a Monday
    round = review_round(opens_at=opens, closes_at=opens + timedelta(days=120))
    application = submitted_application(round)
    application.first_submitted_at = opens + timedelta(days=8)
    application.save(update_fields=["first_submitted_at"])

    days = submissions_per_day(round=round, filters=InsightFilters())

    assert days.weekly
    assert days.periods[1] == (opens.date() + timedelta(days=7), 1)
    assert days.deadline_index == 120 // 7


# --- Reviewers ----------------------------------------------------------------------------------


def test_calibration_flags_the_harsh_and_the_lenient_reviewer_only():
    built = insight_round(120, reviewers=12)
    criteria = criteria_of(round=built.round)

    calibration = reviewer_calibration(round=built.round, criteria=criteria)

    flagged = {reviewer.reviewer_id: reviewer.leanings for reviewer in calibration.flagged}
    assert flagged == {built.harsh.pk: ["harsh"], built.lenient.pk: ["lenient"]}
    assert len(calibration.reviewers) == 12
    # The panel's numbers are every score together.
    scores = CriterionScore.objects.filter(review__assignment__round=built.round, criterion=criteria[0])
    values = list(scores.values_list("score", flat=True))
    panel = calibration.panel[criteria[0].pk]
    assert panel.count == len(values) == 360
    assert panel.mean == pytest.approx(sum(values) / len(values))


def test_agreement_over_the_round_matches_alpha_computed_from_the_rows():
    built = insight_round(60, reviewers=6)
    criteria = criteria_of(round=built.round)

    agreement = agreement_over_round(round=built.round, criteria=criteria)

    for criterion in criteria:
        units = {}
        for application, score in CriterionScore.objects.filter(
            review__assignment__round=built.round, criterion=criterion
        ).values_list("review__assignment__application", "score"):
            units.setdefault(application, []).append(score)
        assert agreement.overall(criterion).alpha == pytest.approx(interval_alpha(units.values()))
        assert agreement.overall(criterion).pairable_units == 60
    # Reviews were submitted over three weeks: one point per week, growing.
    assert agreement.weekly
    counts = [point.pairable_units for point in agreement.points[criteria[0].pk]]
    assert counts == sorted(counts)
    assert 3 <= len(counts) <= 5


def test_agreement_and_calibration_leave_out_moderators_and_drafts():
    round = review_round()
    application = submitted_application(round)
    first, second, moderator = (reviewer_with_profile(mfa=False) for _ in range(3))
    reviewed(assign(application, first), {"a": 1, "b": 1, "c": 1})
    reviewed(assign(application, second), {"a": 1, "b": 1, "c": 1})
    reviewed(
        Assignment.objects.create(round=round, application=application, reviewer=moderator, is_moderation=True),
        {"a": 4, "b": 4, "c": 4},
    )
    criteria = criteria_of(round=round)

    calibration = reviewer_calibration(round=round, criteria=criteria)

    assert {reviewer.reviewer_id for reviewer in calibration.reviewers} == {first.pk, second.pk}
    assert calibration.panel[criteria[0].pk].mean == 1


# --- Scores and nominations ----------------------------------------------------------------------


def test_score_distributions_compare_the_accepted_with_the_rest():
    round = review_round()
    accepted, waitlisted, undecided = (submitted_application(round) for _ in range(3))
    reviewer = reviewer_with_profile(mfa=False)
    other = reviewer_with_profile(mfa=False)
    reviewed(assign(accepted, reviewer), {"a": 4, "b": 3, "c": 4})
    reviewed(assign(accepted, other), {"a": 4, "b": 4, "c": 3})
    reviewed(assign(waitlisted, reviewer), {"a": 2, "b": 2, "c": 2})
    reviewed(assign(undecided, reviewer), {"a": 1, "b": 2, "c": 2})
    reviewed(assign(undecided, other), {"a": 3, "b": 3, "c": 3}, draft=True)  # not counted
    decide(accepted, DecisionOutcome.ACCEPT)
    decide(waitlisted, DecisionOutcome.WAITLIST)
    criteria = criteria_of(round=round)

    (a, b, _c) = score_distributions(round=round, criteria=criteria, filters=InsightFilters())

    assert a.levels == [1, 2, 3, 4]
    assert (a.accepted, a.rest) == ([0, 0, 0, 2], [1, 1, 0, 0])
    assert a.accepted_mean == 4 and a.rest_mean == pytest.approx(1.5)
    assert a.accepted_percent == [0, 0, 0, 100]
    assert b.rest_mean == 2


def test_nominations_by_organisation_with_own_and_regional_quotas():
    round = review_round()
    region = RegionFactory()
    own, in_region, quiet = (OrganisationFactory(region=region) for _ in range(3))
    NominationQuota.objects.create(round=round, organisation=own, places=5)
    NominationQuota.objects.create(round=round, organisation=quiet, places=2)
    regional = NominationQuota.objects.create(round=round, region=region, places=10)
    applied = submitted_application(round)
    decide(applied, DecisionOutcome.ACCEPT)
    NominationFactory(
        round=round, organisation=own, application=applied, status=NominationStatus.ACCEPTED, nominee=applied.applicant
    )
    NominationFactory(round=round, organisation=own, status=NominationStatus.INVITED)
    NominationFactory(round=round, organisation=own, status=NominationStatus.WITHDRAWN)
    NominationFactory(round=round, organisation=in_region, quota=regional, status=NominationStatus.OPENED)
    started = ApplicationFactory(round=round, applicant=UserFactory())
    NominationFactory(
        round=round,
        organisation=in_region,
        quota=regional,
        application=started,
        status=NominationStatus.ACCEPTED,
        nominee=started.applicant,
    )

    rows = {organisation.pk: organisation for organisation in nominating_organisations(round=round)}

    assert set(rows) == {own.pk, in_region.pk, quiet.pk}
    assert (rows[own.pk].own_quota, rows[own.pk].nominated, rows[own.pk].used) == (5, 3, 2)
    assert (rows[own.pk].submitted, rows[own.pk].accepted) == (1, 1)
    assert (rows[in_region.pk].own_quota, rows[in_region.pk].region_quota) == (None, 10)
    assert (rows[in_region.pk].used, rows[in_region.pk].submitted) == (2, 0)
    assert (rows[quiet.pk].nominated, rows[quiet.pk].own_quota) == (0, 2)
    assert nomination_totals(round=round) == {"nominated": 5, "used": 4, "submitted": 1, "accepted": 1, "places": 17}


def test_rounds_for_insight_leave_out_drafts_and_count_without_multiplying():
    built = insight_round(30, reviewers=4)
    RoundFactory(status=RoundStatus.DRAFT, name="Not yet")

    rounds = {round.name: round for round in rounds_for_insight()}

    assert "Not yet" not in rounds
    mine = rounds[built.round.name]
    assert (mine.started, mine.submitted, mine.accepted) == (30, 30, 9)
    assert timezone.is_aware(mine.closes_at)


# --- Membership growth ---------------------------------------------------------------------------


def test_growth_runs_month_by_month_to_now_with_the_default_target():
    MemberFactory(joined_on=date(2026, 1, 15))
    MemberFactory(joined_on=date(2026, 1, 20))
    MemberFactory(joined_on=date(2026, 4, 2))
    MemberFactory(joined_on=date(2026, 2, 2), status=MembershipStatus.ENDED)  # ended: not counted

    insight = membership_growth_insight()

    months = insight.months
    assert [(month.month, month.joined, month.total) for month in months[:4]] == [
        (date(2026, 1, 1), 2, 2),
        (date(2026, 2, 1), 0, 2),
        (date(2026, 3, 1), 0, 2),
        (date(2026, 4, 1), 1, 3),
    ]
    assert months[-1].month == max(date(2026, 4, 1), timezone.localdate().replace(day=1))
    assert (insight.target_members, insight.target_is_default) == (5000, True)
    assert insight.percent_of_target == pytest.approx(0.06)


def test_representations_by_every_dimension_from_one_query_equal_each_dimension_alone(django_assert_num_queries):
    round = review_round()
    north, south = RegionFactory(name="North"), RegionFactory(name="South")
    decided_group(round, north, decided=3, accepted=1)
    decided_group(round, south, decided=2, accepted=2, role=RoleCategory.MANAGER)
    submitted_application(round, region=south)  # in the pool, not decided yet

    with django_assert_num_queries(1):
        together = representations(round=round, threshold=5, min_size=1)

    alone = [representation(round=round, dimension=dimension, threshold=5, min_size=1) for dimension in Dimension.ALL]
    assert together == alone
    by_region = {row.name: (row.pool, row.decided, row.accepted, row.flag) for row in together[0].rows}
    assert by_region == {"North": (3, 3, 1, "lower"), "South": (3, 2, 2, "higher")}
