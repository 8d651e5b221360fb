"""Times written in UK time and GOV.UK style, never an ambiguous 12pm or 12am."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template

from q_portal.uk_time import uk_clock, uk_datetime


@pytest.mark.parametrize(
    ("hour", "minute", "written"),
    [
        (0, 0, "midnight"),
        (0, 30, "12:30am"),
        (9, 0, "9am"),
        (11, 59, "11:59am"),
        (12, 0, "midday"),
        (12, 5, "12:05pm"),
        (17, 30, "5:30pm"),
        (23, 0, "11pm"),
    ],
)
def test_the_clock_is_written_as_people_write_it(hour, minute, written):
    assert uk_clock(datetime(2026, 12, 4, hour, minute)) == written


def test_a_utc_time_is_shown_in_uk_summer_time_with_its_weekday():
    # 16:30 UTC on 14 July is 5:30pm in London (BST).
    when = datetime(2026, 7, 14, 16, 30, tzinfo=UTC)

    assert uk_datetime(when) == "14 July 2026, 5:30pm"
    assert uk_datetime(when, weekday=True) == "Tuesday 14 July 2026, 5:30pm"
    assert Template('{% load portal_time %}{{ when|uk_datetime:"weekday" }}').render(Context({"when": when})) == (
        "Tuesday 14 July 2026, 5:30pm"
    )


def test_a_deadline_at_noon_in_winter_reads_midday():
    assert uk_datetime(datetime(2027, 1, 29, 12, 0, tzinfo=UTC)) == "29 January 2027, midday"
