"""The one CSV reader and the one CSV writer (q_portal.spreadsheets), the one
rate-limit helper and the one audit diff."""

import datetime

import pytest
from django import forms

from q_portal.audit.services import audit_diff
from q_portal.rate_limits import rate_limit_take, rate_limit_used
from q_portal.spreadsheets import csv_download, csv_forms, csv_rows


@pytest.mark.parametrize(
    "content",
    ["name,email\r\nZoë,z@example.org\r\n".encode("utf-8-sig"), "name,email\nZoë,z@example.org\n".encode("cp1252")],
)
def test_csv_rows_reads_what_spreadsheets_save(content):
    assert csv_rows(content) == [["name", "email"], ["Zoë", "z@example.org"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        ("name\n".encode("utf-16"), "The file is not a CSV file. Save it as “CSV UTF-8” and upload it again."),
        (
            b"name\n" + b"a" * 131_073 + b"\n",
            "A cell on line 2 is longer than 131,072 characters. Shorten it and upload the file again.",
        ),
    ],
)
def test_csv_rows_says_what_is_wrong_with_the_file(content, message):
    with pytest.raises(forms.ValidationError) as error:
        csv_rows(content)
    assert error.value.messages == [message]


class _PersonForm(forms.Form):
    email = forms.EmailField()


def test_csv_forms_checks_each_row_as_the_form_does():
    checked = [(row, form.is_valid()) for row, form in csv_forms([(2, {"email": "a@b.org"}), (3, {})], _PersonForm)]
    assert checked == [(2, True), (3, False)]


def test_csv_download_streams_every_row_with_formulas_defused():
    response = csv_download(filename="people.csv", header=["name", "n"], rows=iter([["=SUM(A1)", 3], ["@x", -1]]))

    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content).decode() == "\ufeffname,n\r\n'=SUM(A1),3\r\n'@x,-1\r\n"


def test_rate_limit_counts_uses_in_its_window():
    taken = [rate_limit_take(key="test:rate", limit=2, window_seconds=60) for _ in range(3)]
    assert (taken, rate_limit_used(key="test:rate")) == ([True, True, False], 3)


def test_audit_diff_lists_only_what_changed_as_json_keeps_it():
    before = {"name": "Pilot", "opens_at": datetime.date(2026, 1, 5), "routes": ["b", "a"]}
    after = {"name": "Pilot", "opens_at": datetime.date(2026, 2, 1), "routes": ["a", "c"]}
    assert audit_diff(before, after) == {"opens_at": ["2026-01-05", "2026-02-01"], "routes": [["a", "b"], ["a", "c"]]}
