"""The address part (slug) of a new named row: communities, groups, interests."""

from django.db.models import QuerySet
from django.utils.text import slugify


def unique_slug(name: str, *, among: QuerySet, max_length: int, fallback: str) -> str:
    """`name` slugified and cut to `max_length`, or `fallback` when nothing of
    it is left; then "-2", "-3"… until no row of `among` has that slug."""
    base = slugify(name)[:max_length] or fallback
    slug, n = base, 2
    while among.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
