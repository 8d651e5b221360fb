"""Every insight page, and each download, costs exactly the same number of
queries with 20 applications as with 2,000 (6,000 reviews, 18,000 scores, 300
reviewers; the downloads stream several chunks): everything is aggregated in the
database, so a query added per row, per reviewer or per round fails here. (The
speed at 10,000 and 100,000 is the benchmark's: `make bench`, `make bench-flat`.)"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from selection.exports import ExportKind
from tests.factories import programme_team, with_totp
from tests.factories.insight import BuiltRound, insight_round
from tests.factories.members import MemberFactory

pytestmark = pytest.mark.django_db

ROUND_PAGES = [
    "selection:insight_round",
    "selection:insight_funnel",
    "selection:insight_representation",
    "selection:insight_calibration",
    "selection:insight_scores",
    "selection:insight_nominations",
]


def queries_of_every_page(client, built: BuiltRound, size: int) -> dict[str, int]:
    """Each insight page's and download's query count for `built`, checking on
    the way that each shows the round's data (a download's rows streamed). The
    content types' cache is emptied before each, so every count includes the
    look-up its audit entry makes, whichever page came first."""
    counts = {}
    pages = [reverse("selection:insight"), reverse("selection:insight_growth")]
    pages += [reverse(name, kwargs={"pk": built.round.pk}) for name in ROUND_PAGES]
    for url in pages:
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert 'role="img"' in response.content.decode() or url == pages[0], url
        counts[url.replace(str(built.round.pk), "<round>")] = len(queries)
    assert built.round.name in client.get(pages[0]).content.decode()
    for kind in ExportKind.ALL:
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(f"selection:insight_export_{kind}", kwargs={"pk": built.round.pk}))
            lines = sum(1 for _line in response.streaming_content)
        counts[f"export {kind}"] = len(queries)
        if kind in (ExportKind.APPLICATIONS, ExportKind.REVIEWS):
            assert lines == 2 + size * (1 if kind == ExportKind.APPLICATIONS else 3)
    return counts


def test_insight_pages_and_downloads_cost_the_same_queries_at_20_and_2000_applications(client):
    MemberFactory.create_batch(3)
    client.force_login(with_totp(programme_team()))
    client.get(reverse("selection:programme_home"))  # the session's first save is not the pages'

    at_20 = queries_of_every_page(client, insight_round(20, reviewers=8), 20)
    at_2000 = queries_of_every_page(client, insight_round(2_000, reviewers=300), 2_000)

    assert at_2000 == at_20
    # The page's own queries, the round, the criteria, an audit entry for a download.
    assert max(at_20.values()) <= 14, at_20
