"""Reads for selection's pages, by who reads them."""

from django.db.models import Count, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce


def round_count(rows: QuerySet) -> Coalesce:
    """How many `rows` (of a model with a `round`, filtered to OuterRef("pk") of
    the rounds around them) there are, as a subquery: 0 for none. Each round's
    rows are counted on their own, through an index on the round where the rows
    have one: never one join of a round's applications with its assignments."""
    counted = rows.order_by().values("round").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
