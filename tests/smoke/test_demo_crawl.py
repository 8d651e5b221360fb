"""The `make run` demo as a newcomer meets it: SQLite, the folder broker, the demo
data loaded twice, then every page each demo account can reach by following the
portal's own links answers 200. Runs only in `make smoke` (the local settings with
DATABASE_URL and REDIS_URL empty); `make test` leaves it out.

The crawl is GET only and bounded: from each account's landing pages it follows
in-site links breadth first, visiting at most `PER_SHAPE` pages of one shape (the
path with its numbers taken out, and the names of its query parameters) and
`PER_ACCOUNT` pages in all, so it sees every kind of page without reading every
row of every list."""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from applications.choices import RoundStatus
from members.demo import DEMO_PASSWORD
from members.models import User
from selection.choices import Recommendation
from selection.models import Assignment
from selection.services.assignments import assignments_auto
from selection.services.reviews import review_save
from tests.factories.selection import closed_round, submitted_application

pytestmark = [pytest.mark.sqlite_smoke, pytest.mark.django_db]

PER_SHAPE = 2
PER_ACCOUNT = 400
# Where each demo account starts; the crawl finds the rest.
ACCOUNTS = {
    None: ["/", "/updates/", "/accounts/login/", "/accounts/signup/", "/privacy/", "/accessibility/"],
    "applicant@example.org": ["/", "/apply/", "/account/data/"],
    "nominator@example.org": ["/", "/nominate/", "/account/data/"],
    "reviewer@example.org": ["/", "/review/", "/account/data/"],
    "reviewer2@example.org": ["/", "/review/"],
    "programme@example.org": ["/", "/programme/", "/programme/insight/", "/programme/waves/"],
    "member@example.org": ["/", "/members/", "/members/me/", "/account/data/"],
    "admin@example.org": ["/", "/admin/"],
}
# Links followed by no crawler: signing out ends the walk, files are not pages.
SKIP = re.compile(r"^/(static|media)/|^/accounts/logout/|^/admin/logout/")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def _in_site_links(page_url: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    links = []
    for href in parser.links:
        parts = urlsplit(urljoin(f"http://testserver{page_url}", href))
        if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        # The admin's filter and sort links are Django's own changelist again.
        if parts.query and parts.path.startswith("/admin/"):
            continue
        if not SKIP.search(parts.path):
            links.append(url)
    return links


def _shape(url: str) -> str:
    parts = urlsplit(url)
    names = sorted({name for name, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(names)


def crawl(client: Client, start: list[str]) -> tuple[int, list[str]]:
    """Visit in-site links from `start`; returns the pages visited and the problems."""
    queue, seen, shapes, problems = deque(start), set(), {}, []
    visited = 0
    while queue and visited < PER_ACCOUNT:
        url = queue.popleft()
        shape = _shape(url)
        # The admin's pages of one kind are Django's own, whatever the model: one of each.
        if url in seen or shapes.get(shape, 0) >= (1 if url.startswith("/admin/") else PER_SHAPE):
            continue
        seen.add(url)
        shapes[shape] = shapes.get(shape, 0) + 1
        visited += 1
        response = client.get(url, follow=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        if response.status_code != 200:
            problems.append(f"{url} -> {final} answered {response.status_code}")
            continue
        if response.get("Content-Type", "").startswith("text/html") and not getattr(response, "streaming", False):
            queue.extend(_in_site_links(final, response.content.decode()))
    return visited, problems


def _mid_review_round():
    """A round just into review: the two demo reviewers assigned, reviewer@ has
    submitted one review and saved another as a draft. So one application has a
    single score, and every group the insight pages summarise (a reviewer's
    scores on a criterion, the scores of the applications not accepted) holds
    one score: a standard deviation of one value, which SQLite once refused."""
    programme = User.objects.get(email="programme@example.org")
    round = closed_round(name="Autumn 2026, mid-review")
    for _n in range(4):
        submitted_application(round)
    assignments_auto(round=round, by=programme)
    round.refresh_from_db()
    assert round.status == RoundStatus.IN_REVIEW
    mine = Assignment.objects.filter(round=round, reviewer__email="reviewer@example.org").order_by("pk")
    for assignment, submit in zip(mine, (True, False), strict=False):
        review_save(
            assignment=assignment,
            by=assignment.reviewer,
            scores={"a": 3, "b": 2, "c": 4},
            comments={},
            recommendation=Recommendation.MAYBE,
            note_to_panel="",
            submit=submit,
        )
    return round


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Migrated by pytest-django (the test database is built by `migrate`), then
    `seed_demo` twice, as `make run` does on every start, and a round mid-review."""
    assert connection.vendor == "sqlite"
    with django_db_blocker.unblock():
        call_command("seed_demo", force=True)
        call_command("seed_demo", force=True)
        yield _mid_review_round()


def _signed_in(email: str | None) -> Client:
    client = Client()
    if email:
        response = client.post(reverse("account_login"), {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"{email} could not sign in"
    return client


@pytest.mark.parametrize("email", list(ACCOUNTS), ids=[email or "visitor" for email in ACCOUNTS])
def test_every_page_a_demo_account_can_reach_answers_200(demo, email):
    visited, problems = crawl(_signed_in(email), ACCOUNTS[email])

    print(f"{email or 'visitor'}: {visited} pages")  # shown with -s: how far the crawl went
    assert problems == []
    assert visited > 5


def test_insight_pages_answer_200_mid_review_with_single_scores(demo):
    client = _signed_in("programme@example.org")
    pages = ["insight_round", "insight_funnel", "insight_representation", "insight_calibration", "insight_scores"]

    answers = {page: client.get(reverse(f"selection:{page}", args=[demo.pk])).status_code for page in pages}

    assert answers == dict.fromkeys(pages, 200)
    calibration = client.get(reverse("selection:insight_calibration", args=[demo.pk])).content.decode()
    assert "Autumn 2026, mid-review" in calibration
