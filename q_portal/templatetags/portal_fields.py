"""What `templates/includes/field.html` needs to render a form field with Django's
own widgets: which kind of widget it is, and the control with Bootstrap's
classes added (`{% field_control field "form-control is-invalid" %}`).

The control's class is the widget's own class (if any), then the widget's name
in lower case (`textinput`, `select`: what browser tests and CSS may select on),
then the classes given. Django adds `aria-describedby` and `aria-invalid`."""

from django import forms, template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_radioselect(field) -> bool:
    widget = field.field.widget
    return isinstance(widget, forms.RadioSelect) and not isinstance(widget, forms.CheckboxSelectMultiple)


@register.filter
def is_checkboxselectmultiple(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxSelectMultiple)


@register.filter
def is_select(field) -> bool:
    return isinstance(field.field.widget, forms.Select)


def _classes(widget, extra: str) -> str:
    classes = widget.attrs.get("class", "").split()
    name = type(widget).__name__.lower()
    if not any(name in existing for existing in classes):
        classes.append(name)
    for added in extra.split():
        if added not in classes:
            classes.append(added)
    return " ".join(classes)


@register.simple_tag
def field_control(field, css_class: str = ""):
    """The field's control (and its hidden initial value, if the field shows one)."""
    widget = field.field.widget
    html = field.as_widget(attrs={"class": _classes(widget, css_class)})
    if field.field.show_hidden_initial:
        html += field.as_hidden(only_initial=True)
    return mark_safe(html)  # noqa: S308 - rendered by Django's widget templates, which escape
