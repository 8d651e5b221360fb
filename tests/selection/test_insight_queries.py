"""Every insight page, and each download, costs the same number of queries with
20 applications as with 10,000 (30,000 reviews, 90,000 scores): everything is
aggregated in the database."""

import pytest
from django.urls import reverse

from selection.exports import ExportKind
from tests.factories import programme_team, with_totp
from tests.factories.insight import insight_round
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


@pytest.mark.parametrize("size", [20, 10_000])
def test_insight_query_counts_are_flat(client, django_assert_max_num_queries, size):
    built = insight_round(size, reviewers=300 if size > 100 else 8)
    MemberFactory.create_batch(3)
    client.force_login(with_totp(programme_team()))
    client.get(reverse("selection:programme_home"))  # the session's first save is not the page's

    with django_assert_max_num_queries(11):
        response = client.get(reverse("selection:insight"))
    assert built.round.name in response.content.decode()
    with django_assert_max_num_queries(11):
        response = client.get(reverse("selection:insight_growth"))
    assert "Members over time" in response.content.decode()
    for name in ROUND_PAGES:
        with django_assert_max_num_queries(14):
            response = client.get(reverse(name, kwargs={"pk": built.round.pk}))
        assert response.status_code == 200, name
        assert 'role="img"' in response.content.decode()
    for kind in ExportKind.ALL:
        # The page's own, the round, the criteria and the audit entry.
        with django_assert_max_num_queries(13):
            response = client.get(reverse(f"selection:insight_export_{kind}", kwargs={"pk": built.round.pk}))
        # Every row, however many, comes from one query read in chunks.
        with django_assert_max_num_queries(1):
            lines = sum(1 for _line in response.streaming_content)
        if kind in (ExportKind.APPLICATIONS, ExportKind.REVIEWS):
            assert lines == 2 + size * (1 if kind == ExportKind.APPLICATIONS else 3)
    # Not a benchmark, a guard: no page takes seconds at 10,000 applications.
