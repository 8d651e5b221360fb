import pytest
from django import forms

from applications.forms.nominations import cohort_rows_from_csv, cohort_template_csv
from members.models import Region

pytestmark = pytest.mark.django_db

HEADER = "Full name,Email,Job title,Role,Region,Supporting statement\n"


@pytest.fixture(autouse=True)
def region():
    return Region.objects.get_or_create(slug="wessex", defaults={"name": "Wessex", "nation": "england"})[0]


def test_template_csv_passes_its_own_check(region):
    Region.objects.get_or_create(slug="west-midlands", defaults={"name": "West Midlands", "nation": "england"})
    rows = cohort_rows_from_csv(cohort_template_csv().encode())
    assert [(row["row"], row["errors"]) for row in rows] == [(2, [])]


def test_rows_are_numbered_as_a_spreadsheet_shows_them_skipping_blank_lines(region):
    content = HEADER + "\n,,,,,\nAna Ruiz,ana@example.org,Nurse,clinician,wessex,Leads huddles.\n"
    rows = cohort_rows_from_csv(content.encode())
    assert [(row["row"], row["values"]["email"], row["values"]["region"]) for row in rows] == [
        (4, "ana@example.org", region.pk)
    ]


def test_windows_encoded_file_is_read(region):
    content = HEADER + "Zoë Brontë,zoe@example.org,Nurse,Manager,Wessex,Leads huddles.\n"
    rows = cohort_rows_from_csv(content.encode("cp1252"))
    assert rows[0]["values"]["full_name"] == "Zoë Brontë"


def test_row_with_extra_cells_is_an_error(region):
    content = HEADER + "Ana Ruiz,ana@example.org,Nurse,Manager,Wessex,Leads huddles.,surprise\n"
    rows = cohort_rows_from_csv(content.encode())
    assert rows[0]["errors"] == [{"column": "", "reason": "The row has more cells than the template's columns."}]


def test_statement_over_word_limit_is_an_error_in_its_column(region):
    content = HEADER + "Ana Ruiz,ana@example.org,Nurse,Manager,Wessex," + " ".join(["word"] * 251) + "\n"
    rows = cohort_rows_from_csv(content.encode())
    assert [error["column"] for error in rows[0]["errors"]] == ["Supporting statement"]


def test_too_many_rows_is_refused(region):
    content = HEADER + "Ana Ruiz,ana@example.org,Nurse,Manager,Wessex,Fine.\n" * 501
    with pytest.raises(forms.ValidationError) as error:
        cohort_rows_from_csv(content.encode())
    assert error.value.messages == ["The file has 501 people. Upload 500 or fewer at a time."]


def test_huge_cell_is_refused_not_crashing(region):
    content = HEADER + '"' + "a" * 200_000 + '",x,y,z,w,v\n'
    with pytest.raises(forms.ValidationError) as error:
        cohort_rows_from_csv(content.encode())
    assert error.value.messages == [
        "A cell on line 2 is longer than 131,072 characters. Shorten it and upload the file again."
    ]
