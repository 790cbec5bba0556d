"""The expressed demand recomputed by the worker after a change of the queue, out of any request.

The hook (`applications.changes.queue_changed`) bumps the queue's version at the commit and
enqueues `observatory.tasks.refresh_demand`; the worker stores each territory's figures in the
shared cache; pages and the API read them. Between the change and the worker's recompute, they
show the previous figures with the date of their computation, labelled as being updated; the
diagnostic and the feeds never do. Here the database backend queues the task, run as the worker
does. The import of a waiting list is tested in tests/applications/test_import.py.
"""

import datetime

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from maillage.applications import services
from maillage.applications.changes import queue_changed
from maillage.applications.enums import State
from maillage.core.models import DataVersion
from maillage.directory.enums import StructureKind
from maillage.observatory import demand
from maillage.observatory.demand import demand_summary, refresh_stored
from tests.accounts.factories import OrganisationFactory
from tests.applications.factories import (
    ApplicationFactory,
    GuichetSettingsFactory,
    HouseholdFactory,
)
from tests.directory.factories import StructureFactory

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
REFRESH = "maillage.observatory.tasks.refresh_demand"
UPDATING = "en cours de mise à jour"


@pytest.fixture(autouse=True)
def _empty_store():
    caches[demand.STORE].clear()
    yield
    caches[demand.STORE].clear()


@pytest.fixture
def queue(bassin, django_capture_on_commit_callbacks):
    group = bassin["group"]
    carros = bassin["06033"]
    s1 = StructureFactory(name="Crèche A", commune=carros, kind=StructureKind.CRECHE_COLLECTIVE)
    GuichetSettingsFactory(territory=group, operator=OrganisationFactory(), structures=[s1])
    with override_settings(TASKS=DB_BACKEND), django_capture_on_commit_callbacks(execute=True):
        apps = [
            ApplicationFactory(
                household=HouseholdFactory(territory=group, commune=carros),
                state=State.WAITING,
                wishes=[s1],
            )
            for _ in range(12)
        ]
        queue_changed()  # as the services writing them do (factories do not)
    return {"group": group, "communes": list(group.communes.all()), "apps": apps}


def _queued() -> int:
    return DBTaskResult.objects.filter(task_path=REFRESH, status="READY").count()


def _worker():
    """What the worker does with the queued refreshes (the real worker in a separate process
    is tested in tests/core/test_runtime.py; it would not see this test's transaction)."""
    for row in DBTaskResult.objects.filter(task_path=REFRESH, status="READY"):
        import_string(row.task_path).call()
        row.delete()


def _waiting(report) -> int:
    return report.summary.total.waiting


def _withdraw(app, django_capture_on_commit_callbacks):
    with override_settings(TASKS=DB_BACKEND), django_capture_on_commit_callbacks(execute=True):
        services.withdraw(app, actor=None)


def test_a_change_of_the_queue_enqueues_the_refresh_which_stores_the_figures(
    queue, django_capture_on_commit_callbacks
):
    assert _queued() == 1  # one commit, one refresh
    _worker()
    assert _queued() == 0
    stored = demand._stored(sorted(c.pk for c in queue["communes"]))
    assert stored["stamp"] == demand.current_stamp()
    assert _waiting(stored["report"]) == 12
    # the pages read the stored figures: nothing recomputed in the request
    caches["derived"].clear()
    report = demand_summary(queue["communes"], previous_ok=True)
    assert report is not stored["report"]  # a copy from the shared cache, same figures
    assert (report.up_to_date, _waiting(report)) == (True, 12)
    assert report.as_of == stored["report"].as_of
    # a second refresh (the periodic one) with nothing changed recomputes nothing: it only
    # dates the stored figures of its check (still exact then)
    assert refresh_stored() == 0
    checked = demand._stored(sorted(c.pk for c in queue["communes"]))["report"]
    assert checked.as_of > stored["report"].as_of
    assert _waiting(checked) == 12


def test_the_first_view_after_a_change_shows_the_previous_figures_dated(
    client, queue, django_capture_on_commit_callbacks
):
    _worker()
    url = reverse("web:observatory_dashboard", args=[queue["group"].slug])
    api = reverse("api:observatory-coverage") + f"?territory={queue['group'].slug}"
    page = client.get(url).content.decode()
    assert "Données du " in page and UPDATING not in page
    computed = client.get(api).json()["demand"]["as_of"]
    version = DataVersion.objects.get(name="guichet-queue").version
    _withdraw(queue["apps"][0], django_capture_on_commit_callbacks)
    assert DataVersion.objects.get(name="guichet-queue").version == version + 1
    assert _queued() == 1
    # before the worker: the previous figures, with their date, said to be updated
    page = client.get(url).content.decode()
    assert UPDATING in page
    answer = client.get(api).json()["demand"]
    assert (answer["up_to_date"], answer["as_of"]) == (False, computed)
    assert answer["total"]["in_window"] == 12
    # the diagnostic and the feeds (no `previous_ok`) compute the current figures
    assert _waiting(demand_summary(queue["communes"])) == 11
    # the worker lands the recompute: every view shows it, up to date
    _worker()
    page = client.get(url).content.decode()
    assert UPDATING not in page
    answer = client.get(api).json()["demand"]
    assert (answer["up_to_date"], answer["total"]["in_window"]) == (True, 11)


def test_previous_figures_too_old_or_of_another_directory_are_not_shown(
    queue, django_capture_on_commit_callbacks, settings
):
    _worker()
    _withdraw(queue["apps"][0], django_capture_on_commit_callbacks)
    caches["derived"].clear()
    assert _waiting(demand_summary(queue["communes"], previous_ok=True)) == 12  # previous
    settings.MAILLAGE_DEMAND_PREVIOUS_MAX_AGE = 0
    caches["derived"].clear()
    report = demand_summary(queue["communes"], previous_ok=True)
    assert (report.up_to_date, _waiting(report)) == (True, 11)  # computed in the request
    settings.MAILLAGE_DEMAND_PREVIOUS_MAX_AGE = 900
    StructureFactory(name="Crèche C", commune=queue["communes"][0])  # the directory changed
    caches["derived"].clear()
    report = demand_summary(queue["communes"], previous_ok=True)
    assert (report.up_to_date, _waiting(report)) == (True, 11)


def test_figures_of_another_day_are_not_shown(queue, django_capture_on_commit_callbacks):
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    refresh_stored(on=yesterday)
    _withdraw(queue["apps"][0], django_capture_on_commit_callbacks)
    caches["derived"].clear()
    report = demand_summary(queue["communes"], previous_ok=True)
    assert (report.up_to_date, report.summary.on) == (True, datetime.date.today())
