"""Playwright (sync API) driving Debian's Chromium, headless, against pytest-django's
live server. The network is closed and no browser is downloaded: we launch Debian's
/usr/bin/chromium-headless-shell (Chromium's own headless build, the one Playwright
itself runs headless: the browser suite took a third less time than with the full
/usr/bin/chromium in headless mode) with the flags that keep it from calling home."""

import hashlib
import os
import re
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


# Browser test files are shared out between this many xdist groups, each run by
# one worker with its own Chromium: with one group, one worker ran every browser
# test (about 10 of `make test`'s 15 minutes) while the other finished early.
BROWSER_GROUPS = 2


def pytest_collection_modifyitems(items):
    files = sorted({str(item.fspath) for item in items if "tests/browser/" in str(item.fspath)})
    groups = {path: f"browser-{index % BROWSER_GROUPS}" for index, path in enumerate(files)}
    for item in items:
        if str(item.fspath) in groups:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group(groups[str(item.fspath)]))


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# axe-core as the library ships it. A checked tab has it in every document before the
# page's own scripts (an init script: sent to the browser once, not 570 KB with each
# check); any other tab gets it the first time it is checked.
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
RUN_AXE = "async (options) => typeof axe === 'undefined' ? null : (await axe.run(document, options)).violations"
# WCAG 2.2 AA and best practice; only serious and critical violations fail a test.
# Colour contrast is held to the house standard (static/css/portal.css): 4.5:1 for
# all text, headings too. WCAG AA lets large text pass at 3:1, which is how dark
# headings on the green confirmation panels (3.2:1) went unnoticed. Only violations
# are read, so axe is told not to collect the details of every rule that passed.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "checks": {
        "color-contrast": {"options": {"contrastRatio": {"normal": {"expected": 4.5}, "large": {"expected": 4.5}}}}
    },
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}


def _axe_findings(page) -> list[str]:
    violations = page.evaluate(RUN_AXE, AXE_OPTIONS)
    if violations is None:
        page.evaluate(AXE_SOURCE)
        violations = page.evaluate(RUN_AXE, AXE_OPTIONS)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {[node['target'] for node in violation['nodes']][:3]}"
        for violation in violations
        if violation["impact"] in FAILING_IMPACTS
    ]


def accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    try:
        return [f"{page.url}: {finding}" for finding in _axe_findings(page)]
    except PlaywrightError:
        return []  # the page navigated away while axe ran; the next page is checked


PHONE_WIDTH = 375

# How far the page runs past the right edge of the window, and the innermost
# elements that stick out (those are what to fix). Content inside a scrolling
# box (a .table-responsive) does not count: it scrolls, the page does not.
OVERFLOW_SCRIPT = """() => {
  const root = document.documentElement;
  const excess = root.scrollWidth - root.clientWidth;
  if (excess <= 0) return null;
  const width = root.clientWidth;
  const scrolls = (element) => {
    for (let e = element.parentElement; e && e !== root; e = e.parentElement) {
      if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(e).overflowX)) return true;
    }
    return false;
  };
  const sticking = [...document.body.querySelectorAll("*")].filter(
    // An absolutely placed element escapes a scrolling box that is not its containing block.
    (e) => e.getBoundingClientRect().right > width + 1 && (!scrolls(e) || getComputedStyle(e).position === "absolute"));
  // A long word sticks out of its box without widening the box: name the box.
  const spilling = [...document.body.querySelectorAll("*")].filter(
    (e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible" && !scrolls(e));
  const candidates = sticking.length ? sticking : spilling;
  const innermost = candidates.filter((e) => !candidates.some((other) => other !== e && e.contains(other)));
  const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (e.classList.length ? "." + [...e.classList].join(".") : "") + " " +
    JSON.stringify((e.textContent || "").trim().slice(0, 40));
  // A 1px .visually-hidden span sticks out too, but is rarely the cause: name it last.
  const tiny = (e) => e.getBoundingClientRect().width <= 1;
  const ranked = [...innermost.filter((e) => !tiny(e)), ...innermost.filter(tiny)];
  return {excess, elements: ranked.slice(0, 3).map(describe)};
}"""


def _overflow_findings(page, phone, html) -> list[str]:
    findings = []
    if measured := page.evaluate(OVERFLOW_SCRIPT):
        findings.append(f"overflows by {measured['excess']}px at its width: {measured['elements']}")
    if page.url.startswith("http"):
        phone.set_content(re.sub(r"(<head[^>]*>)", rf'\1<base href="{page.url}">', html, count=1), wait_until="load")
        if measured := phone.evaluate(OVERFLOW_SCRIPT):
            findings.append(f"overflows by {measured['excess']}px at {PHONE_WIDTH}px: {measured['elements']}")
    return findings


def overflow_problems(page, phone) -> list[str]:
    """Horizontal overflow of the page as it is now, at its own width and at a
    phone's 375 px. The phone view is the same document (its DOM, flash messages
    and error states included) drawn again in a 375 px tab with scripts off, so
    the test's own tab is never resized or reloaded under it."""
    try:
        return [f"{page.url}: {finding}" for finding in _overflow_findings(page, phone, page.content())]
    except PlaywrightError:
        return []  # the page navigated away while it was measured; the next page is checked


# What the checks found on each document this test process has checked, by what decides
# it: the document as serialised (less its CSRF token, new in every response) and the
# tab's size. Journeys pass through the same pages again and again (the sign-in page was
# 65 of 558 checks); each is checked once, and every test that shows it gets the findings.
_FINDINGS: dict[tuple[str, str], list[str]] = {}
CSRF_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*')


def page_problems(page, phone) -> list[str]:
    try:
        url, html = page.url, page.content()
        key = (hashlib.sha256(CSRF_TOKEN.sub(r"\1", html).encode()).hexdigest(), repr(page.viewport_size))
        if key not in _FINDINGS:
            _FINDINGS[key] = _axe_findings(page) + _overflow_findings(page, phone, html)
        return [f"{url}: {finding}" for finding in _FINDINGS[key]]
    except PlaywrightError:
        return []  # the page navigated away while it was checked; the next page is checked


def checked_context(chromium, live_server):
    """A browser context on the live server, in the locale and time zone of the people
    who use the portal, with axe-core in every document."""
    context = chromium.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    context.add_init_script(AXE_SOURCE)
    return context


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser tab on the live server. Every page it loads, and the state it
    ends in, is checked with axe-core (colour contrast included) and for horizontal
    overflow at its width and at 375 px; any console error (a CSP violation, a script
    error) is collected; the test fails on any of them."""
    context = checked_context(chromium, live_server)
    phone_context = chromium.new_context(
        viewport={"width": PHONE_WIDTH, "height": 800}, java_script_enabled=False, locale="en-GB"
    )
    phone = phone_context.new_page()
    page = context.new_page()
    problems, inaccessible = [], []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("load", lambda loaded: inaccessible.extend(page_problems(loaded, phone)))
    yield page
    if not page.is_closed() and page.url.startswith("http"):
        # What scripts changed after the last load (a progress bar, a revealed section).
        inaccessible.extend(page_problems(page, phone))
    context.close()
    phone_context.close()
    assert problems == []
    assert not inaccessible, "\n".join(sorted(set(inaccessible)))
