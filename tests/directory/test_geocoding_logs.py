"""A geocoding failure is logged without the address (it may be someone's home): the commune
code, the object's reference and a count only."""

import logging

from maillage.directory import importers
from maillage.directory.models import Childminder, Structure

CHILDMINDERS = """identifiant;prenom;nom;code_insee;places_agrement;consentement_coordonnees;adresse
AM1;Awa;Diallo;06033;4;oui;12 impasse des Oliviers
AM2;Bernard;Roux;06064;3;oui;3 chemin du Moulin
"""


def test_failures_log_no_address(located_bassin, settings, tmp_path, caplog):
    settings.MAILLAGE_GEOCODER = "ban"
    settings.MAILLAGE_GEOCODER_URL = (tmp_path / "no-such-service").as_uri()  # always fails
    report = importers.check(CHILDMINDERS.encode(), "am.csv", "childminders")
    assert not report.has_errors
    with caplog.at_level(logging.WARNING, logger="maillage.directory.geocoding"):
        importers.apply(report)
    # the import goes on: placed at the commune centre, flagged approximate
    assert all(c.is_approximate for c in Childminder.objects.all())
    lines = [r.getMessage() for r in caplog.records if r.name == "maillage.directory.geocoding"]
    assert len(lines) == 2
    assert "commune 06033" in lines[0] and "échec n° 1" in lines[0]
    assert "commune 06064" in lines[1] and "échec n° 2" in lines[1]
    logged = "\n".join(caplog.text.splitlines() + lines)
    for personal in ("Oliviers", "Moulin", "12 impasse", "Diallo", "Roux", "Awa", "Bernard"):
        assert personal not in logged


def test_an_existing_structure_is_named_by_its_id(located_bassin, settings, tmp_path, caplog):
    from maillage.directory.geocoding import get_geocoder, locate
    from tests.directory.factories import StructureFactory

    settings.MAILLAGE_GEOCODER = "ban"
    settings.MAILLAGE_GEOCODER_URL = (tmp_path / "no-such-service").as_uri()
    structure = StructureFactory(
        commune=located_bassin["06025"], address="54 route de la Voute",
        latitude=None, longitude=None, coordinates_precision="none",
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="maillage.directory.geocoding"):
        locate(Structure.objects.get(pk=structure.pk), get_geocoder())
    assert f"n° {structure.pk}" in caplog.text and "commune 06025" in caplog.text
    assert "Voute" not in caplog.text
