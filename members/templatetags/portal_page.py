"""Page-wide template helpers the base template uses."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.filter
def error_title(title, form=None):
    """Lead the page title with "Error: " while the page's form shows errors
    (the GOV.UK pattern: a screen reader announces it first). A title that
    already says so is left alone."""
    prefix = gettext("Error:")
    errors = getattr(form, "errors", None)
    text = conditional_escape(title)
    if not errors or str(text).lstrip().startswith(prefix):
        return text
    return mark_safe(f"{conditional_escape(prefix)} {str(text).lstrip()}")  # noqa: S308 - both parts escaped
