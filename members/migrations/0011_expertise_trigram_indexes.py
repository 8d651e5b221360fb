from django.db import migrations

# The directory's expertise filter matches part of a word anywhere in what a
# member offers (`skills__icontains`, `methods__icontains`: UPPER(...) LIKE
# '%WORD%'), which no B-tree serves: without these it read every profile
# (210 ms at 50,000 members). Trigram indexes on the same expressions serve any
# word of three letters or more. PostgreSQL only, like the search index: SQLite
# (the demo) reads its few rows. Going back drops the indexes and leaves the
# extension (Django's TrigramExtension cannot be unapplied on SQLite, and other
# objects may come to use it).
INDEXES = {
    "member_skills_trgm": "skills",
    "member_methods_trgm": "methods",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON members_memberprofile USING gin (UPPER({column}) gin_trgm_ops)"
            )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("members", "0010_member_import")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
