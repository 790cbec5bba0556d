from django.core.management import call_command

from maillage.territories.cog import import_cog
from maillage.territories.models import Commune, Departement, Epci, Region


def test_import_cog_loads_all_communes_and_epci_then_changes_nothing(db, capsys):
    first = import_cog()
    assert first.created["communes"] == 34_969
    assert Commune.objects.count() == 34_969
    assert Epci.objects.count() == 1_255
    assert Region.objects.count() == 26  # 18 régions + collectivités d'outre-mer of the package
    assert Departement.objects.count() == 109

    saves = Epci.objects.get(siren="243200599")
    assert saves.name == "CC du Saves"  # spelt so in the COG file
    assert saves.communes.count() == 32

    carros = Commune.objects.select_related("departement", "epci").get(insee_code="06033")
    assert carros.name == "Carros"
    assert carros.departement.code == "06"
    assert carros.postal_codes == ["06510"]
    assert carros.population > 10_000
    assert carros.population_vintage == "COG 2026"
    assert "decoupage-administratif" in carros.population_source
    assert Commune.objects.get(insee_code="93031").name == "Épinay-sur-Seine"

    call_command("import_cog", verbosity=0)
    out = capsys.readouterr().out
    assert "aucun changement" in out
    assert Commune.objects.count() == 34_969
    assert Epci.objects.count() == 1_255


def test_import_cog_repairs_a_modified_commune(db):
    import_cog()
    Commune.objects.filter(insee_code="06033").update(name="Carros-modifié", population=1)
    report = import_cog()
    assert report.updated["communes"] == 1
    assert report.created["communes"] == 0
    carros = Commune.objects.get(insee_code="06033")
    assert (carros.name, carros.population > 10_000) == ("Carros", True)
