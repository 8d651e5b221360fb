"""On the demo's data (`seed_demo`): applying the whole retention schedule, years
on, leaves every figure the insight pages show as it was; and every person the
demo has, in every role and state, can be erased (and deleted) without the
database refusing."""

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.utils import timezone

from applications.models import Nomination, NominationStatus, Round, UpdateSubscription
from members.models import User
from q_portal.retention.services import retention_run
from selection.selectors.insight import (
    Dimension,
    InsightFilters,
    agreement_over_round,
    criteria_of,
    membership_growth_insight,
    nominating_organisations,
    nomination_totals,
    representation,
    reviewer_calibration,
    round_funnel,
    score_distributions,
    submissions_per_day,
)
from selection.selectors.privacy import data_subject_for
from selection.services.privacy import ERASED_DOMAIN, person_erase
from tests.factories import UserFactory
from tests.factories.nominations import NominationFactory
from tests.factories.privacy import round_statistics

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")


def insight_figures() -> dict:
    """Every figure of the insight pages, for every round, with no filter."""
    figures = {"growth": membership_growth_insight()}
    for round in Round.objects.order_by("pk"):
        criteria = criteria_of(round=round)
        figures[round.pk] = {
            "funnel": round_funnel(round=round, filters=InsightFilters()),
            "days": submissions_per_day(round=round, filters=InsightFilters()),
            "representation": [representation(round=round, dimension=d) for d in Dimension.ALL],
            "calibration": reviewer_calibration(round=round, criteria=criteria),
            "agreement": agreement_over_round(round=round, criteria=criteria),
            "scores": score_distributions(round=round, criteria=criteria, filters=InsightFilters()),
            "nominations": nomination_totals(round=round),
            "organisations": list(nominating_organisations(round=round).values()),
            "statistics": round_statistics(round),
        }
    return figures


def test_the_whole_schedule_years_on_leaves_every_insight_figure_as_it_was(demo):
    with time_machine.travel(timezone.now() + relativedelta(years=7), tick=False):
        before = insight_figures()
        changed = 0
        while True:
            run = retention_run()
            changed += sum(run.counts.values())
            if not run.more_due:
                break
        after = insight_figures()

    assert changed > 50  # the demo's unsuccessful applications, emails, audit entries… were due
    assert after == before


def erase_everyone(by):
    for user in User.objects.exclude(pk=by.pk).order_by("pk"):
        person_erase(subject=data_subject_for(user=user), reason="Demo erasure", by=by)
    without_account = {*Nomination.objects.values_list("email", flat=True)} | {
        *UpdateSubscription.objects.values_list("email", flat=True)
    }
    for email in sorted(without_account):
        if not email.endswith(".invalid"):
            person_erase(subject=data_subject_for(email=email), reason="Demo erasure", by=by)


def test_every_person_the_demo_has_can_be_erased(demo):
    accepted = NominationFactory(status=NominationStatus.ACCEPTED, nominee=UserFactory())  # with no application
    officer = UserFactory(is_superuser=True, is_staff=True)

    erase_everyone(officer)

    remaining = User.objects.exclude(pk=officer.pk)
    # Only reviewers stay, as anonymous placeholders holding their reviews.
    assert list(remaining.exclude(email__endswith=f"@{ERASED_DOMAIN}")) == []
    assert not remaining.filter(is_active=True).exists()
    accepted.refresh_from_db()
    assert (accepted.status, accepted.nominee, accepted.full_name) == ("accepted", None, "")
    assert not Nomination.objects.exclude(full_name="").exists()
    assert not UpdateSubscription.objects.exclude(email__endswith=".invalid").exists()


def test_every_account_the_demo_has_can_be_deleted_outright(demo):
    NominationFactory(status=NominationStatus.ACCEPTED, nominee=UserFactory())

    for user in User.objects.order_by("pk"):
        user.delete()

    assert not User.objects.exists()
    assert Nomination.objects.filter(status=NominationStatus.ACCEPTED, nominee__isnull=True).exists()
