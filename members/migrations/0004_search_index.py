from django.db import migrations

# A GIN index for the directory's full-text search. PostgreSQL only: the demo's
# SQLite has no tsvector and searches with a simple match instead.
INDEX_NAME = "member_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON members_memberprofile USING gin (search_vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("members", "0003_membership")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
