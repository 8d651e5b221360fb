"""The session's inactivity clock without a database write on every page.

SESSION_COOKIE_AGE is a period of inactivity, not a time since sign-in: each
request must push the session's end back. Django's SESSION_SAVE_EVERY_REQUEST
does that by writing the session (an UPDATE and a commit) on every request, the
costliest part of a cheap page. `SessionRefreshMiddleware` writes it instead only
when its data changed or when its last write is SESSION_REFRESH_SECONDS old (a
minute by default, at most a hundredth of the age), keeping the time of that write
in the session itself. So the session ends between AGE minus the refresh
interval and AGE after the last request, and the page's sign-out warning
(`session_seconds_left` on the request) counts from the last write, not from
this request, so it is never late.

Sits just after django.contrib.sessions' SessionMiddleware, which does the
writing (SESSION_SAVE_EVERY_REQUEST is False). Nothing happens for a request
without a session (an anonymous visitor's): no session is ever created here."""

import time

from django.conf import settings

# Seconds since the epoch of the session's last write.
TOUCHED_KEY = "_touched"


def refresh_seconds() -> int:
    age = settings.SESSION_COOKIE_AGE
    return max(0, min(getattr(settings, "SESSION_REFRESH_SECONDS", 60), age // 100))


def _has_data(session) -> bool:
    return any(key != TOUCHED_KEY for key in session.keys())  # noqa: SIM118 - a session has no __iter__


class SessionRefreshMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is None:
            return self.get_response(request)
        now = int(time.time())
        due = False
        if session.session_key is not None:
            age = settings.SESSION_COOKIE_AGE
            touched = session.get(TOUCHED_KEY)
            due = not isinstance(touched, int) or not 0 <= now - touched < refresh_seconds()
            # What the sign-out warning counts down from: this request's write, or the last one.
            request.session_seconds_left = age if due else age - (now - touched)
        response = self.get_response(request)
        if (due or session.modified) and _has_data(session):
            session[TOUCHED_KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response
