"""An applicant on a phone (375 px wide): long words (an email address, a route's
name in a message) wrap instead of widening the page, and the applications table
keeps "Continue" on screen. (Every browser test checks every page it visits at
375 px too; this one walks the pages whose content is long on purpose.)"""

import pytest
from playwright.sync_api import expect

from applications.choices import RouteKind
from tests.browser.accounts import sign_in, submit_and_wait
from tests.factories import UserFactory
from tests.factories.applications import RoundFactory, route

pytestmark = pytest.mark.django_db(transaction=True)

# No hyphen or space in them, so the browser finds no place to break a line.
LONG_EMAIL = "alexandra.montgomeryfitzwilliam@leicestershirepartnershiptrust.nhs.example.org"
LONG_ROUTE = "Invited by improvement.collaborative@westmidlandsacademichealthsciencenetwork.example.org"


def page_overflow(page) -> int:
    page.wait_for_load_state("load")  # the stylesheet too: unstyled, a long word never wraps
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_applicant_on_a_phone_sees_every_page_within_the_screen(page):
    page.set_viewport_size({"width": 375, "height": 800})
    open_route = route(RouteKind.OPEN)
    open_route.name = LONG_ROUTE
    open_route.save(update_fields=["name"])
    RoundFactory(name="Wider recruitment", routes=[open_route])
    UserFactory(email=LONG_EMAIL, display_name="Alexandra")

    sign_in(page, LONG_EMAIL)
    page.goto("/apply/")
    page.get_by_role("link", name="Check if you can apply").click()
    page.get_by_label("Yes").check()
    submit_and_wait(page, "Continue")
    expect(page.get_by_role("status")).to_contain_text(LONG_ROUTE)
    assert page_overflow(page) == 0

    page.goto("/apply/")
    continue_link = page.get_by_role("link", name="Continue Wider recruitment")
    expect(continue_link).to_be_in_viewport()
    box = continue_link.bounding_box()
    assert box["x"] + box["width"] <= 375
    assert page_overflow(page) == 0

    page.goto("/account/data/")
    expect(page.get_by_text(LONG_EMAIL).first).to_be_visible()
    assert page_overflow(page) == 0
