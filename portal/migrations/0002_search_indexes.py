"""Search structures that differ per database: an FTS5 table on SQLite, a GIN index on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            # office_id is an indexed column: an office filter intersects posting lists (see portal.search).
            "CREATE VIRTUAL TABLE IF NOT EXISTS portal_search_fts USING fts5(words, office_id, tokenize='unicode61')")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS portal_searchentry_vector_gin ON portal_searchentry USING gin (vector)")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS portal_searchentry_headline_gin ON portal_searchentry USING gin (headline)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS portal_search_fts")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS portal_searchentry_vector_gin")
        schema_editor.execute("DROP INDEX IF EXISTS portal_searchentry_headline_gin")


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_search")]
    operations = [migrations.RunPython(create, drop)]
