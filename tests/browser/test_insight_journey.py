"""The programme team opens every insight page on the demo data (the decided
pilot round) and checks that the charts and their tables say what the rows say:
each number here is counted by the test from the rows themselves, not by the
code under test. Every page is also checked by axe-core and for console (CSP)
errors by the `page` fixture."""

import csv
import io
import re
from collections import Counter

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from playwright.sync_api import expect

from applications.models import Application, Nomination, Round, UpdateSubscription
from members.choices import MembershipStatus
from members.demo import DEMO_PASSWORD
from members.models import MemberProfile, User
from selection import demo as selection_demo
from selection.agreement import interval_alpha
from selection.choices import DecisionOutcome, ReviewStatus
from selection.models import CriterionScore, Decision, Review
from tests.browser.accounts import sign_in_with_mfa, with_secret
from tests.factories.insight import decide

pytestmark = pytest.mark.django_db(transaction=True)

POOL = ("submitted", "under_review", "decided")
NO_FIGURE = "\u2013"


def table(page, slug) -> dict[str, list[str]]:
    """A chart's table, opened as a reader would: {row header: [cells]}."""
    figure = page.locator(f"#chart-{slug}")
    if figure.locator("details").get_attribute("open") is None:
        figure.locator("summary").click()
    rows = {}
    for row in figure.locator("tbody tr").all():
        header = row.locator("th").inner_text().strip()
        rows[header] = [cell.inner_text().strip() for cell in row.locator("td").all()]
    return rows


def number(text: str) -> int:
    return int(text.replace(",", ""))


def expect_chart(page, slug, title):
    chart = page.locator(f'svg[data-chart="{slug}"]')
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    expect(page.locator(f"#chart-{slug}-title")).to_have_text(title)
    return chart


@pytest.fixture
def pilot(db):
    call_command("seed_demo", force=True)
    round = Round.objects.get(name=selection_demo.PILOT)
    # The demo decides the pilot; should it not have yet, decide it here so the
    # pages have something to show (the numbers below are counted either way).
    if not Decision.objects.filter(round=round).exists():
        for index, application in enumerate(round.applications.filter(status__in=POOL).order_by("pk")):
            decide(
                application, [DecisionOutcome.ACCEPT, DecisionOutcome.WAITLIST, DecisionOutcome.UNSUCCESSFUL][index % 3]
            )
    return round


def test_programme_team_reads_each_insight_page_and_the_figures_match_the_rows(page, pilot):
    team = User.objects.get(email="programme@example.org")
    Authenticator.objects.filter(user=team).delete()
    secret = with_secret(team)
    pool = list(Application.objects.filter(round=pilot, status__in=POOL).select_related("region", "decision"))
    decisions = Counter(Decision.objects.filter(round=pilot).values_list("outcome", flat=True))

    sign_in_with_mfa(page, "programme@example.org", secret, password=DEMO_PASSWORD)
    page.goto("/programme/")
    page.get_by_role("link", name="Insight", exact=True).click()
    expect(page.get_by_role("heading", name="Insight", level=1)).to_be_visible()
    page.get_by_role("link", name=pilot.name, exact=True).click()

    # Overview: the headline numbers.
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(page.locator('dd[data-number="submitted"]')).to_have_text(str(len(pool)))
    expect(page.locator('dd[data-number="accepted"]')).to_have_text(str(decisions[DecisionOutcome.ACCEPT]))
    expect(page.locator('dd[data-number="waitlisted"]')).to_have_text(str(decisions[DecisionOutcome.WAITLIST]))
    expect(page.locator('dd[data-number="unsuccessful"]')).to_have_text(str(decisions[DecisionOutcome.UNSUCCESSFUL]))

    # The applications download has a row for every application in the pool.
    with page.expect_download() as download:
        page.get_by_role("link", name="Applications with scores and decisions (CSV)").click()
    with open(download.value.path(), encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))
    assert sorted(row["Reference"] for row in rows) == sorted(application.reference for application in pool)

    # Funnel: each stage as counted from the rows.
    nav = page.get_by_role("navigation", name=f"Insight on {pilot.name}")
    nav.get_by_role("link", name="Funnel", exact=True).click()
    expect_chart(page, "funnel", "From registering to a decision")
    expect_chart(page, "submissions", "Applications submitted per day")
    funnel = table(page, "funnel")
    registered = UpdateSubscription.objects.filter(confirmed_at__lte=pilot.closes_at).count()
    expected = pilot.selection_settings.reviewers_per_application
    done = Counter(
        Review.objects.filter(
            assignment__round=pilot,
            assignment__is_moderation=False,
            status=ReviewStatus.SUBMITTED,
            assignment__application__status__in=POOL,
        ).values_list("assignment__application", flat=True)
    )
    assert number(funnel["Registered for updates"][0]) == registered
    assert number(funnel["Started an application"][0]) == Application.objects.filter(round=pilot).count()
    assert number(funnel["Submitted"][0]) == len(pool)
    assert number(funnel["Fully reviewed"][0]) == sum(1 for count in done.values() if count >= expected)
    assert number(funnel["Accepted"][0]) == decisions[DecisionOutcome.ACCEPT]
    assert number(funnel["On the waiting list"][0]) == decisions[DecisionOutcome.WAITLIST]
    days = table(page, "submissions")
    assert sum(number(cells[0]) for cells in days.values()) == sum(
        1 for application in Application.objects.filter(round=pilot) if application.first_submitted_at
    )
    # The bars on the chart are the table's non-zero stages.
    bars = page.locator('svg[data-chart="funnel"] rect')
    expect(bars).to_have_count(sum(1 for cells in funnel.values() if number(cells[0])))

    # Representation: each region's decided and accepted.
    nav.get_by_role("link", name="Representation", exact=True).click()
    expect_chart(page, "region_rates", "Acceptance rate by region")
    rates = table(page, "region_rates")
    by_region = Counter()
    accepted_by_region = Counter()
    for application in pool:
        name = application.region.name if application.region else "Not given"
        if hasattr(application, "decision"):
            by_region[name] += 1
            accepted_by_region[name] += application.decision.outcome == DecisionOutcome.ACCEPT
    assert {name: (number(cells[0]), number(cells[1])) for name, cells in rates.items()} == {
        name: (by_region[name], accepted_by_region[name])
        for name in {a.region.name if a.region else "Not given" for a in pool}
    }
    page.get_by_label(re.compile("Flag a group whose acceptance rate")).fill("1")
    page.get_by_label("and has at least this many decided applications").fill("1")
    page.get_by_role("button", name="Update").click()
    expect(page.locator("[data-flag-rule]")).to_contain_text("at least 1 decided applications")

    # Reviewers: agreement computed here from the scores themselves.
    nav.get_by_role("link", name="Reviewers", exact=True).click()
    expect_chart(page, "agreement", "Agreement between reviewers through the round")
    agreement = page.locator("table[data-agreement]")
    for criterion in pilot.criteria.order_by("letter"):
        units = {}
        for application, score in CriterionScore.objects.filter(
            review__assignment__round=pilot,
            review__assignment__is_moderation=False,
            review__status=ReviewStatus.SUBMITTED,
            criterion=criterion,
        ).values_list("review__assignment__application", "score"):
            units.setdefault(application, []).append(score)
        alpha = interval_alpha(units.values())
        row = agreement.locator("tr", has_text=f"({criterion.letter}) {criterion.title}")
        expect(row.locator("td").first).to_have_text(NO_FIGURE if alpha is None else f"{alpha:.3f}")
    reviewers = (
        Review.objects.filter(assignment__round=pilot, assignment__is_moderation=False, status=ReviewStatus.SUBMITTED)
        .values("assignment__reviewer")
        .distinct()
    )
    expect(page.locator("[data-flagged-count]")).to_contain_text(f"of {reviewers.count()} reviewer")

    # Scores: criterion (a) for the accepted and the rest.
    nav.get_by_role("link", name="Scores", exact=True).click()
    expect_chart(page, "scores_a", pilot.criteria.get(letter="a").__str__())
    scores = table(page, "scores_a")
    counted = Counter(
        (score, outcome == DecisionOutcome.ACCEPT)
        for score, outcome in CriterionScore.objects.filter(
            review__assignment__round=pilot, review__status=ReviewStatus.SUBMITTED, criterion__letter="a"
        ).values_list("score", "review__assignment__application__decision__outcome")
    )
    for level, cells in scores.items():
        assert (number(cells[0]), number(cells[2])) == (counted[(int(level), True)], counted[(int(level), False)])

    # Nominations.
    nav.get_by_role("link", name="Nominations", exact=True).click()
    expect(page.locator('dd[data-number="nominated"]')).to_have_text(
        str(Nomination.objects.filter(round=pilot).count())
    )

    # Membership growth: every member not ended.
    page.goto("/programme/insight/")
    page.get_by_role("link", name="Membership growth").click()
    expect_chart(page, "growth", "Members over time")
    members = MemberProfile.objects.exclude(status=MembershipStatus.ENDED).count()
    expect(page.locator("[data-growth-total]")).to_contain_text(f"{members:,} members")
    regions = table(page, "growth_regions")
    assert sum(number(cells[0]) for cells in regions.values()) == members
