"""Fast inserts of many rows (the freeze's entries, a run's decisions).

On PostgreSQL, `COPY … FROM STDIN` through psycopg: Django's `bulk_create` sends arrays that
psycopg escapes element by element in Python (tens of seconds for 20,000 rows with JSON), COPY
formats them in C. Elsewhere (SQLite in tests), `bulk_create`. Only plain columns: the caller
gives the models with their foreign keys set by id."""

from __future__ import annotations

import json

from django.db import connection, models


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
