"""Panels that apps above `members` add to the member's home and to profiles.

`members` imports no other app (DESIGN.md §3), yet the member's home shows their
next events and a profile shows the events they attended. So, like the admin's
autodiscovery, an app above registers a panel here from its `AppConfig.ready()`;
the members' views render whatever is registered, in order.

A panel is a callable taking keyword arguments (`member`, and for profile
sections also `viewer`) and returning `None` (nothing to show) or a
`Panel(template, context)`. Each must run a constant number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)


_home: dict[str, tuple[int, Callable]] = {}
_profile: dict[str, tuple[int, Callable]] = {}


def register_home_panel(name: str, panel: Callable, *, order: int = 50) -> None:
    _home[name] = (order, panel)


def register_profile_section(name: str, section: Callable, *, order: int = 50) -> None:
    _profile[name] = (order, section)


def _render(registry, **kwargs) -> list[Panel]:
    panels = []
    for _order, panel in sorted(registry.values(), key=lambda item: item[0]):
        result = panel(**kwargs)
        if result is not None:
            panels.append(result)
    return panels


def home_panels(*, member) -> list[Panel]:
    return _render(_home, member=member)


def profile_sections(*, member, viewer) -> list[Panel]:
    return _render(_profile, member=member, viewer=viewer)


# --- Onboarding ------------------------------------------------------------------------
# Whether a member has already done an onboarding step's thing, where only an app
# above knows (events: "has registered for an event"). A check takes `member` and
# returns a bool.

_onboarding_done: dict[str, Callable] = {}


def register_onboarding_check(topic: str, check: Callable) -> None:
    _onboarding_done[topic] = check


def onboarding_check(topic: str) -> Callable | None:
    return _onboarding_done.get(topic)
