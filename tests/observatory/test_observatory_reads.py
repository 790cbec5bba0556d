"""Observatory GETs never write, and the number of queries of the dashboard and of the commune
sheet does not grow with the number of communes, EPCI or figures."""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maillage.core.models import Job, JobStatus
from maillage.observatory import diagnostic
from maillage.observatory.enums import EditionStatus, Indicator
from maillage.observatory.models import DiagnosticEdition
from tests.observatory.factories import ChildminderFactory, FigureFactory, StructureFactory
from tests.territories.factories import CommuneFactory, EpciFactory


@pytest.fixture(autouse=True)
def _carros_named_party(bassin, organisations):
    """Bruno acts for Carros, named party for the bassin: a commune alone may not write
    territory-wide data (see tests/observatory/test_territory_write_access.py)."""
    organisations["06033"].territory_groups.add(bassin["group"])


SLUG = "bassin-de-vie-carros"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _editions(group, user):
    """One edition in each state a page can show, the stale ones included."""
    long_ago = timezone.now() - diagnostic.STALE_AFTER - datetime.timedelta(minutes=5)
    done = diagnostic.new_edition(group, user)
    DiagnosticEdition.objects.filter(pk=done.pk).update(
        status=EditionStatus.DONE, html="<p>Édition</p>", pdf=b"%PDF-1.4 test", snapshot_hash="a"
    )
    stale_job = Job.objects.create(
        kind="observatory-diagnostic", label="D", status=JobStatus.RUNNING, started_at=long_ago
    )
    diagnostic.new_edition(group, user, job=stale_job)  # a worker stopped long ago
    stale = diagnostic.new_edition(group, user)  # a command interrupted long ago
    DiagnosticEdition.objects.filter(pk=stale.pk).update(
        status=EditionStatus.RUNNING, created_at=long_ago
    )
    running = Job.objects.create(
        kind="observatory-diagnostic",
        label="D",
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        done=1,
        total=4,
    )
    diagnostic.new_edition(group, user, job=running)
    return [1, 2, 3, 4]


def _state():
    return (
        list(DiagnosticEdition.objects.order_by("pk").values_list("pk", "status", "error")),
        list(Job.objects.order_by("pk").values_list("pk", "status", "error", "done")),
    )


def test_gets_of_every_observatory_page_leave_the_database_unchanged(client, demo_bassin, bruno):
    numbers = _editions(demo_bassin["group"], bruno)
    public = [
        reverse("web:observatory_index"),
        reverse("web:observatory_dashboard", args=[SLUG]),
        reverse("web:observatory_commune", args=["06033"]),
        reverse("web:observatory_maps", args=[SLUG]),
        reverse("web:observatory_map_data", args=[SLUG]),
    ]
    partner = [reverse("web:observatory_diagnostic", args=[SLUG])]
    for number in numbers:
        partner.append(reverse("web:observatory_edition_status", args=[SLUG, number]))
        partner.append(reverse("web:observatory_edition", args=[SLUG, number]))
    partner.append(reverse("web:observatory_edition_pdf", args=[SLUG, 1]))
    before = _state()

    def get_without_writes(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert b"INVALID_TEMPLATE_VARIABLE" not in response.content, url
        # the audit trail records downloads and reads of personal data: that append is the point
        writes = [
            q["sql"]
            for q in queries
            if q["sql"].lstrip().upper().startswith(WRITES)
            and not q["sql"].lstrip().startswith('INSERT INTO "audit_auditentry"')
        ]
        assert writes == [], url

    for url in public:
        get_without_writes(url)
    client.force_login(bruno)
    client.get(partner[0])  # the first request of a session stores the acting organisation
    for url in public + partner:
        get_without_writes(url)
    assert _state() == before
    status = client.get(partner[3]).content.decode()  # edition 2: its worker stopped
    assert "interrompue" in status


def _grow(bassin, count: int):
    """`count` more communes in the territory, each in an EPCI of its own, with places and
    figures; more figures for Carros and for the territory."""
    group = bassin["group"]
    for i in range(count):
        commune = CommuneFactory(epci=EpciFactory())
        group.communes.add(commune)
        StructureFactory(commune=commune)
        ChildminderFactory(commune=commune)
        for year in ("2019", "2020", "2021"):
            FigureFactory(commune=commune, period=year)
            FigureFactory(
                commune=None,
                territory=group,
                indicator=Indicator.COVERAGE_RATE,
                period=f"{2000 + i}-{year[-2:]}",
                value=50,
            )
        FigureFactory(
            commune=bassin["06033"], indicator=Indicator.COVERAGE_RATE, period=f"20{10 + i}"
        )


def _count(client, url, *, cold: bool = True) -> int:
    """Queries of one request; `cold`: with the cache of derived figures emptied first."""
    if cold:
        caches["derived"].clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url", "limit", "cached"),
    [
        # + the expressed demand: 10 queries cold (7 GROUP BY on the queue: states, decisions,
        # placements, ages, months and days, wishes, first wishes; commission settings,
        # directory, declared places; on PostgreSQL 3 more: BEGIN, SET LOCAL jit, COMMIT),
        # 2 cached (window parameter; stamp of the directory and queue version); 1 more when
        # not in this process's cache: the figures stored by the worker (shared cache)
        (reverse("web:observatory_dashboard", args=[SLUG]), 47, 10),
        (reverse("web:observatory_commune", args=["06033"]), 46, 10),
    ],
)
def test_query_count_is_pinned_and_does_not_grow(
    client, demo_bassin, url, limit, cached, django_assert_max_num_queries
):
    limit += 3 if connection.vendor == "postgresql" else 0  # the demand's transaction
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200
    # The coverage report now comes from the cache of derived figures.
    with django_assert_max_num_queries(cached):
        assert client.get(url).status_code == 200
    before, before_cached = _count(client, url), _count(client, url, cold=False)
    _grow(demo_bassin, 6)
    assert _count(client, url) == before
    assert _count(client, url, cold=False) == before_cached
