"""The selection board's rows, written in Python rather than by the template
engine: a page of 250 rows x 13 cells is rendered on every request of a page
meant to serve 50 requests a second (DESIGN.md §5), and string formatting does
in two milliseconds what the engine (or format_html) does in twenty. Every
text value is escaped with html.escape, as Django's own escape does."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_ROW = (
    '<tr><th scope="row"><a href="{url}">{reference}</a>{tag}<br><span class="portal-caption">{name}</span></th>'
    '<td class="text-end">{reviews}</td><td class="text-end">{model}</td><td class="text-end">{mean}</td>'
    '<td class="text-end">{normalised}</td>'
    '<td class="text-end">{spread}</td><td class="text-end">{accept}</td><td class="text-end">{maybe}</td>'
    '<td class="text-end">{do_not_accept}</td><td>{route}</td><td>{region}</td><td>{role}</td>'
    "<td>{nominated_by}</td><td>{decision}</td></tr>"
)


def estimate_text(score: float | None, low: float | None, high: float | None) -> str:
    """A bias-corrected estimate with its 95 % interval, "12.40 (10.90 to 13.80)" with an en dash."""
    if score is None:
        return "\N{EN DASH}"
    if low is None or high is None:
        return f"{score:.2f}"
    return f"{score:.2f} ({low:.2f}\N{EN DASH}{high:.2f})"


@register.simple_tag
def estimate(score, low, high) -> str:
    return estimate_text(score, low, high)


@register.simple_tag
def board_table_rows(rows: list[dict]) -> SafeString:
    """The <tr> of each row of `selection.views.board.board_display`."""
    moderate = '<a class="portal-tag portal-tag--yellow" href="{}">' + escape(_("Moderate")) + "</a>"
    moderated = ' <span class="portal-tag portal-tag--grey">' + escape(_("Moderated")) + "</span>"
    released = ' <span class="portal-tag portal-tag--green">' + escape(_("Released")) + "</span>"
    lines = []
    for row in rows:
        if row["moderation_url"]:
            tag = " " + moderate.format(escape(row["moderation_url"]))
        else:
            tag = moderated if row["moderated"] else ""
        decision = escape(row["decision"] or "\N{EN DASH}") + (released if row["released"] else "")
        lines.append(
            _ROW.format(
                url=escape(row["url"]),
                reference=escape(row["reference"] or ""),
                tag=tag,
                name=escape(row["name"] or ""),
                reviews=escape(row["reviews"]),
                model=escape(row["model"]),
                mean=escape(row["mean"]),
                normalised=escape(row["normalised"]),
                spread=escape(str(row["spread"])),
                accept=int(row["accept"]),
                maybe=int(row["maybe"]),
                do_not_accept=int(row["do_not_accept"]),
                route=escape(row["route"]),
                region=escape(row["region"]),
                role=escape(row["role"]),
                nominated_by=escape(row["nominated_by"]),
                decision=decision,
            )
        )
    # Safe: every value above is escaped or an integer.
    return mark_safe("\n".join(lines))  # noqa: S308
