"""Personal data kept out of URLs: a search for a name or an email address is
held in the searcher's session under a random, expiring reference, and the URL
carries only that reference (a URL sits in server logs, browser history and
Referer headers; the session does not)."""

import secrets
import time

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
