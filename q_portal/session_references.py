"""Personal data kept out of URLs: a search for a name or an email address is
held in the searcher's session under a random, expiring reference, and the URL
carries only that reference (a URL sits in server logs, browser history and
Referer headers; the session does not)."""

import secrets
import time
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import redirect

# How long a reference stays good.
REFERENCE_SECONDS = 60 * 60
# The most references one session keeps under one key (the oldest is forgotten first).
REFERENCES_KEPT = 20


def reference_new(session, key: str, value) -> str:
    """A new random reference to `value`, kept in the session under `key`."""
    now = int(time.time())
    kept = {
        reference: held
        for reference, held in session.get(key, {}).items()
        if isinstance(held, dict) and now - held.get("at", 0) < REFERENCE_SECONDS
    }
    reference = secrets.token_urlsafe(16)
    kept[reference] = {"value": value, "at": now}
    newest = sorted(kept.items(), key=lambda item: item[1]["at"])[-REFERENCES_KEPT:]
    session[key] = dict(newest)
    return reference


def reference_value(session, key: str, reference: str):
    """What a reference of this session stands for; None once it has expired, or
    when the session never made it (someone else's link)."""
    held = session.get(key, {}).get(reference)
    if not isinstance(held, dict) or time.time() - held.get("at", 0) >= REFERENCE_SECONDS:
        return None
    return held.get("value")


def search_redirect(request, key: str, query: str, **params) -> HttpResponseRedirect:
    """Back to the page searched, with a reference to the search (`?search=`) and
    the other, non-personal parameters given (e.g. a status); none left empty."""
    kept = {name: value for name, value in params.items() if value}
    if query:
        kept = {"search": reference_new(request.session, key, query), **kept}
    return redirect(f"{request.path}?{urlencode(kept)}" if kept else request.path)


def searched_text(request, key: str) -> tuple[str, bool]:
    """The text of the search this page's `?search=` refers to, and whether the
    reference has expired (or was never this session's): then the text is ""."""
    reference = request.GET.get("search", "")
    if not reference:
        return "", False
    value = reference_value(request.session, key, reference)
    return (value or "", value is None)
