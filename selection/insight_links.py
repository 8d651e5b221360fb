"""Insight pages that apps above `selection` add to the insight home.

`selection` owns `/programme/insight/` but may not import the apps above it
(events, exchange, funding). Like `members.panels`, an app above registers a
link here from its `AppConfig.ready()`; the insight home lists whatever is
registered, in order, under "The community"."""

from dataclasses import dataclass


@dataclass(frozen=True)
class InsightLink:
    title: str
    description: str
    url_name: str
    order: int = 50


_links: dict[str, InsightLink] = {}


def register_insight_link(name: str, *, title, description, url_name: str, order: int = 50) -> None:
    _links[name] = InsightLink(title=title, description=description, url_name=url_name, order=order)


def insight_links() -> list[InsightLink]:
    return sorted(_links.values(), key=lambda link: (link.order, link.url_name))
