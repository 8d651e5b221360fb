"""Posts are written in Markdown and shown as HTML: rendered with `markdown`,
then sanitised with `nh3` (Rust's ammonia) to a small allow-list. Raw HTML in a
post is escaped, scripts and event handlers never survive, images are not
allowed (they would load from anywhere, tracking readers), and links get
`rel="nofollow noopener noreferrer"` and only http(s) and mailto schemes."""

import re

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


class _EscapeHtml(markdown.extensions.Extension):
    """Raw HTML typed into a post is shown as text, not passed through."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def render_markdown(text: str) -> str:
    html = markdown.markdown(text, extensions=[_EscapeHtml(), "sane_lists"], output_format="html")
    # Headings in a post sit below the page's own: any level becomes h3/h4.
    html = re.sub(r"<(/?)h[12]>", r"<\1h3>", html)
    html = re.sub(r"<(/?)h[56]>", r"<\1h4>", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
