"""The round's CSV downloads: what each contains (against the rows), that the
filters on screen apply, that each is audited, that text cannot become a
spreadsheet formula, and that they stream: memory does not grow with the rows."""

import csv
import gc
import io
import tracemalloc

import pytest
from django.urls import reverse

from applications.models import Application
from q_portal.audit.models import AuditEntry
from q_portal.spreadsheets import csv_lines
from selection.choices import DecisionOutcome, ReviewStatus
from selection.exports import ExportKind, round_export
from selection.models import Assignment, Decision, Review
from selection.selectors.insight import InsightFilters
from tests.factories import programme_team
from tests.factories.insight import decide, insight_round, reviewed, stored_scores
from tests.factories.selection import assign, bulk_submitted_applications, review_round, reviewer_with_profile

pytestmark = pytest.mark.django_db


def download(client, kind, round, **query):
    response = client.get(reverse(f"selection:insight_export_{kind}", kwargs={"pk": round.pk}), query)
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return response, list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def test_applications_export_has_each_submitted_application_with_its_scores_and_decision(client, team):
    round = review_round(name="Pilot 2026")
    first, second = reviewer_with_profile(mfa=False), reviewer_with_profile(mfa=False)
    strong = bulk_submitted_applications(round, 1)[0]
    weak = bulk_submitted_applications(round, 1, start=1)[0]
    reviewed(assign(strong, first), {"a": 4, "b": 3, "c": 4})
    reviewed(assign(strong, second), {"a": 3, "b": 3, "c": 4})
    reviewed(assign(weak, first), {"a": 1, "b": 2, "c": 1})
    stored_scores(strong, normalised=0.75)
    stored_scores(weak)
    decide(strong, DecisionOutcome.ACCEPT, released=True)
    Application.objects.filter(pk=strong.pk).update(job_title='=HYPERLINK("http://evil")')

    response, rows = download(client, "applications", round)

    assert response["Content-Disposition"] == 'attachment; filename="applications-pilot-2026.csv"'
    by_reference = {row["Reference"]: row for row in rows}
    assert set(by_reference) == {strong.reference, weak.reference}
    row = by_reference[strong.reference]
    assert row["Email"] == strong.applicant.email
    assert row["Reviews submitted"] == "2"
    assert row["Mean weighted total"] == "10.5"  # (11 + 10) / 2, as stored for the board
    assert row["Normalised score"] == "0.75"
    assert (row["Mean score (a)"], row["Mean score (b)"], row["Mean score (c)"]) == ("3.5", "3.0", "4.0")
    assert row["Decision"] == "Accept"
    assert row["Released at"] != ""
    assert row["Job title"] == '\'=HYPERLINK("http://evil")'  # defused
    assert by_reference[weak.reference]["Decision"] == ""
    assert by_reference[weak.reference]["Mean score (b)"] == "2.0"


def test_each_export_is_filtered_as_on_screen_and_matches_the_rows(client, team):
    built = insight_round(40, reviewers=6)
    region = built.regions[2]
    round = built.round

    _response, applications = download(client, "applications", round, region=region.pk, outcome="accept")
    _response, reviews = download(client, "reviews", round, region=region.pk)
    _response, nominations = download(client, "nominations", round, region=region.pk)
    _response, members = download(client, "members", round, region=region.pk)

    accepted_here = Application.objects.filter(round=round, region=region, decision__outcome=DecisionOutcome.ACCEPT)
    assert sorted(row["Reference"] for row in applications) == sorted(accepted_here.values_list("reference", flat=True))
    assert {row["Region"] for row in applications} == {region.name}
    reviews_here = Review.objects.filter(assignment__round=round, assignment__application__region=region)
    assert len(reviews) == reviews_here.count()
    assert {row["Status"] for row in reviews} == {"Submitted"}
    one = reviews_here.select_related("assignment__application").first()
    row = next(
        row
        for row in reviews
        if row["Application"] == one.assignment.application.reference
        and row["Reviewer email"] == one.assignment.reviewer.email
    )
    assert [row["Score (a)"], row["Score (b)"], row["Score (c)"]] == [
        str(score) for score in one.scores.order_by("criterion__letter").values_list("score", flat=True)
    ]
    assert len(nominations) == round.nominations.filter(region=region).count() > 0
    assert len(members) == accepted_here.count()
    assert {row["Application"] for row in members} == {row["Reference"] for row in applications}
    entries = AuditEntry.objects.filter(action="round.export").order_by("pk")
    assert [entry.changes["export"] for entry in entries] == ["applications", "reviews", "nominations", "members"]
    assert entries[0].changes == {"export": "applications", "region": region.name, "decision": "Accept"}
    assert all(entry.actor == team for entry in entries)
    assert region.name in entries[0].summary


def test_members_export_is_empty_for_any_decision_but_accept(client, team):
    built = insight_round(20, reviewers=4)

    _response, rows = download(client, "members", built.round, outcome="waitlist")

    assert rows == []


def test_a_download_with_wrong_filters_is_refused_and_not_audited(client, team):
    round = review_round()

    response = client.get(
        reverse("selection:insight_export_applications", kwargs={"pk": round.pk}), {"region": "not-a-region"}
    )

    assert response.status_code == 400
    assert "Choose a region from the list." in response.content.decode()
    assert not AuditEntry.objects.filter(action="round.export").exists()


def test_draft_reviews_are_exported_marked_as_drafts(client, team):
    round = review_round()
    application = bulk_submitted_applications(round, 1)[0]
    reviewed(assign(application, reviewer_with_profile(mfa=False)), {"a": 2, "b": 2, "c": 2}, draft=True)

    _response, rows = download(client, "reviews", round)

    assert [(row["Status"], row["Submitted at"], row["Score (a)"]) for row in rows] == [("In progress", "", "2")]


def peak_while_streaming(round, kind) -> int:
    """Peak Python memory while the export is written out, row by row."""
    user = programme_team()
    export = round_export(round=round, kind=kind, filters=InsightFilters(), by=user)
    gc.collect()
    tracemalloc.start()
    lines = 0
    for _line in csv_lines(export.header, export.rows):
        lines += 1
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return lines, peak


@pytest.mark.parametrize("kind", [ExportKind.APPLICATIONS, ExportKind.REVIEWS])
def test_exports_stream_memory_does_not_grow_with_rows(kind):
    small_round, large_round = review_round(), review_round()
    for round, size in ((small_round, 1000), (large_round, 5000)):
        applications = bulk_submitted_applications(round, size, start=0 if size == 1000 else 10_000)
        person = reviewer_with_profile(mfa=False)
        assignments = Assignment.objects.bulk_create(
            Assignment(round=round, application=application, reviewer=person) for application in applications
        )
        Review.objects.bulk_create(
            Review(assignment=assignment, status=ReviewStatus.DRAFT) for assignment in assignments
        )
        Decision.objects.bulk_create(
            Decision(application=application, round=round, outcome=DecisionOutcome.ACCEPT, decided_at=round.closes_at)
            for application in applications
        )

    small_lines, small_peak = peak_while_streaming(small_round, kind)
    large_lines, large_peak = peak_while_streaming(large_round, kind)

    assert (small_lines, large_lines) == (1002, 5002)  # a byte-order mark, the header, every row
    # Five times the rows, about the same memory: rows are read in chunks and
    # written one at a time. (Holding them all would take about five times as much.)
    assert large_peak < small_peak * 1.5, (small_peak, large_peak)


def test_the_export_reads_the_database_lazily_while_the_response_is_sent(client, team, django_assert_num_queries):
    round = review_round()
    bulk_submitted_applications(round, 5)

    response = client.get(reverse("selection:insight_export_applications", kwargs={"pk": round.pk}))

    # Nothing has been read yet: the rows are read as the response is consumed.
    with django_assert_num_queries(1):
        body = b"".join(response.streaming_content)
    assert body.count(b"\r\n") == 6
