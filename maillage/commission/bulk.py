"""Fast inserts of many rows (the freeze's entries, a run's decisions).

On PostgreSQL, `COPY … FROM STDIN` through psycopg: Django's `bulk_create` sends arrays that
psycopg escapes element by element in Python (tens of seconds for 20,000 rows with JSON), COPY
formats them in C. Elsewhere (SQLite in tests), `bulk_create`.

`copy` takes plain tuples of column values (foreign keys by id, no model instance, no field
conversion per value): JSON columns take Python values or `JsonText` (already encoded, for
values shared by many rows). `write_text` writes the large texts of one row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models


class JsonText(str):
    """A JSON column's value already encoded as JSON text."""


def copy(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    batch_size: int = 2000,
) -> int:
    """Insert `rows` (tuples of values in `columns` order, by attribute name: `session_id`)."""
    fields = [model._meta.get_field(name.removesuffix("_id")) for name in columns]
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    if connection.vendor != "postgresql":
        objects = []
        for row in rows:
            values = list(row)
            for i in json_columns:
                if isinstance(values[i], JsonText):
                    values[i] = json.loads(values[i])
            objects.append(model(**dict(zip(columns, values, strict=True))))
        model.objects.bulk_create(objects, batch_size=batch_size)
        return len(objects)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as stream:
            if not json_columns:
                for row in rows:
                    stream.write_row(row)
                    count += 1
                return count
            for row in rows:
                values = list(row)
                for i in json_columns:
                    if not isinstance(values[i], JsonText):
                        values[i] = _json(values[i])
                stream.write_row(values)
                count += 1
    return count


def write_text(model: type[models.Model], pk: int, **values: str) -> None:
    """Set large text columns of one row (a frozen instance, a run's output: megabytes).

    On PostgreSQL the values are sent apart from the statement (server-side binding): Django's
    client-side binding would escape each into the SQL text and the server parse it back, a
    noticeable part of a run's time for 20 MB. Same transaction as the rest."""
    if connection.vendor != "postgresql":
        model.objects.filter(pk=pk).update(**values)
        return
    import psycopg

    fields = [model._meta.get_field(name) for name in values]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s", [*values.values(), pk]
        )


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
