import unicodedata

from django import forms


def normalise_line(value: str) -> str:
    """One line of text as stored: NFC, control characters dropped, whitespace collapsed."""
    value = unicodedata.normalize("NFC", value or "")
    value = "".join(ch if unicodedata.category(ch) != "Cc" else " " for ch in value)
    return " ".join(value.split())


def normalise_text(value: str) -> str:
    """Multi-line text as stored: NFC, control characters other than line breaks and tabs dropped."""
    value = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


class LineField(forms.CharField):
    def to_python(self, value):
        return normalise_line(super().to_python(value))


class TextField(forms.CharField):
    def __init__(self, *args, rows=5, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return normalise_text(super().to_python(value))
