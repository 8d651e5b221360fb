"""How the reviewer's queue says when reviews are due: "due today", "due Friday"
within the week, "due 12 December" further off, "was due 3 December" once past."""

from datetime import date

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def due_phrase(due_on: date | str | None) -> str:
    if isinstance(due_on, str):  # as assigned before the row is read back
        try:
            due_on = date.fromisoformat(due_on)
        except ValueError:
            return ""
    if due_on is None:
        return ""
    today = timezone.localdate()
    days = (due_on - today).days
    if days < 0:
        return _("was due %(date)s") % {"date": date_format(due_on, "j F")}
    if days == 0:
        return _("due today")
    if days == 1:
        return _("due tomorrow")
    if days < 7:
        return _("due %(weekday)s") % {"weekday": date_format(due_on, "l")}
    return _("due %(date)s") % {"date": date_format(due_on, "j F")}
