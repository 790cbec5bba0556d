"""The commission demo of the bassin de Carros: rules, a demo grid in force (marked as demo),
three reserves (one an employer's), the next session with its places; idempotent. Plus the admin pages."""

import pytest

from maillage.accounts import demo as accounts_demo
from maillage.applications import demo as applications_demo
from maillage.commission import demo, grids
from maillage.commission.enums import GridStatus, ReserveKind, SessionStatus
from maillage.commission.models import CommissionSettings, PointsGrid, Reserve, Session
from maillage.directory import demo as directory_demo

pytestmark = pytest.mark.django_db


class Out:
    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append(text)


def test_demo_commission(bassin, client):
    out = Out()
    accounts_demo.load(out)
    directory_demo.load(out)
    applications_demo.load(out)
    demo.load(out)
    group = bassin["group"]
    grid = grids.grid_in_force(group)
    assert grid.version == 2 and grid.is_demo and grid.status == GridStatus.ADOPTED
    assert all("Grille de démonstration" in row.reason for row in grid.criteria.all())
    assert [item.grid.version for item in grids.history(group)] == [2, 1]
    assert CommissionSettings.objects.filter(territory=group).count() == 1
    kinds = sorted(Reserve.objects.values_list("kind", flat=True))
    assert kinds == [ReserveKind.AVIP, ReserveKind.EMPLOYER, ReserveKind.INTEGRATION]
    session = Session.objects.get(slug=demo.SESSION_SLUG)
    assert session.status == SessionStatus.DRAFT and session.date > session.freeze_date
    assert session.places.count() >= 3
    # every reserve fits in the places its age group opens at the session
    for reserve in Reserve.objects.all():
        opened = session.places.get(structure=reserve.structure, age_group=reserve.age_group)
        assert opened.places >= reserve.places
    assert "séance « carros-prochaine-commission » en préparation" in out.lines[-1]
    counts = (PointsGrid.objects.count(), Reserve.objects.count(), Session.objects.count())
    demo.load(out)
    assert (PointsGrid.objects.count(), Reserve.objects.count(), Session.objects.count()) == counts
    page = client.get("/commission/bassin-de-vie-carros/comment-sont-attribuees-les-places/")
    text = page.content.decode()
    assert "Grille de démonstration" in text and session.name in text


def test_admin_pages_of_the_commission(client, alice, password):
    from tests.commission.factories import CommissionSettingsFactory, PointsGridFactory

    settings = CommissionSettingsFactory()
    grid = PointsGridFactory(territory=settings.territory)
    client.force_login(alice)
    for url in (
        "/admin/commission/commissionsettings/",
        f"/admin/commission/commissionsettings/{settings.pk}/change/",
        "/admin/commission/pointsgrid/",
        f"/admin/commission/pointsgrid/{grid.pk}/change/",
        "/admin/commission/reserve/",
        "/admin/commission/reserve/add/",
    ):
        assert client.get(url).status_code == 200, url
