import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# RFC 5322 field-name: printable US-ASCII except the colon.
_HEADER_NAME = re.compile(r"[!-9;-~]+")

# Headers the outbox writes itself; a caller setting one would change who the
# email claims to be from or to, or break de-duplication by Message-ID.
RESERVED_HEADERS = frozenset(
    {
        "bcc",
        "cc",
        "content-transfer-encoding",
        "content-type",
        "date",
        "from",
        "message-id",
        "mime-version",
        "sender",
        "subject",
        "to",
    }
)


def validate_single_line(value: str) -> None:
    """A line break in a header value would let the text add headers of its own."""
    if "\n" in value or "\r" in value:
        raise ValidationError(_("This must be a single line."), code="line_break")


def validate_extra_headers(value) -> None:
    """Extra headers (List-Unsubscribe and the like): a flat dict of single-line
    strings, none of them one the outbox sets itself."""
    if not isinstance(value, dict):
        raise ValidationError(_("Headers must be a mapping of names to values."), code="not_a_dict")
    for name, header_value in value.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise ValidationError(_("%(name)r is not a valid header name."), code="bad_name", params={"name": name})
        if name.lower() in RESERVED_HEADERS:
            raise ValidationError(
                _("The outbox sets the %(name)s header itself."), code="reserved", params={"name": name}
            )
        if not isinstance(header_value, str):
            raise ValidationError(_("The %(name)s header must be text."), code="not_text", params={"name": name})
        validate_single_line(header_value)
