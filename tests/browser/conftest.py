"""Playwright (sync API) driving Debian's Chromium, headless, against pytest-django's
live server. The network is closed and no browser is downloaded: we launch
/usr/bin/chromium with the flags that keep it from calling home."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # One xdist worker runs all browser tests, so one Chromium per run.
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


AXE = Axe()
# WCAG 2.2 AA and best practice; only serious and critical violations fail a test.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
FAILING_IMPACTS = {"serious", "critical"}


def accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    try:
        results = AXE.run(page, options=AXE_OPTIONS)
    except PlaywrightError:
        return []  # the page navigated away while axe ran; the next page is checked
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser tab on the live server. Every page it loads is checked with
    axe-core, and any console error (a CSP violation, a script error) is collected;
    the test fails on either."""
    context = chromium.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems, inaccessible = [], []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("load", lambda loaded: inaccessible.extend(accessibility_problems(loaded)))
    yield page
    context.close()
    assert problems == []
    assert inaccessible == []
