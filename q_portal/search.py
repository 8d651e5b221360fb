"""Full-text search by the start of words, as the member directory and the
exchange's ideas both search (PostgreSQL; on SQLite the callers fall back to
`icontains`)."""

import re

from django.contrib.postgres.search import SearchQuery


def prefix_query(text: str) -> SearchQuery | None:
    """Every word must match, each as the start of a word ("siob" finds
    Siobhan, "medicine" finds medicines), so part of a name is enough; the GIN
    index answers it. Only letters and digits reach the raw tsquery, and at most
    ten words. None when `text` has no word."""
    words = [word for word in re.findall(r"[^\W_]+", text.lower()) if word][:10]
    if not words:
        return None
    return SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="english")
