"""Reads for selection's pages, by who reads them."""

from datetime import timedelta

from django.db.models import Count, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce

# Figures too costly to count on every view (a round's progress, its equality
# and representation tallies) are kept, and shown as they are while younger than
# FIGURES_FRESH_FOR; older, they are shown while a background count is queued
# (again after FIGURES_QUEUED_FOR if it never came); older than FIGURES_MAX_AGE,
# or missing, they are counted before they are shown.
FIGURES_FRESH_FOR = timedelta(seconds=30)
FIGURES_QUEUED_FOR = timedelta(minutes=2)
FIGURES_MAX_AGE = timedelta(minutes=10)


def round_count(rows: QuerySet) -> Coalesce:
    """How many `rows` (of a model with a `round`, filtered to OuterRef("pk") of
    the rounds around them) there are, as a subquery: 0 for none. Each round's
    rows are counted on their own, through an index on the round where the rows
    have one: never one join of a round's applications with its assignments."""
    counted = rows.order_by().values("round").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
