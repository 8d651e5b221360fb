"""`{{ value|uk_datetime }}` and `{{ value|uk_datetime:"weekday" }}`: see q_portal/uk_time.py."""

from django import template

from q_portal import uk_time

register = template.Library()


@register.filter
def uk_datetime(value, style: str = ""):
    if not hasattr(value, "hour"):
        return value
    return uk_time.uk_datetime(value, weekday=style == "weekday")
