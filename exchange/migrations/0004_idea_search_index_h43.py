"""A GIN index on the ideas' full-text search vector (PostgreSQL only: the
SQLite demo searches with a plain match). The expression is the one
`exchange.selectors.call_ideas` builds, so the planner uses it for the filter
and the count: at 2,000 ideas a search no longer computes every idea's vector."""

from django.db import migrations

VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(problem, '') || ' ' || COALESCE(plan, '') || ' ' || "
    "COALESCE(skills_wanted, '')), 'B'))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS exchange_idea_search ON exchange_idea USING gin ({VECTOR})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS exchange_idea_search")


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_panel_h43")]

    operations = [migrations.RunPython(create, drop)]
