"""Per-process cache of derived public figures (coverage, catchment), keyed by the data version.

A figure derived from public data (places of the directory, imported statistics, dated
parameters) is costly to recompute on every page and changes rarely. `cached(name, parts,
compute, models=…)` keeps it in the `derived` cache alias (local memory of each web process)
under a key made of `parts` (the parameters of the computation) and of the *stamp* of the
tables it reads: their number of rows and latest `updated_at`, read in one query. Any creation,
edit or deletion changes the stamp, so the next request recomputes: a change is visible at once.
Tables without `updated_at` (the territorial referential, changed by the yearly import commands)
are covered by the cache timeout (`MAILLAGE_DERIVED_CACHE_TIMEOUT`, 10 minutes by default).

Data whose changes the stamp cannot see (updates through `QuerySet.update`, a wish moved from
rank 2 to rank 1, a row replaced by another) has a *topic* instead: its domain calls
`changed(topic)` from the services that write it (one hook per domain, never a signal), which
bumps the topic's `core.DataVersion` row once the transaction commits; `cached(…, topics=…)`
reads that version in the same stamp query. The bump runs after the commit, in its own short
statement: no writer waits on another for the version row, and a reader that computes between
the commit and the bump only stores fresher figures under the old version.

A topic can also have *refresh tasks* (`refresh_after(topic, "dotted.path.of.task")`, declared
by the app that reads the topic in its `AppConfig.ready`): once the version is bumped, each is
enqueued for the worker, which recomputes the figure out of any request and stores it where
every process reads it (the expressed demand of the observatory, `observatory.demand`).

Never put personal data nor a page rendered for one person here: the cache is shared by every
request of the process.
"""

import hashlib
import logging

from django.core.cache import caches
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.module_loading import import_string

ALIAS = "derived"
logger = logging.getLogger(__name__)
# topic -> dotted paths of the django-tasks tasks (no argument) enqueued after each bump
_REFRESH: dict[str, list[str]] = {}


def refresh_after(topic: str, task_path: str) -> None:
    """Enqueue the task `task_path` (a django-tasks task taking no argument) each time the
    version of `topic` is bumped through `changed` (after the commit of the change)."""
    paths = _REFRESH.setdefault(topic, [])
    if task_path not in paths:
        paths.append(task_path)


def refresh_tasks(topic: str) -> list[str]:
    return list(_REFRESH.get(topic, ()))


def data_stamp(*models, topics=()) -> tuple:
    """(rows, latest updated_at) of each model's table and the version of each topic, in one
    query."""
    if not models and not topics:
        return ()
    from maillage.core.models import DataVersion

    quote = connection.ops.quote_name
    columns, params = [], []
    for model in models:
        table = quote(model._meta.db_table)
        columns.append(f"(SELECT COUNT(*) FROM {table})")
        columns.append(f"(SELECT MAX({quote('updated_at')}) FROM {table})")
    versions = quote(DataVersion._meta.db_table)
    for topic in topics:
        columns.append(f"(SELECT {quote('version')} FROM {versions} WHERE {quote('name')} = %s)")
        params.append(topic)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        row = cursor.fetchone()
    return tuple(str(value) for value in row)


def bump(topic: str) -> None:
    """Increment the version of `topic` now (`changed` is the hook to call from services)."""
    from maillage.core.models import DataVersion

    if DataVersion.objects.filter(name=topic).update(version=F("version") + 1):
        return
    try:
        with transaction.atomic():
            DataVersion.objects.create(name=topic, version=1)
    except IntegrityError:  # created meanwhile by another process
        DataVersion.objects.filter(name=topic).update(version=F("version") + 1)


def changed(topic: str) -> None:
    """Mark the data of `topic` changed: its version is bumped once the current transaction
    commits (at once outside a transaction), so the next request recomputes what reads it."""

    conn = transaction.get_connection()
    if conn.in_atomic_block and any(
        getattr(func, "derived_topic", None) == topic and not func.done
        for _sids, func, _robust in conn.run_on_commit
    ):
        return  # already due at this commit (a publication moves thousands of applications)

    def run():
        run.done = True
        try:
            bump(topic)
        except Exception:  # a failed bump must not fail the committed change
            logger.exception("Version des données « %s » non incrémentée", topic)
        for path in refresh_tasks(topic):
            try:
                import_string(path).enqueue()
            except Exception:  # nor a failed enqueue (the periodic refresh catches up)
                logger.exception("Tâche %s non mise en file après « %s »", path, topic)

    run.derived_topic, run.done = topic, False
    transaction.on_commit(run)


def cache_key(name: str, parts, stamp) -> str:
    digest = hashlib.sha256(repr((parts, stamp)).encode()).hexdigest()
    return f"{name}:{digest}"


def cached(name: str, parts, compute, *, models=(), topics=(), stamp=None):
    """The value of `compute()` for `parts`, computed once per version of `models`' data and of
    `topics` (`stamp`: their `data_stamp`, when the caller has just read it)."""
    cache = caches[ALIAS]
    if stamp is None:
        stamp = data_stamp(*models, topics=topics)
    key = cache_key(name, parts, stamp)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value
