"""Equality impact by stage: counts from the monitoring answers, kept apart from
selection, erasure keeping the rounds' counts, flat query counts, and the
separation (reviewers and moderators see none of it)."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from equality.models import MonitoringResponse, StageTally
from equality.services import monitoring_response_save
from selection.choices import DecisionOutcome, PlaceOfferStatus
from selection.models import PlaceOffer
from selection.selectors.equality import equality_impact
from selection.selectors.privacy import data_subject_for
from selection.services.privacy import person_erase
from tests.factories import programme_team, with_totp
from tests.factories.decisions import decided, team_member
from tests.factories.privacy import reviewed_round
from tests.factories.selection import (
    agreement_accepted,
    assign,
    bulk_submitted_applications,
    review_round,
    submitted_application,
)

pytestmark = pytest.mark.django_db


def answer(user, **answers):
    return monitoring_response_save(user=user, answers=answers, by=user)


def offer(application, status=PlaceOfferStatus.OFFERED):
    now = timezone.now()
    return PlaceOffer.objects.create(
        application=application,
        round=application.round,
        status=status,
        offered_at=now,
        respond_by=now + timedelta(days=14),
    )


def cells(impact, characteristic, group_label):
    table = next(table for table in impact.tables if table.characteristic == characteristic)
    row = next(row for row in (*table.rows, table.total) if row.label == group_label)
    return {stage: cell.count for stage, cell in row.cells.items()}


def text_of(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture
def round_with_answers():
    """Six women (four selected, three offered, two took up), six men (one
    selected), one who prefers not to say, one who never answered."""
    round = review_round()
    people = {}
    for position in range(6):
        application = submitted_application(round)
        answer(application.applicant, sex="female", ethnic_group="black_african", disability="yes")
        if position < 4:
            decided(application, DecisionOutcome.ACCEPT)
        if position < 3:
            offer(application, PlaceOfferStatus.CONFIRMED if position < 2 else PlaceOfferStatus.OFFERED)
        people.setdefault("women", []).append(application)
    for position in range(6):
        application = submitted_application(round)
        answer(application.applicant, sex="male", ethnic_group="white_british", disability="no")
        decided(application, DecisionOutcome.ACCEPT if position == 0 else DecisionOutcome.UNSUCCESSFUL)
        people.setdefault("men", []).append(application)
    private = submitted_application(round)
    answer(private.applicant, sex="prefer_not")
    silent = submitted_application(round)
    return round, people, private, silent


def test_stage_counts_by_group_with_prefer_not_to_say_and_not_answered(round_with_answers):
    round, *_ = round_with_answers
    impact = equality_impact(round=round, threshold=0)
    assert cells(impact, "sex", "Female") == {
        "registered": 0,
        "started": 6,
        "submitted": 6,
        "selected": 4,
        "offered": 3,
        "took_up": 2,
    }
    assert cells(impact, "sex", "Male") == {
        "registered": 0,
        "started": 6,
        "submitted": 6,
        "selected": 1,
        "offered": 0,
        "took_up": 0,
    }
    assert cells(impact, "sex", "Prefer not to say")["submitted"] == 1
    assert cells(impact, "sex", "Not answered")["submitted"] == 1
    assert cells(impact, "sex", "Everyone")["submitted"] == 14
    # Ethnic groups are analysed by the census's high-level groups.
    assert cells(impact, "ethnic_group", "Black, Black British, Caribbean or African")["selected"] == 4
    # No nominations in the round: no nominated stage.
    assert [stage for stage, *_ in impact.stages] == [
        "registered",
        "started",
        "submitted",
        "selected",
        "offered",
        "took_up",
    ]


def test_men_selected_at_a_sixth_the_rate_is_a_ratio_below_four_fifths(round_with_answers):
    round, *_ = round_with_answers
    impact = equality_impact(round=round, threshold=0)
    table = next(table for table in impact.tables if table.characteristic == "sex")
    male = next(row for row in table.rows if row.label == "Male").cells["selected"]
    assert male.rate == pytest.approx(1 / 6)
    assert male.ratio == pytest.approx((1 / 6) / (4 / 6))
    # 1 of 6 against 4 of 6 (5 selected of 12): p = 0.242 by Fisher's test, so
    # below four-fifths but it could be chance; not flagged as a gap.
    # By hand: 12 people, 5 selected; P(k of the 6 men) = C(6, k) C(6, 5 - k) / 792,
    # and the tables as unlikely as k = 1 (90) are k = 0, 1, 4, 5: (6 + 90 + 90 + 6) / 792.
    assert male.p_value == pytest.approx(192 / 792)
    assert male.flag == "possible"


def test_with_the_default_threshold_small_cells_are_fewer_than_five(round_with_answers):
    round, *_ = round_with_answers
    impact = equality_impact(round=round)
    table = next(table for table in impact.tables if table.characteristic == "sex")
    female = next(row for row in table.rows if row.label == "Female")
    assert female.cells["submitted"].suppressed is False
    assert female.cells["selected"].suppressed is True  # 4
    assert female.cells["selected"].rate is None


def test_erasure_deletes_the_answers_and_the_round_keeps_its_counts_by_category(round_with_answers):
    round, people, *_ = round_with_answers
    before = equality_impact(round=round, threshold=0)
    woman = people["women"][0].applicant
    person_erase(subject=data_subject_for(user=woman), reason="Asked to be forgotten", by=team_member())
    assert not MonitoringResponse.objects.filter(user_id=woman.pk).exists()
    assert (
        StageTally.objects.filter(round=round, characteristic="sex", category="female", stage="took_up").get().count
        == 1
    )
    after = equality_impact(round=round, threshold=0)
    for table_before, table_after in zip(before.tables, after.tables, strict=True):
        for row_before, row_after in zip(table_before.lines, table_after.lines, strict=True):
            assert row_before[0].label == row_after[0].label
            assert [cell.count for *_, cell in row_before[1]] == [cell.count for *_, cell in row_after[1]]


def test_retention_anonymising_an_application_keeps_the_counts(round_with_answers):
    from q_portal.retention.services import retention_run

    round, people, *_ = round_with_answers
    before = cells(equality_impact(round=round, threshold=0), "sex", "Male")
    man = people["men"][1]
    man.decision.released_at = timezone.now() - timedelta(days=800)
    man.decision.save(update_fields=["released_at"])
    man.outcome = "unsuccessful"
    man.outcome_released_at = timezone.now() - timedelta(days=800)
    man.save(update_fields=["outcome", "outcome_released_at"])
    retention_run()
    man.refresh_from_db()
    assert man.applicant_id is None  # anonymised by the policy
    assert cells(equality_impact(round=round, threshold=0), "sex", "Male") == before
    assert (
        StageTally.objects.filter(round=round, characteristic="sex", category="male", stage="submitted").get().count
        == 1
    )


def test_a_registration_counts_by_the_answers_of_the_account_with_its_address(round_with_answers):
    from applications.choices import SubscriptionStatus
    from applications.models import UpdateSubscription

    round, people, *_ = round_with_answers
    UpdateSubscription.objects.create(
        email=people["women"][0].applicant.email.upper(),
        status=SubscriptionStatus.CONFIRMED,
        consented_at=round.opens_at - timedelta(days=2),
        confirmed_at=round.opens_at - timedelta(days=1),
    )
    UpdateSubscription.objects.create(
        email="nobody@example.org",
        status=SubscriptionStatus.CONFIRMED,
        consented_at=round.opens_at - timedelta(days=2),
        confirmed_at=round.opens_at - timedelta(days=1),
    )
    impact = equality_impact(round=round, threshold=0)
    assert cells(impact, "sex", "Female")["registered"] == 1
    assert cells(impact, "sex", "Not answered")["registered"] == 1


def test_equality_page_query_count_is_flat_at_two_round_sizes(client, django_assert_num_queries):
    client.force_login(with_totp(programme_team()))
    # Warm the per-process caches (content types for the audit entry) first.
    client.get(reverse("selection:insight_equality", kwargs={"pk": review_round().pk}))
    counts = []
    for size in (5, 40):
        round = review_round()
        for application in bulk_submitted_applications(round, size, start=size * 10):
            answer(application.applicant, sex="female" if application.pk % 2 else "male", age_band="35_44")
        url = reverse("selection:insight_equality", kwargs={"pk": round.pk})
        with django_assert_num_queries(11) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_equality_page_shows_suppressed_cells_and_the_flagged_gap_and_is_audited(client):
    from q_portal.audit.models import AuditEntry

    round = review_round()
    for position in range(40):
        application = submitted_application(round)
        sex = "female" if position < 20 else "male"
        answer(application.applicant, sex=sex)
        selected = position < 16 if sex == "female" else position < 23
        decided(application, DecisionOutcome.ACCEPT if selected else DecisionOutcome.UNSUCCESSFUL)
    team = with_totp(programme_team())
    client.force_login(team)
    response = client.get(reverse("selection:insight_equality", kwargs={"pk": round.pk}))
    text = text_of(response)
    assert "1 gap is flagged." in text
    assert "Sex: Male, at “Selected (above the line)”" in text
    assert "fewer than 5" in text
    assert AuditEntry.objects.filter(action="equality.analysis_viewed", actor=team).count() == 1
    csv = b"".join(
        client.get(
            reverse("selection:insight_equality", kwargs={"pk": round.pk}) + "?csv=equality_sex"
        ).streaming_content
    ).decode()
    assert "fewer than 5" in csv
    assert "Flagged: below four-fifths of the highest rate, unlikely to be chance" in csv


def test_reviewers_and_moderators_see_no_monitoring_answers_anywhere(client, round_with_answers):
    """A distinctive answer ("Bisexual") for an applicant the reviewer scores and
    the programme team moderates: in none of their pages or downloads."""
    data = reviewed_round(size=2)
    application = data.applications[0]
    answer(application.applicant, sexual_orientation="bisexual", religion="sikh", ethnic_group="other_arab")
    words = ["Bisexual", "Sikh", "Arab", "sexual orientation", "Equality monitoring"]
    reviewer = data.reviewers[0]
    assignment = reviewer.assignments.filter(application=application).first() or assign(application, reviewer)
    agreement_accepted(reviewer, application.round)
    client.force_login(reviewer)
    for url in [reverse("selection:reviewer_home"), reverse("selection:review", kwargs={"pk": assignment.pk})]:
        response = client.get(url)
        assert response.status_code == 200
        for word in words:
            assert word not in text_of(response)
    team = with_totp(programme_team())
    client.force_login(team)
    round = data.round
    pages = [
        reverse("selection:board", kwargs={"pk": round.pk}),
        reverse("selection:moderation", kwargs={"pk": round.pk}),
        reverse("selection:application", kwargs={"pk": application.pk}),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        for word in ["Bisexual", "Sikh", "Arab"]:
            assert word not in text_of(response), url
    # The decision room names the categories, with counts only, and two people are
    # fewer than five: nothing about this applicant can be read from it.
    text = text_of(client.get(reverse("selection:decision_room", kwargs={"pk": round.pk})))
    assert "Equality: the proposed cohort against the pool" in text
    assert re.search(r"Bisexual \d", text) is None
    assert "Bisexual fewer than 5" in text
    for kind in ("applications", "reviews"):
        response = client.get(reverse(f"selection:insight_export_{kind}", kwargs={"pk": round.pk}))
        body = b"".join(response.streaming_content).decode()
        for word in ["Bisexual", "Sikh", "Arab", "bisexual", "sikh", "other_arab"]:
            assert word not in body
    # Nor the team's subject access page for the person (only the person sees their answers).
    client.force_login(application.applicant)
    assert "Bisexual" in text_of(client.get(reverse("selection:your_data")))
