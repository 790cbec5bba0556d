"""A convention's equipment annex is a copy taken at signature or by an avenant, never the live
directory: a structure imported afterwards (not reviewed) cannot reach the signed document."""

import pytest

from maillage.conventions import documents, editing
from maillage.conventions.enums import ConventionStatus
from tests.directory.factories import StructureFactory

HOSTILE = "<script>alert(1)</script> Crèche importée"


def _annex_names(convention) -> list[str]:
    return [
        row["name"]
        for _, rows in documents.convention_context(convention)["equipment"]
        for row in rows
    ]


@pytest.mark.django_db
def test_the_annex_is_copied_at_signature_and_not_read_live(convention, bassin, alice):
    carros = bassin["06033"]
    StructureFactory(name="Crèche Les Lutins", commune=carros)
    convention.status = ConventionStatus.DRAFT
    convention.save(update_fields=["status"])
    editing.change_status(convention, "sign", actor=alice)
    assert _annex_names(convention) == ["Crèche Les Lutins"]

    StructureFactory(name=HOSTILE, commune=carros)  # imported after signature
    assert _annex_names(convention) == ["Crèche Les Lutins"]

    # An avenant that asks for it takes a new copy.
    editing.record_amendment(
        convention,
        title="Avenant n°1 : mise à jour des équipements",
        refresh_equipment=True,
        seen_version=convention.version,
        actor=alice,
    )
    assert HOSTILE in _annex_names(convention)
