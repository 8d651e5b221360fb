"""The nominator's and the nominee's forms. `NominationForm` checks one person's
details, typed on the page or read from a row of a cohort CSV file; quota and
duplicate rules are the services'."""

import csv
import io

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Organisation, Region, User
from q_portal.fields import SingleLineCharField
from q_portal.spreadsheets import csv_forms, csv_rows

from ..choices import NomineeProgress, RoleCategory
from ..validators import validate_word_limit

STATEMENT_WORD_LIMIT = 250
MAX_UPLOAD_BYTES = 1024 * 1024
MAX_UPLOAD_ROWS = 500

# The cohort CSV file's columns, in the template's order, and the form field each fills.
CSV_COLUMNS = {
    "Full name": "full_name",
    "Email": "email",
    "Job title": "job_title",
    "Role": "role_category",
    "Region": "region",
    "Supporting statement": "statement",
}
FIELD_COLUMNS = {field: column for column, field in CSV_COLUMNS.items()}


class NominationForm(forms.Form):
    full_name = SingleLineCharField(
        label=_("Full name"), max_length=150, error_messages={"required": _("Enter the person's full name.")}
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send the invitation here. Use the address the person reads at work."),
        error_messages={
            "required": _("Enter the person's email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.org."),
        },
    )
    job_title = SingleLineCharField(
        label=_("Job title"), max_length=150, error_messages={"required": _("Enter the person's job title.")}
    )
    role_category = forms.ChoiceField(
        label=_("Which best describes their role?"),
        choices=RoleCategory.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose which best describes their role."),
            "invalid_choice": _("Choose one of the roles listed."),
        },
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        empty_label=_("Choose a region"),
        help_text=_("Where they mainly work."),
        error_messages={
            "required": _("Choose the region where they mainly work."),
            "invalid_choice": _("Choose a region from the list."),
        },
    )
    statement = forms.CharField(
        label=_("Why they meet the three selection criteria"),
        widget=forms.Textarea(attrs={"rows": 10, "data-word-limit": str(STATEMENT_WORD_LIMIT)}),
        max_length=STATEMENT_WORD_LIMIT * 20,
        help_text=_(
            "Their commitment to collaborative improvement, their role in efforts to improve quality, and "
            "how they reflect on the approaches used. In %(limit)s words or fewer."
        )
        % {"limit": STATEMENT_WORD_LIMIT},
        error_messages={"required": _("Write a supporting statement.")},
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def clean_statement(self):
        text = self.cleaned_data["statement"]
        validate_word_limit(text, STATEMENT_WORD_LIMIT)
        return text


def cohort_template_csv() -> str:
    """The template for a cohort upload: the column headings and one example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerow(
        [
            "Sam Example",
            "sam.example@example.org",
            "Quality improvement lead",
            str(RoleCategory.CLINICIAN.label),
            "West Midlands",
            "Sam co-leads a falls prevention collaborative with patients and three trusts.",
        ]
    )
    return out.getvalue()


def _csv_rows(content: bytes) -> list[list[str]]:
    """The file's rows, or a ValidationError saying what is wrong with the file."""
    rows = csv_rows(content)
    expected = [column.lower() for column in CSV_COLUMNS]
    headers = [header.strip().lower() for header in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    if headers != expected:
        raise forms.ValidationError(
            _(
                "The first row of the file must be the column headings of the template, in this order: "
                "%(expected)s. Download the template and copy your rows into it."
            ),
            code="headers",
            params={"expected": ", ".join(CSV_COLUMNS)},
        )
    return rows


def _form_data(cells: list[str], regions: dict[str, Region]) -> dict[str, str]:
    roles = {value: value for value in RoleCategory.values}
    roles.update({str(label).lower(): value for value, label in RoleCategory.choices})
    padded = [*cells, *[""] * len(CSV_COLUMNS)]
    data = {field: padded[index].strip() for index, field in enumerate(CSV_COLUMNS.values())}
    data["role_category"] = roles.get(data["role_category"].lower(), data["role_category"])
    region = regions.get(data["region"].lower())
    data["region"] = str(region.pk) if region else ("unknown" if data["region"] else "")
    return data


def cohort_rows_from_csv(content: bytes) -> list[dict]:
    """Each person in a cohort file, checked as the single nomination form checks
    them: `{"row": 2, "values": {...} (when valid), "errors": [{"column", "reason"}]}`.
    Rows are numbered as a spreadsheet shows them (the headings are row 1). Raises
    ValidationError for the file as a whole: not CSV, wrong headings, no one in it,
    too many rows."""
    rows = _csv_rows(content)
    people = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]
    if not people:
        raise forms.ValidationError(_("The file has no one in it below the column headings."), code="no_rows")
    if len(people) > MAX_UPLOAD_ROWS:
        raise forms.ValidationError(
            _("The file has %(count)s people. Upload %(limit)s or fewer at a time."),
            code="too_many",
            params={"count": len(people), "limit": MAX_UPLOAD_ROWS},
        )
    regions = {}
    for region in Region.objects.all():
        regions[region.name.lower()] = region
        regions[region.slug.lower()] = region
    checked, seen = [], {}
    forms_by_row = csv_forms(((number, _form_data(cells, regions)) for number, cells in people), NominationForm)
    for (number, form), (_number, cells) in zip(forms_by_row, people, strict=True):
        errors = [
            {"column": FIELD_COLUMNS.get(field, ""), "reason": str(message)}
            for field, messages in form.errors.items()
            for message in messages
        ]
        if any(cell.strip() for cell in cells[len(CSV_COLUMNS) :]):
            errors.append({"column": "", "reason": str(_("The row has more cells than the template's columns."))})
        values = {}
        if not errors:
            values = {**form.cleaned_data, "region": form.cleaned_data["region"].pk}
            email = values["email"].lower()
            if email in seen:
                errors.append(
                    {
                        "column": FIELD_COLUMNS["email"],
                        "reason": str(_("The same address is on row %(row)s of this file.") % {"row": seen[email]}),
                    }
                )
                values = {}
            seen.setdefault(email, number)
        checked.append({"row": number, "values": values, "errors": errors})
    return checked


class CohortUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("A .csv file of up to 1 MB and %(rows)s people, with the columns of the template.")
        % {"rows": MAX_UPLOAD_ROWS},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": _("Choose a CSV file to upload."), "empty": _("The file you chose is empty.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(_("The file must be a CSV file (ending in .csv)."), code="not_csv")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file must be 1 MB or smaller."), code="too_large")
        self.rows = cohort_rows_from_csv(upload.read())
        return upload


class InvitationAcceptForm(forms.Form):
    """Shown when the signed-in account's address is not the one nominated."""

    confirm_address = forms.BooleanField(required=False)

    def __init__(self, *args, needs_confirmation: bool, nominated_email: str, account_email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_confirmation = needs_confirmation
        if needs_confirmation:
            field = self.fields["confirm_address"]
            field.required = True
            field.label = _(
                "I am the person nominated, and I want to apply using %(account)s instead of %(nominated)s"
            ) % {"account": account_email, "nominated": nominated_email}
            field.error_messages["required"] = _(
                "Confirm that you are the person nominated and want to use this account's address."
            )
        else:
            del self.fields["confirm_address"]


class NominatorGrantForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the account"),
        help_text=_("The person must already have an account on the portal."),
        error_messages={
            "required": _("Enter the email address of the nominator's account."),
            "invalid": _("Enter an email address in the correct format, like name@example.org."),
        },
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation they nominate for"),
        queryset=Organisation.objects.order_by("name"),
        empty_label=_("Choose an organisation"),
        error_messages={
            "required": _("Choose the organisation they nominate for."),
            "invalid_choice": _("Choose an organisation from the list."),
        },
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(
                _("There is no account with this email address. Ask the person to create an account first.")
            )
        self.cleaned_data["user"] = user
        return email


class NomineeProgressForm(forms.Form):
    """The nominator's dashboard filter by progress (the query string)."""

    progress = forms.ChoiceField(choices=NomineeProgress.choices, required=False)
