"""Checks shared by forms and services."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # refuse decompression bombs well before Pillow's own limit
PHOTO_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
PHOTO_SIZE = 800  # the longest side after re-encoding
MAX_LINKS = 5


def validate_photo_size(upload) -> None:
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo must be smaller than 5 MB."), code="too_large")


def validate_link(value: str) -> str:
    """A web link that starts with https:// or http:// and names a host."""
    value = value.strip()
    URLValidator(schemes=["http", "https"], message=_("Enter a link that starts with https://"))(value)
    if not urlsplit(value).hostname:
        raise ValidationError(_("Enter a link that starts with https://"), code="invalid")
    return value
