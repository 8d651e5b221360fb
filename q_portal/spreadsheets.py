"""CSV files as people's spreadsheets write and read them: the one reader every
import uses and the one streaming writer every export uses.

Reading (`csv_text`, `csv_rows`, `csv_forms`): bytes as saved by Excel, Numbers
or LibreOffice (UTF-8 with or without a byte-order mark, else Windows-1252),
split into rows; whatever is wrong with the file as a whole is a
`ValidationError` to show next to the file field (never a 500: a cell longer
than `csv.field_size_limit()` is one of those), and each row is then checked by
a Django form, so an import says what is wrong with a row the way the single
form would. Copy from `applications/forms/nominations.py` (`cohort_rows_from_csv`).

Writing (`csv_download`): rows streamed as they are read, a byte-order mark so
spreadsheets read UTF-8, and every text defused so a spreadsheet will not run it
as a formula. Copy from `selection/exports.py`."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django import forms
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

__all__ = ["csv_download", "csv_forms", "csv_lines", "csv_rows", "csv_safe", "csv_text"]

ENCODINGS = ("utf-8-sig", "cp1252")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(content: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark dropped), else Windows-1252, else
    a ValidationError. NULs in the first line are a file that is not CSV text (a
    spreadsheet's own format, or UTF-16); elsewhere they are dropped."""
    for encoding in ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise forms.ValidationError(
            _("The file could not be read as text. Save it as “CSV UTF-8” and upload it again."), code="encoding"
        )
    if "\x00" in text.partition("\n")[0]:
        raise forms.ValidationError(
            _("The file is not a CSV file. Save it as “CSV UTF-8” and upload it again."), code="not_csv"
        )
    # A NUL in a cell is invisible in a spreadsheet and cannot be stored in PostgreSQL.
    return text.replace("\x00", "")


def csv_rows(content: bytes | str) -> list[list[str]]:
    """Every row of the file (the headings first), or a ValidationError saying
    what is wrong with the file: not text, not CSV, a cell too long, empty."""
    text = csv_text(content) if isinstance(content, bytes) else content.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise forms.ValidationError(
                _("A cell on line %(line)s is longer than %(limit)s characters. Shorten it and upload the file again."),
                code="cell_too_long",
                params={"line": reader.line_num, "limit": f"{csv.field_size_limit():,}"},
            ) from error
        raise forms.ValidationError(
            _("The file could not be read as CSV (line %(line)s: %(reason)s)."),
            code="not_csv",
            params={"line": reader.line_num, "reason": error},
        ) from error
    if not rows:
        raise forms.ValidationError(_("The file is empty."), code="empty")
    return rows


def csv_forms(records: Iterable[tuple[int, dict]], form_class: type[forms.Form], **form_kwargs):
    """Check each row as the single form checks it: `(row number, bound form)`
    for each `(row number, form data)`; call `form.is_valid()` or read
    `form.errors`."""
    for number, data in records:
        yield number, form_class(data=data, **form_kwargs)


class _Echo:
    """A file that hands back what is written, for csv.writer to format one row."""

    def write(self, value):
        return value


def csv_safe(value):
    """Keep a spreadsheet from running text as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_lines(header: Sequence, rows: Iterable[Iterable]) -> Iterator[str]:
    """The file's text, a line at a time: a byte-order mark, the headings, then
    each row (read lazily) with every value defused."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so spreadsheets read the file as UTF-8
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_safe(value) for value in row])


def csv_download(*, filename: str, header: Sequence, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A CSV download streamed as `rows` is read (pass a queryset's
    `.iterator(chunk_size=...)` so memory stays flat), never cached."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
