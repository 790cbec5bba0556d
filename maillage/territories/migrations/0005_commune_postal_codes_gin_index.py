"""A GIN index on the communes' postal codes, on PostgreSQL only: the directory's search by a
postal code (`postal_codes @> '["06510"]'`, maillage/web/directory/forms.py) reads it instead of
the 35,000 communes. SQLite (the demo) has no such index and keeps the plain scan."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS commune_postal_codes_gin ON territories_commune "
    "USING gin (postal_codes jsonb_path_ops)"
)
DROP = "DROP INDEX IF EXISTS commune_postal_codes_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("territories", "0004_commune_name_upper_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
