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

    from q_portal.retention import BASIS_LEGITIMATE_INTERESTS, End, Period, Rule, not_personal, register

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
one kept on purpose (suppressions) is `End.KEEP` with the reason in `kept`. Two
rules on one model need a `name=` each (e.g. "applications.Application:drafts").
The setting needs no line in settings (the default applies), though listing it
with the others in `q_portal/settings/base.py` lets a deployment find it.

Each `apply` runs on at most RETENTION_BATCH_SIZE rows per run, in its own
transaction, in a fixed number of queries (update or delete the rows as a set;
never a query per row). Audit entries about the rows it changes are redacted
after it (`redact_audit`). Third-party models' entries are in `third_party.py`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

BASIS_LEGITIMATE_INTERESTS = _("Legitimate interests (UK GDPR Article 6(1)(f))")
BASIS_CONSENT = _("Consent (UK GDPR Article 6(1)(a))")
BASIS_LEGAL_OBLIGATION = _("Legal obligation (UK GDPR Article 6(1)(c))")


class End(StrEnum):
    """What happens when a record's period is over."""

    DELETE = "delete"
    ANONYMISE = "anonymise"
    AGGREGATE = "aggregate"  # the row stays, emptied of the person, as a count
    WITH = "with"  # goes with the record it belongs to (no rule of its own to run)
    KEEP = "keep"  # kept on purpose, for the reason the rule gives

    @property
    def label(self) -> str:
        return {
            End.DELETE: _("Deleted"),
            End.ANONYMISE: _("Anonymised: what identifies the person is removed"),
            End.AGGREGATE: _("Kept only as a count: everything about the person is removed"),
            End.WITH: _("Deleted or anonymised with the record it belongs to"),
            End.KEEP: _("Kept"),
        }[self]


_UNITS = {
    "days": lambda n: ngettext("%(n)d day", "%(n)d days", n),
    "months": lambda n: ngettext("%(n)d month", "%(n)d months", n),
    "years": lambda n: ngettext("%(n)d year", "%(n)d years", n),
}


@dataclass(frozen=True)
class Period:
    """How long a record is kept: a setting (so an organisation can change it) with
    its default, in days, months or years."""

    setting: str
    default: int
    unit: str = "months"

    def __post_init__(self):
        if self.unit not in _UNITS:
            raise ValueError(f"Period unit must be one of {sorted(_UNITS)}, not {self.unit!r}")

    @property
    def value(self) -> int:
        return int(getattr(settings, self.setting, self.default))

    def cutoff(self, now: datetime) -> datetime:
        return now - relativedelta(**{self.unit: self.value})

    def __str__(self) -> str:
        return _UNITS[self.unit](self.value) % {"n": self.value}


def _delete(rows: QuerySet, now: datetime) -> int:
    return rows.delete()[1].get(rows.model._meta.label, 0)


@dataclass(frozen=True)
class Rule:
    """One line of the schedule. `model` is "app_label.ModelName"; `name` tells two
    rules on one model apart (it defaults to the model) and keys the run's counts."""

    model: str
    holds: str | Promise
    basis: str | Promise
    end: End
    period: Period | None = None
    after: str | Promise = ""  # the event the period runs from, e.g. "it was sent"
    kept: str | Promise = ""  # plain words: for rules without a period, or to word one better
    due: Callable[[datetime], QuerySet] | None = None
    apply: Callable[[QuerySet, datetime], int] = _delete
    name: str = ""
    public: bool = True  # shown in the privacy notice's schedule
    # Redact the audit entries about the rows it deletes or anonymises (personal
    # values in the log go when what they describe goes). Off for a rule whose
    # `apply` already does it.
    redact_audit: bool = True

    def __post_init__(self):
        if not self.name:
            object.__setattr__(self, "name", self.model)
        if (self.period is None) != (self.due is None):
            raise ValueError(f"Retention rule {self.name}: give both a period and `due`, or neither.")
        if self.period is None and not self.kept:
            raise ValueError(f"Retention rule {self.name}: a rule without a period says how long in `kept`.")

    @property
    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    @property
    def how_long(self) -> str:
        if self.kept:
            return str(self.kept)
        return _("%(period)s after %(event)s") % {"period": self.period, "event": self.after}

    @property
    def runs(self) -> bool:
        return self.due is not None

    def due_rows(self, now: datetime) -> QuerySet:
        return self.due(self.period.cutoff(now))


@dataclass(frozen=True)
class NotPersonal:
    model: str
    fields: tuple[str, ...]  # empty: the whole model
    reason: str


_rules: dict[str, Rule] = {}
_not_personal: list[NotPersonal] = []
_before: dict[str, list[Callable[[QuerySet, datetime], object]]] = {}
_discovered = False


def register(rule: Rule) -> Rule:
    """Add a rule to the schedule (from `<app>/retention.py`)."""
    if rule.name in _rules and _rules[rule.name] != rule:
        raise ValueError(f"Two retention rules are called {rule.name}; give one a `name`.")
    _rules[rule.name] = rule
    return rule


def not_personal(model: str, *fields: str, reason: str) -> None:
    """Mark a model's fields (or, with none named, the whole model) as holding no
    personal data, and say why: the coverage test accepts them."""
    if not reason:
        raise ValueError("Say why the data is not personal.")
    _not_personal.append(NotPersonal(model=model, fields=tuple(fields), reason=reason))


def before_apply(rule_name: str, hook: Callable[[QuerySet, datetime], object]) -> None:
    """Run `hook(rows, now)` just before the rule changes its rows, in the same
    transaction: how an app above keeps what it needs first (equality monitoring
    tallies an application's counts by category before the application loses its
    applicant)."""
    _before.setdefault(rule_name, []).append(hook)


def hooks_before(rule_name: str) -> list[Callable[[QuerySet, datetime], object]]:
    _discover()
    return list(_before.get(rule_name, []))


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        from . import third_party  # noqa: F401 (registers Django's and allauth's models)

        autodiscover_modules("retention")


def schedule() -> list[Rule]:
    """Every rule, in the order the apps are installed (lower layers first, so
    recruitment anonymises an application before selection clears what was
    written about it)."""
    _discover()
    return list(_rules.values())


def not_personal_markers() -> list[NotPersonal]:
    _discover()
    return list(_not_personal)
