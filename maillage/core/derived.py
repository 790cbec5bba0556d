"""Per-process cache of derived public figures (coverage, catchment), keyed by the data version.

A figure derived from public data (places of the directory, imported statistics, dated
parameters) is costly to recompute on every page and changes rarely. `cached(name, parts,
compute, models=…)` keeps it in the `derived` cache alias (local memory of each web process)
under a key made of `parts` (the parameters of the computation) and of the *stamp* of the
tables it reads: their number of rows and latest `updated_at`, read in one query. Any creation,
edit or deletion changes the stamp, so the next request recomputes: a change is visible at once.
Tables without `updated_at` (the territorial referential, changed by the yearly import commands)
are covered by the cache timeout (`MAILLAGE_DERIVED_CACHE_TIMEOUT`, 10 minutes by default).

Never put personal data nor a page rendered for one person here: the cache is shared by every
request of the process.
"""

import hashlib

from django.core.cache import caches
from django.db import connection

ALIAS = "derived"


def data_stamp(*models) -> tuple:
    """(rows, latest updated_at) of each model's table, in one query."""
    if not models:
        return ()
    quote = connection.ops.quote_name
    columns = []
    for model in models:
        table = quote(model._meta.db_table)
        columns.append(f"(SELECT COUNT(*) FROM {table})")
        columns.append(f"(SELECT MAX({quote('updated_at')}) FROM {table})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns))
        row = cursor.fetchone()
    return tuple(str(value) for value in row)


def cache_key(name: str, parts, stamp) -> str:
    digest = hashlib.sha256(repr((parts, stamp)).encode()).hexdigest()
    return f"{name}:{digest}"


def cached(name: str, parts, compute, *, models=()):
    """The value of `compute()` for `parts`, computed once per version of `models`' data."""
    cache = caches[ALIAS]
    key = cache_key(name, parts, data_stamp(*models))
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value
