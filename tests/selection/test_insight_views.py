"""The insight pages as the programme team sees them: the numbers on each page
agree with counts taken from the rows, flags are marked in words, bad query
strings get an error next to the field (never a 500), chart figures download as
CSV (audited), and no one but the programme team gets in."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.choices import RoundStatus
from members.models import GrowthTarget
from q_portal.audit.models import AuditEntry
from selection.choices import DecisionOutcome
from selection.models import Decision
from tests.factories import RegionFactory, programme_team, reviewer, with_totp
from tests.factories.applications import RoundFactory
from tests.factories.insight import decide, insight_round
from tests.factories.members import MemberFactory
from tests.factories.selection import review_round, submitted_application

pytestmark = pytest.mark.django_db

PAGES = [
    "selection:insight_round",
    "selection:insight_funnel",
    "selection:insight_representation",
    "selection:insight_calibration",
    "selection:insight_scores",
    "selection:insight_nominations",
]


def text_of(response) -> str:
    """The page's visible text, tags removed, whitespace collapsed."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture
def built(db):
    return insight_round(60, reviewers=8, name="Wider round 2027")


def url(name, round):
    return reverse(name, kwargs={"pk": round.pk})


def test_insight_home_lists_rounds_with_their_numbers_and_offers_the_latest(client, team, built):
    RoundFactory(status=RoundStatus.DRAFT, name="Draft round")

    response = client.get(reverse("selection:insight"))

    page = text_of(response)
    assert "See Wider round 2027" in page
    accepted = Decision.objects.filter(round=built.round, outcome=DecisionOutcome.ACCEPT).count()
    assert f"Wider round 2027 Decided {built.round.closes_at:%-d %B %Y} 60 60 {accepted} 100" in page
    assert "Draft round" not in page
    assert "Membership growth" in page


def test_insight_home_links_to_the_community_insight_pages_each_of_which_opens(client, team):
    page = client.get(reverse("selection:insight")).content.decode()

    for title, name in [
        ("Events by region", "events:insight"),
        ("Q Exchange calls and their votes", "exchange:programme_calls"),
        ("Funded projects", "funding:programme_projects"),
    ]:
        assert f'<a href="{reverse(name)}">{title}</a>' in page
        assert client.get(reverse(name)).status_code == 200


def test_programme_dashboard_links_to_insight(client, team):
    response = client.get(reverse("selection:programme_home"))

    assert f'href="{reverse("selection:insight")}"' in response.content.decode()


def test_round_overview_shows_the_numbers_and_narrows_them_with_the_filters(client, team, built):
    region = built.regions[0]
    in_region = built.round.applications.filter(region=region)

    everything = text_of(client.get(url("selection:insight_round", built.round)))
    narrowed = client.get(url("selection:insight_round", built.round), {"region": region.pk})

    accepted = Decision.objects.filter(round=built.round, outcome=DecisionOutcome.ACCEPT)
    assert f"Accepted {accepted.count()} " in everything
    assert "Submitted 60 " in everything
    page = text_of(narrowed)
    assert f"Showing only: {region.name}." in page
    assert f"Submitted {in_region.count()} " in page
    assert f"Accepted {accepted.filter(application__region=region).count()} " in page
    # The downloads keep the filter.
    downloads = re.findall(r'href="([^"]*/download/[^"]*)"', narrowed.content.decode())
    assert len(downloads) == 4
    assert all(link.endswith(f"?region={region.pk}") for link in downloads)


def test_a_wrong_filter_is_explained_at_the_field_and_the_page_shows_everything(client, team, built):
    response = client.get(url("selection:insight_round", built.round), {"region": "999999", "role_category": "pilot"})

    page = text_of(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert page.count("Choose a region from the list.") == 2  # the summary and the field
    assert "Choose a role from the list." in page
    assert "Showing every application until the filters are corrected." in page
    assert "Submitted 60 " in page
    assert response.content.decode().count("aria-invalid") >= 2


def test_funnel_page_charts_the_stages_and_the_days_with_the_deadline(client, team, built):
    response = client.get(url("selection:insight_funnel", built.round))

    html, page = response.content.decode(), text_of(response)
    assert html.count('role="img"') == 2
    assert "60 submitted (100% of those who started)" in page
    assert "Deadline " in page
    days = built.round.applications.values("first_submitted_at__date").distinct().count()
    # The per-day table has every day of the round, with the submissions on 28 of them.
    table = re.search(r'data-chart-table="submissions".*?</table>', html, re.S).group(0)
    counts = [int(cell) for cell in re.findall(r'<td class="text-end">(\d+)</td>', table)]
    assert sum(counts) == 60
    assert len([count for count in counts if count]) == days


def test_representation_marks_flagged_groups_in_the_chart_and_the_table(client, team):
    round = review_round(name="Constructed round")
    north, south = RegionFactory(name="North East"), RegionFactory(name="South West")
    for region, accepted in ((north, 2), (south, 9)):
        for index in range(12):
            decide(submitted_application(round, region=region), "accept" if index < accepted else "unsuccessful")

    response = client.get(url("selection:insight_representation", round), {"threshold": "10", "min_size": "10"})

    html, page = response.content.decode(), text_of(response)
    # Round: 11 of 24 = 46%; North East 17% (lower), South West 75% (higher).
    assert "Round: 46%" in page
    assert "North East (flagged)" in html  # the label on the chart
    assert "South West (flagged)" in html
    assert "Flagged: lower than the round" in page  # the table says it in words
    assert "Flagged: higher than the round" in page
    assert "North East: 17% accepted, lower than the round's 46%" in page


def test_representation_threshold_errors_are_shown_and_defaults_used(client, team, built):
    response = client.get(url("selection:insight_representation", built.round), {"threshold": "-4", "min_size": "ten"})

    page = text_of(response)
    assert "The threshold must be at least 1 percentage point." in page
    assert "Enter the smallest group size as a whole number, like 10." in page
    assert "more than 10 percentage points" in page
    assert 'value="-4"' in response.content.decode()  # what was typed is kept


def test_calibration_page_flags_the_harsh_and_lenient_reviewers_and_pages_the_list(client, team, built):
    response = client.get(url("selection:insight_calibration", built.round))

    page = text_of(response)
    assert "2 of 8 reviewers are flagged." in page
    assert "Krippendorff's alpha" in page
    flagged = client.get(url("selection:insight_calibration", built.round), {"show": "flagged"})
    rows = re.findall(r"<tr>\s*<th scope=\"row\"><a [^>]*>([^<]+)</a>", flagged.content.decode())
    assert sorted(rows) == sorted([built.harsh.display_name, built.lenient.display_name])
    assert "Harsh" in text_of(flagged)
    assert "Lenient" in text_of(flagged)


def test_calibration_page_shows_a_reopened_review_and_a_new_name_at_once(
    client, team, built, django_capture_on_commit_callbacks
):
    """The calibration is kept in the cache between requests; a change to the
    round's reviews, or a reviewer's name, shows on the next one all the same."""
    from selection.models import Review
    from selection.services.reviews import review_reopen

    assert "2 of 8 reviewers are flagged." in text_of(client.get(url("selection:insight_calibration", built.round)))
    type(built.round).objects.filter(pk=built.round.pk).update(status=RoundStatus.IN_REVIEW)
    harsh_reviews = Review.objects.filter(assignment__reviewer=built.harsh, assignment__round=built.round)
    with django_capture_on_commit_callbacks(execute=True):
        for review in harsh_reviews:
            review_reopen(review=review, by=team)
    built.lenient.display_name = "Lenient Renamed"
    built.lenient.save(update_fields=["display_name"])

    page = text_of(client.get(url("selection:insight_calibration", built.round)))

    assert re.search(r"\d+ of 7 reviewers (is|are) flagged\.", page)
    assert "Lenient Renamed" in page
    assert built.harsh.display_name not in page


def test_calibration_reviewer_list_is_paginated(client, team):
    built = insight_round(60, reviewers=30)

    first = client.get(url("selection:insight_calibration", built.round))
    second = client.get(url("selection:insight_calibration", built.round), {"page": "2"})

    assert "Page 1 of 2" in text_of(first)
    names = re.findall(r"Reviewer r\d+ \d{3}", text_of(first) + text_of(second))
    assert len(set(names)) == 30


def test_scores_page_has_a_chart_per_criterion(client, team, built):
    response = client.get(url("selection:insight_scores", built.round))

    html = response.content.decode()
    assert html.count('role="img"') == 3
    assert "Accepted applications scored a mean of" in text_of(response)


def test_nominations_page_lists_organisations_with_quota_and_use(client, team, built):
    response = client.get(url("selection:insight_nominations", built.round))

    page = text_of(response)
    nominated = built.round.nominations.count()
    assert f"Nominated {nominated} " in page
    for organisation in built.organisations:
        assert organisation.name in page


def test_growth_page_shows_members_against_the_target(client, team):
    MemberFactory.create_batch(3)
    GrowthTarget.objects.create(members=5000, by_date="2020-12-31")

    page = text_of(client.get(reverse("selection:insight_growth")))

    assert "3 members: 0% of the target of 5,000 by 31 December 2020" in page
    assert "Members over time" in page


def test_growth_page_uses_the_programmes_aim_when_no_target_is_set(client, team):
    page = text_of(client.get(reverse("selection:insight_growth")))

    assert "uses the programme's aim of 5,000 members" in page


def test_a_chart_downloads_as_csv_with_the_page_filters_and_is_audited(client, team, built):
    region = built.regions[1]

    response = client.get(url("selection:insight_funnel", built.round), {"region": region.pk, "csv": "funnel"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Stage", "Number", "Rate (%)", "Rate of"]
    submitted = built.round.applications.filter(region=region).count()
    assert rows[3][:2] == ["Submitted", str(submitted)]
    entry = AuditEntry.objects.get(action="round.export")
    assert entry.actor == team
    assert entry.changes == {"export": "chart funnel", "region": region.name}


def test_an_unknown_chart_or_a_draft_round_is_not_found(client, team, built):
    assert client.get(url("selection:insight_funnel", built.round), {"csv": "nope"}).status_code == 404
    draft = RoundFactory(status=RoundStatus.DRAFT)
    for name in PAGES:
        assert client.get(url(name, draft)).status_code == 404
    assert not AuditEntry.objects.filter(action="round.export").exists()


@pytest.mark.parametrize("name", [*PAGES, "selection:insight_export_applications"])
def test_no_one_but_the_programme_team_sees_insight(client, name):
    round = review_round(name="Secret round")
    submitted_application(round, full_name="Private Person")
    for user in (reviewer(), with_totp(reviewer())):
        client.force_login(user)
        response = client.get(url(name, round))
        assert response.status_code == 403
        assert "Private Person" not in response.content.decode()
    client.logout()
    assert client.get(url(name, round)).status_code == 302
    client.force_login(programme_team())  # without a second factor
    assert reverse("mfa_activate_totp") in client.get(url(name, round))["Location"]
    assert not AuditEntry.objects.filter(action="round.export").exists()


NASTY = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "-1", "0", "1e309", "NaN", "999999999999999999999", "<script>alert(1)</script>", "\x00"]),
)


def test_any_query_string_gets_a_page_never_a_500(client, team):
    built = insight_round(12, reviewers=4)
    names = [*PAGES, "selection:insight_export_reviews"]
    fields = ["region", "role_category", "route", "outcome", "threshold", "min_size", "show", "page", "csv"]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data):
        name = data.draw(st.sampled_from(names))
        query = {field: data.draw(NASTY) for field in fields if data.draw(st.booleans())}
        response = client.get(url(name, built.round), query)
        assert response.status_code in (200, 400, 404), (name, query, response.status_code)
        if not response.streaming:
            assert "<script>alert(1)</script>" not in response.content.decode()

    check()
