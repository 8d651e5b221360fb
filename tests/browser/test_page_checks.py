"""The checks every browser test runs on every page it visits (tests/browser/conftest.py)
find what they are meant to find: a page wider than a phone, and text below the house
standard of 4.5:1 contrast, headings included."""

import pytest

from tests.browser.conftest import PHONE_WIDTH, accessibility_problems, overflow_problems, page_problems

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = """<!doctype html><html lang="en"><head><title>Checked</title></head><body><main>
<h1>A page</h1>{body}</main></body></html>"""


@pytest.fixture
def tabs(chromium, live_server):
    desktop = chromium.new_context(base_url=live_server.url)
    phone = chromium.new_context(viewport={"width": PHONE_WIDTH, "height": 800}, java_script_enabled=False)
    yield desktop.new_page(), phone.new_page()
    desktop.close()
    phone.close()


def serve(page, body):
    page.route("**/checked/", lambda route: route.fulfill(content_type="text/html", body=PAGE.format(body=body)))
    page.goto("/checked/")


def test_a_page_wider_than_a_phone_fails_and_names_what_sticks_out(tabs):
    page, phone = tabs
    serve(page, '<p>Fits</p><table><tr><td><div style="width: 600px">A wide cell</div></td></tr></table>')

    problems = overflow_problems(page, phone)

    assert len(problems) == 1
    excess = int(problems[0].split("overflows by ")[1].split("px")[0])
    assert excess >= 600 - PHONE_WIDTH  # the cell, and the page's margins
    assert f"at {PHONE_WIDTH}px" in problems[0]
    assert '"A wide cell"' in problems[0]


def test_a_wide_table_in_a_scrolling_box_passes(tabs):
    page, phone = tabs
    serve(page, '<div style="overflow-x: auto"><table><tr><td><div style="width: 600px">Wide</div></td></tr></table>')

    assert overflow_problems(page, phone) == []


def test_a_dark_heading_on_green_fails_the_contrast_check_though_it_is_large(tabs):
    page, _phone = tabs
    serve(page, '<div style="background: #00703c"><h2 style="color: #0b0c0c; font-size: 2rem">Submitted</h2></div>')

    problems = accessibility_problems(page)

    assert len(problems) == 1
    assert "color-contrast" in problems[0]


def test_a_white_heading_on_green_passes(tabs):
    page, _phone = tabs
    serve(page, '<div style="background: #00703c"><h2 style="color: #fff; font-size: 2rem">Submitted</h2></div>')

    assert accessibility_problems(page) == []


def test_a_document_checked_before_is_reported_again_at_its_own_address_and_size(tabs):
    page, phone = tabs
    dark_on_green = '<div style="background: #00703c"><h2 style="color: #0b0c0c">Submitted</h2></div>'
    body = f'{dark_on_green}<div style="width: 1000px">Wide at 800 px, not at 1280</div>'
    page.route("**/checked/*", lambda route: route.fulfill(content_type="text/html", body=PAGE.format(body=body)))
    page.goto("/checked/first")
    first = page_problems(page, phone)
    page.goto("/checked/second")
    second = page_problems(page, phone)
    page.set_viewport_size({"width": 800, "height": 600})
    narrower = page_problems(page, phone)

    assert [problem.split(": ", 1)[1] for problem in first] == [problem.split(": ", 1)[1] for problem in second]
    assert any("color-contrast" in problem for problem in second)
    assert all(problem.startswith(page.url) for problem in second)
    assert not any("at its width" in problem for problem in first)
    assert any("at its width" in problem for problem in narrower)  # the same document in a narrower tab
