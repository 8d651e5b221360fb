"""Times as the portal writes them, in UK time and GOV.UK style: "4 December
2026, 5:30pm", "9am", and "midday" or "midnight" rather than an ambiguous
"12pm" or "12am" (a deadline must not be misread)."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format


def uk_clock(when: datetime) -> str:
    """The time of day: "5:30pm", "9am", "midday", "midnight"."""
    if when.minute == 0 and when.hour in (0, 12):
        return "midnight" if when.hour == 0 else "midday"
    suffix = "am" if when.hour < 12 else "pm"
    hour = when.hour % 12 or 12
    return f"{hour}{suffix}" if when.minute == 0 else f"{hour}:{when.minute:02d}{suffix}"


def uk_datetime(when: datetime | None, *, weekday: bool = False) -> str:
    """The day and time in UK time: "Friday 4 December 2026, 5:30pm" with the weekday."""
    if when is None:
        return ""
    if timezone.is_aware(when):
        when = timezone.localtime(when)
    day = date_format(when, "l j F Y" if weekday else "j F Y")
    return f"{day}, {uk_clock(when)}"
