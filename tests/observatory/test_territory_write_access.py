"""Territory-wide data (figures of a territory group, the shared diagnostic) is written by the
Caf covering the group or by an organisation named party for it — never by one of its
communes alone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maillage.accounts.enums import Role
from maillage.accounts.perms import can_write_territory_group, writable_territory_groups
from maillage.observatory.enums import DiagnosticSection
from maillage.observatory.models import DiagnosticComment, Figure
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory

HEADER = "indicator,commune,territory,period,value,method,source,source_url,note\n"
TERRITORY_ROW = "allocataires,,bassin-de-vie-carros,2023,5120,measured,Caf,,\n"


def upload(text):
    return SimpleUploadedFile("donnees.csv", (HEADER + text).encode(), content_type="text/csv")


def test_the_rule(bassin, organisations, alice, bruno, charlie):
    group = bassin["group"]
    carros = bruno.memberships.get(organisation=organisations["06033"])
    caf = alice.memberships.get()
    assert not can_write_territory_group(carros, group)
    assert can_write_territory_group(caf, group)
    assert list(writable_territory_groups(carros)) == []
    assert list(writable_territory_groups(caf)) == [group]
    organisations["06033"].territory_groups.add(group)
    assert can_write_territory_group(carros, group)
    assert list(writable_territory_groups(carros)) == [group]
    reader = MembershipFactory(
        user=UserFactory(), organisation=organisations["caf"], role=Role.READER
    )
    assert not can_write_territory_group(reader, group)
    assert not can_write_territory_group(None, group)


def test_a_caf_that_does_not_cover_every_commune_may_not_write(bassin, organisations):
    other_caf = OrganisationFactory(
        slug="caf-autre", kind="caf", communes=[bassin["06033"], bassin["06064"]]
    )
    agent = MembershipFactory(user=UserFactory(), organisation=other_caf, role=Role.AGENT)
    assert not can_write_territory_group(agent, bassin["group"])
    assert list(writable_territory_groups(agent)) == []


def _import(client, text):
    """Upload, preview in the (immediate) worker, then confirm; returns the batch page."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        batch_url = client.post(reverse("web:observatory_import"), {"file": upload(text)})[
            "Location"
        ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(batch_url, {"action": "import"})
    return client.get(batch_url).content.decode()


def test_commune_agent_cannot_import_a_territory_figure(client, bassin, bruno):
    client.force_login(bruno)
    page = _import(client, TERRITORY_ROW)
    assert "n&#x27;est écrit que par la Caf" in page
    assert not Figure.objects.exists()
    # its own commune's figures are still accepted
    _import(client, "births,06033,,2021,130,measured,INSEE,,\n")
    assert Figure.objects.get().commune == bassin["06033"]


def test_caf_and_named_party_import_a_territory_figure(client, bassin, alice, bruno, organisations):
    client.force_login(alice)
    _import(client, TERRITORY_ROW)
    assert Figure.objects.get().territory == bassin["group"]
    organisations["06033"].territory_groups.add(bassin["group"])
    client.force_login(bruno)
    _import(client, TERRITORY_ROW.replace("5120", "5200"))
    assert Figure.objects.get().value == 5200


@pytest.mark.parametrize("section", [DiagnosticSection.OFFER])
def test_commune_agent_cannot_rewrite_the_shared_commentary(client, bassin, bruno, alice, section):
    url = reverse("web:observatory_comment", args=["bassin-de-vie-carros", section])
    client.force_login(bruno)
    assert client.post(url, {f"{section}-text": "Réécrit par Carros"}).status_code == 403
    page = client.get(reverse("web:observatory_diagnostic", args=["bassin-de-vie-carros"]))
    assert "<textarea" not in page.content.decode()
    assert not DiagnosticComment.objects.exists()
    client.force_login(alice)
    assert client.post(url, {f"{section}-text": "Analyse de la Caf"}).status_code == 302
    assert DiagnosticComment.objects.get().text == "Analyse de la Caf"
