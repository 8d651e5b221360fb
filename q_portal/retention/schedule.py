"""The schedule's parts: a rule per model, the "not personal" markers, and the
registry both go into. See the package docstring for how to add an entry."""

from collections.abc import Callable
from dataclasses import dataclass, field
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
    label: str = field(default="", compare=False)

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
