"""The retention schedule: how long the portal keeps each record of a person, and
what happens at the end. One entry (a `Rule`) per model holding personal data,
declared by the app that owns the model in `<app>/retention.py` and discovered
when the schedule is first read (like the admin's autodiscovery). The daily beat
task (`retention.apply`, `q_portal.retention.tasks`) applies every rule in bounded
batches; the programme team reads the schedule at `/programme/retention/`, and
anyone reads its public part from the privacy notice (`/privacy/retention/`).

`tests/q_portal/test_retention_coverage.py` fails when a model has a field that
could hold personal data (names, emails, free text, addresses, files, JSON) and
neither a rule nor a "not personal, because…" marker.

Adding an entry for a new model (in `<app>/retention.py`, about five lines)::

    from q_portal.retention import End, Period, Rule, not_personal, register

    register(Rule(
        "events.Registration", holds=_("Event registrations: name, email, dietary needs"),
        basis=BASIS_LEGITIMATE_INTERESTS, end=End.DELETE,
        period=Period("RETENTION_EVENT_REGISTRATION_MONTHS", 12, "months"), after=_("the event"),
        due=lambda cutoff: Registration.objects.filter(event__ends_at__lt=cutoff),
    ))
    not_personal("events.Event", "description", reason="Written by the programme team for the public.")

`due(cutoff)` returns the rows whose period has run out (`cutoff` is now minus the
period, read from the setting with the default given); `apply(rows, now)` (default:
delete them) must leave a row no longer due, so a run interrupted half way is
simply resumed by the next. A record that lives and dies with another (a pledge
with its member profile) is a rule with `end=End.WITH` and `kept=` in plain words;
one kept on purpose (suppressions) is `End.KEEP` with the reason in `kept`.
"""

from .schedule import (
    BASIS_CONSENT,
    BASIS_LEGAL_OBLIGATION,
    BASIS_LEGITIMATE_INTERESTS,
    End,
    Period,
    Rule,
    not_personal,
    not_personal_markers,
    register,
    schedule,
)

__all__ = [
    "BASIS_CONSENT",
    "BASIS_LEGAL_OBLIGATION",
    "BASIS_LEGITIMATE_INTERESTS",
    "End",
    "Period",
    "Rule",
    "not_personal",
    "not_personal_markers",
    "register",
    "schedule",
]
