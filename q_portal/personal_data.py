"""Subject access and erasure for the apps above selection: each app that holds
records of a person and sits above the app gathering the subject-access export
(`selection.selectors.privacy`, `selection.services.privacy`) declares, in
`<app>/personal_data.py`, a `Section`: how to list what it holds about an account
for the export, and how to erase it. Discovered when first read, like the
retention schedule (`q_portal.retention.registry`), so the lower app never
imports the higher one.

    register(Section(
        "events",
        export=lambda user: {...},           # JSON-ready; empty when nothing is held
        erase=lambda user: {"registrations_deleted": 2},  # runs in the erasure's transaction
    ))

`export` takes a constant number of queries whatever is held. `erase` runs before
the person's member profile and account go (so it can still find their rows)
and returns its counts for the erasure's audit entry."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Section:
    key: str
    export: Callable[..., object]
    erase: Callable[..., dict[str, int]] | None = None


_sections: dict[str, Section] = {}
_discovered = False


def register(section: Section) -> None:
    _sections[section.key] = section


def sections() -> list[Section]:
    """Every app's section, in the order the apps are installed."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("personal_data")
    return list(_sections.values())
