"""Page-wide template helpers the base template uses."""

from django import template
from django.forms import BaseForm, BaseFormSet
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag(takes_context=True)
def page_shows_errors(context) -> bool:
    """Whether the page shows form errors: its `form` has errors, or, in answer to
    a POST, any other form it validated (`reply_form`, `add_form`...) has. A form
    bound to a GET query (a filter) that no one validated is not validated here."""
    form = context.get("form")
    if isinstance(form, BaseForm | BaseFormSet) and form.errors:
        return True
    request = context.get("request")
    if request is None or request.method != "POST":
        return False
    for value in context.flatten().values():
        if isinstance(value, BaseForm | BaseFormSet) and getattr(value, "_errors", None):
            return True
    return False


@register.filter
def error_title(title, errors=False):
    """Lead the page title with "Error: " while the page shows errors (the GOV.UK
    pattern: a screen reader announces it first). `errors`: `page_shows_errors`,
    or a form. A title that already says so is left alone."""
    prefix = gettext("Error:")
    if not isinstance(errors, bool):
        errors = bool(getattr(errors, "errors", None))
    text = conditional_escape(title)
    if not errors or str(text).lstrip().startswith(prefix):
        return text
    return mark_safe(f"{conditional_escape(prefix)} {str(text).lstrip()}")  # noqa: S308 - both parts escaped
