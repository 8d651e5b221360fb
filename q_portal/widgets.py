"""The portal's form renderer: Django's own, with every `<select>` written in
Python instead of through a template for each option.

Django's `select.html` includes `select_option.html` and `attrs.html` once per option:
about 0.2 ms an option, so the member directory's seven filters (51 options) took
a third of the page, and the list of reviewers to add to an application (1,000 at
ten times the size) most of that page. `select_markup` writes the same characters the
templates write (the same attributes in the same order, the same escaping and
localisation, the same whitespace; `tests/q_portal/test_widgets.py` compares the two), so
nothing a browser, a screen reader or a test sees changes.

A widget with a template of its own, or with options rendered by another template,
is rendered by its templates as before."""

from django.forms.renderers import DjangoTemplates
from django.forms.widgets import Select
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData, mark_safe

SELECT_TEMPLATE = Select.template_name
OPTION_TEMPLATE = Select.option_template_name

# What `{{ value }}` does in a template: localised, then escaped unless safe.
_TEMPLATE = Context(autoescape=True)


class PortalFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE and _default_options(context["widget"]):
            return select_markup(context["widget"])
        return super().render(template_name, context, request)


def _default_options(widget: dict) -> bool:
    return all(option["template_name"] == OPTION_TEMPLATE for _, group, _ in widget["optgroups"] for option in group)


def select_markup(widget: dict) -> str:
    """`django/forms/widgets/select.html` for a widget's context, as the template
    would write it (with its line breaks and indentation)."""
    parts = [f'<select name="{_shown(widget["name"])}"{_attributes(widget["attrs"])}>']
    for group_name, group, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group:
            parts.append(
                f'\n  <option value="{_string(option["value"])}"{_attributes(option["attrs"])}>'
                f"{_shown(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped as the template escapes it


def _shown(value) -> str:
    """`{{ value }}`."""
    return render_value_in_context(value, _TEMPLATE)


def _string(value) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe value safe."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)
    return _shown(mark_safe(text) if isinstance(value, SafeData) else text)  # noqa: S308 - it was safe already


def _attributes(attrs: dict) -> str:
    """`django/forms/widgets/attrs.html`: in their order, `True` as the bare name, `False` left out."""
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_string(value)}"'
        for name, value in attrs.items()
        if value is not False
    )
