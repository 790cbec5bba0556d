"""Fast inserts of many rows (the freeze's entries, a run's decisions).

On PostgreSQL, `COPY … FROM STDIN` through psycopg: Django's `bulk_create` sends arrays that
psycopg escapes element by element in Python (tens of seconds for 20,000 rows with JSON), COPY
formats them in C. Elsewhere (SQLite in tests), `bulk_create`.

`copy` takes plain tuples of column values (foreign keys by id, no model instance, no field
conversion per value): JSON columns take Python values or `JsonText` (already encoded, for
values shared by many rows). `insert` takes model instances (slower: each value goes through
its field)."""

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


def insert(model: type[models.Model], objects: list[models.Model], batch_size: int = 2000) -> int:
    if not objects:
        return 0
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=batch_size)
        return len(objects)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    getters = []
    for field in fields:
        if isinstance(field, models.JSONField):
            getters.append(lambda obj, a=field.attname: _json(getattr(obj, a)))
        else:
            getters.append(lambda obj, f=field: _plain(f, obj))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([get(obj) for get in getters])
    return len(objects)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _plain(field, obj):
    value = field.pre_save(obj, add=True)
    return field.get_db_prep_save(value, connection)
