"""Public pages (search, structure, childminder, simulator, open data) and the demo loader."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.directory import demo
from maillage.directory.models import Childminder, Structure
from maillage.web.directory.views import PAGE_SIZE
from tests.directory.factories import AvailabilityFactory, ChildminderFactory, StructureFactory


@pytest.fixture
def demo_directory(located_bassin):
    demo.load(io.StringIO())
    return located_bassin


def test_family_search_le_broc_until_19h(client, demo_directory):
    response = client.get(
        reverse("web:directory_search"),
        {"commune": "Le Broc (06025)", "insee": "06025", "radius_km": 10, "age_months": 6,
         "until_time": "19:00"},
    )  # fmt: skip
    assert response.status_code == 200
    result = response.context["result"]
    kinds = {h.kind for h in result.hits}
    assert "multi_accueil" in kinds and "assistant_maternel" in kinds
    for hit in result.hits:
        assert hit.distance_km <= 10
        # declared hours, or the « Tard le soir » badge (filters and badges agree)
        if hit.is_childminder:
            assert hit.availability.ends_at.hour >= 19 or hit.obj.late_hours
        else:
            assert hit.obj.closes_at.hour >= 19 or hit.obj.late_hours
    page = response.content.decode()
    assert "Maison de l&#x27;Enfance" in page
    assert "Qui peut m'aider ?" in page
    assert "relais petite enfance" in page
    data = json.loads(
        page.split('id="carte-resultats-data" type="application/json">')[1].split("</script>")[0]
    )
    # the map shows the results the list shows: the first page (« Voir plus » adds the others)
    assert len(result.hits) > PAGE_SIZE
    assert [i["name"] for i in data["items"]] == [
        h.obj.public_name if h.is_childminder else h.obj.name for h in result.hits[:PAGE_SIZE]
    ]
    assert data["outlines"] and data["radius_km"] == 10
    assert data["tiles"]["url"] == ""


def test_search_errors_are_french_and_keep_the_values(client, demo_directory):
    response = client.get(
        reverse("web:directory_search"),
        {"commune": "Nullepart", "radius_km": "dix", "age_months": "6", "until_time": "19:00"},
    )
    page = response.content.decode()
    assert "Aucune commune ne correspond à « Nullepart »" in page
    assert "Saisissez un nombre entier de kilomètres." in page
    assert 'value="Nullepart"' in page and 'value="6"' in page and 'value="19:00"' in page
    assert "resultats" not in page


def test_ambiguous_commune_offers_choices(client, demo_directory):
    from tests.territories.factories import CommuneFactory

    CommuneFactory(insee_code="63054", name="Le Broc", postal_codes=["63500"])
    response = client.get(reverse("web:directory_search"), {"commune": "le broc"})
    page = response.content.decode()
    assert "Plusieurs communes correspondent" in page
    assert "insee=06025" in page and "insee=63054" in page


def test_structure_and_childminder_pages(client, demo_directory):
    crèche = Structure.objects.get(name="Crèche Le Jardin des Etoiles")
    page = client.get(reverse("web:directory_structure", args=[crèche.pk])).content.decode()
    assert "Crèche collective" in page
    assert "valeurs de démonstration" in page
    assert "estimer le prix pour ma famille" in page
    assert "position approximative" in page
    hidden = Childminder.objects.filter(contact_consent=False).first()
    page = client.get(reverse("web:directory_childminder", args=[hidden.pk])).content.decode()
    assert hidden.last_name not in page and hidden.address not in page
    assert "Ses coordonnées ne sont pas publiées" in page
    shown = Childminder.objects.filter(contact_consent=True).first()
    page = client.get(reverse("web:directory_childminder", args=[shown.pk])).content.decode()
    assert shown.last_name in page and shown.phone in page


def test_inactive_structure_is_not_public(client, located_bassin):
    structure = StructureFactory(commune=located_bassin["06025"], inactive=True)
    assert client.get(reverse("web:directory_structure", args=[structure.pk])).status_code == 404


def test_simulator_page_shows_steps_and_sources(client, db):
    url = reverse("web:directory_simulator")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"care": "collective", "date": "2025-10-01", "monthly_resources": "3000",
         "children": "2", "aeeh_children": "0", "hours_per_month": "160"},
    )  # fmt: skip
    page = response.content.decode()
    assert "1,55 € de l'heure, 247,68 € par mois" in page
    assert "Le calcul, étape par étape" in page
    assert "caf.fr" in page
    familiale = client.post(
        url,
        {"care": "familiale", "date": "2025-10-01", "monthly_resources": "3000",
         "children": "1", "aeeh_children": "0", "hours_per_month": "100"},
    ).content.decode()  # fmt: skip
    assert "crèches familiales et parentales n&#x27;est pas encore renseigné" in familiale


def test_simulator_errors_keep_the_values(client, db):
    response = client.post(
        reverse("web:directory_simulator"),
        {"care": "assistant_maternel", "date": "2025-10-01", "monthly_resources": "3 000",
         "children": "2", "aeeh_children": "3", "hours_per_month": "160"},
    )  # fmt: skip
    page = response.content.decode()
    assert "Saisissez un montant en euros" in page
    assert "ne peut pas dépasser le nombre d&#x27;enfants à charge" in page
    assert "Indiquez le salaire horaire pour estimer le CMG" in page
    assert 'value="3 000"' in page and 'value="160"' in page
    old = client.post(
        reverse("web:directory_simulator"),
        {"care": "collective", "date": "2020-01-01", "monthly_resources": "3000",
         "children": "1", "hours_per_month": "160"},
    ).content.decode()  # fmt: skip
    assert "Choisissez une date plus récente" in old


def test_exports_are_public_and_respect_consent(client, located_bassin):
    commune = located_bassin["06033"]
    StructureFactory(commune=commune, name="Crèche exportée")
    secret = ChildminderFactory(commune=commune, last_name="Confidentielle", address="7 rue X")
    AvailabilityFactory(childminder=secret)
    ChildminderFactory(commune=commune, last_name="Publique", consenting=True)
    response = client.get(reverse("web:directory_export", args=["structures", "csv"]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["nom"] == "Crèche exportée" and rows[0]["places_total"] == "30"
    data = client.get(reverse("web:directory_export", args=["assistants-maternels", "json"]))
    records = json.loads(data.content)["enregistrements"]
    text = json.dumps(records, ensure_ascii=False)
    assert "Confidentielle" not in text and "7 rue X" not in text and secret.email not in text
    assert "Publique" in text
    hidden = next(r for r in records if r["nom_public"].startswith(secret.first_name))
    assert hidden["dispo_places"] == 1 and hidden["precision_coordonnees"] == "commune"
    xlsx = client.get(reverse("web:directory_export", args=["structures", "xlsx"]))
    assert xlsx.content[:2] == b"PK"
    assert client.get("/annuaire/export/autre.csv").status_code == 404


def test_exported_csv_can_be_imported_again(client, located_bassin):
    from maillage.directory import importers

    StructureFactory(commune=located_bassin["06033"], name="Aller-retour", late=True)
    content = client.get(reverse("web:directory_export", args=["structures", "csv"])).content
    report = importers.check(content, "export.csv", "structures")
    assert not report.has_errors
    importers.apply(report)
    assert Structure.objects.filter(name="Aller-retour").count() == 2  # new identifier


def test_demo_follows_the_convention(located_bassin):
    for _ in range(2):  # idempotent
        demo.load(io.StringIO())
    assert Structure.objects.count() == 24
    per_commune = {
        code: Childminder.objects.filter(commune__insee_code=code).count()
        for code in demo.CHILDMINDERS_PER_COMMUNE
    }
    assert per_commune == demo.CHILDMINDERS_PER_COMMUNE
    assert sum(per_commune.values()) == 97
    assert Childminder.objects.with_current_availability().exists()
    assert all(s.is_approximate for s in Structure.objects.all())
    assert all("démonstration" in s.source for s in Structure.objects.all())
    assert located_bassin["06025"].geometry is not None


def test_admin_changes_are_audited(client, located_bassin, alice, password):
    from maillage.audit.models import AuditAction, AuditEntry

    structure = StructureFactory(commune=located_bassin["06025"], name="Avant")
    client.login(username=alice.email, password=password)
    assert client.get("/admin/directory/structure/").status_code == 200
    url = f"/admin/directory/structure/{structure.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = {
        k: v
        for k, v in page.context["adminform"].form.initial.items()
        if v is not None and k != "admitted_communes"
    }
    data.update(name="Après", commune=structure.commune.pk, admitted_communes=[])
    for key in ("opens_at", "closes_at"):
        data[key] = data[key].strftime("%H:%M")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert entry.changes["name"] == ["Avant", "Après"]


def test_agent_records_a_declared_availability(client, located_bassin, bruno, charlie, password):
    from maillage.audit.models import AuditAction, AuditEntry

    childminder = ChildminderFactory(commune=located_bassin["06033"], agreement_places=3)
    url = reverse("web:directory_declare_availability", args=[childminder.pk])
    client.login(username=bruno.email, password=password)
    detail = client.get(reverse("web:directory_childminder", args=[childminder.pk]))
    assert "Déclarer une disponibilité" in detail.content.decode()
    bad = client.post(
        url,
        {"available_from": "demain", "places": "5", "days": ["0"], "starts_at": "19:00",
         "ends_at": "08:00", "note": "Pas le mercredi"},
    )  # fmt: skip
    page = bad.content.decode()
    assert "Saisissez une date valide" in page
    assert "L&#x27;agrément ne compte que 3 place(s)." in page
    assert "L&#x27;heure de fin doit suivre l&#x27;heure de début." in page
    assert 'value="Pas le mercredi"' in page and 'value="5"' in page
    good = client.post(
        url,
        {"available_from": "2026-12-01", "places": "2", "days": ["0", "1", "3", "4"],
         "starts_at": "07:30", "ends_at": "19:00"},
    )  # fmt: skip
    assert good.status_code == 302
    availability = childminder.current_availability()
    assert availability.places == 2 and availability.days == 0b11011
    assert availability.declared_on == datetime.date.today()
    assert AuditEntry.objects.filter(action=AuditAction.CREATE).count() == 1
    client.logout()
    client.login(username=charlie.email, password=password)
    assert client.get(url).status_code == 403


def test_postal_code_shared_by_several_communes_searches_around_each(client, located_bassin):
    """« 06510 » (Carros, Gattières, Le Broc) is not an error: the search runs around the
    three communes and says which; messages quote what the person typed or saw."""
    b = located_bassin
    StructureFactory(
        commune=b["06025"],
        latitude=b["06025"].latitude,
        longitude=b["06025"].longitude,
        name="Crèche du Broc",
    )
    StructureFactory(
        commune=b["06064"],
        latitude=b["06064"].latitude,
        longitude=b["06064"].longitude,
        name="Crèche de Gattières",
    )
    response = client.get(reverse("web:directory_search"), {"commune": "06510", "radius_km": 5})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le code postal 06510 est partagé par 3 communes" in page
    assert "Carros, Gattières, Le Broc" in page
    found = {h.obj.name for h in response.context["result"].hits}
    assert {"Crèche du Broc", "Crèche de Gattières"} <= found
    assert "Plusieurs communes" not in page
    data = json.loads(
        page.split('id="carte-resultats-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["radius_km"] is None  # no single circle around three communes
    assert {o["properties"]["name"] for o in data["outlines"]} >= {"Carros", "Gattières", "Le Broc"}


def test_homonyms_message_quotes_postal_codes_not_insee(client, located_bassin):
    from tests.territories.factories import CommuneFactory

    CommuneFactory(insee_code="63054", name="Le Broc", postal_codes=["63500"])
    page = client.get(reverse("web:directory_search"), {"commune": "le broc"}).content.decode()
    assert "Le Broc (06510)" in page and "Le Broc (63500)" in page
    assert "(06025)" not in page and "(63054)" not in page
    assert "insee=06025" in page  # the choice links still carry the exact commune


def test_expected_baby_without_start_date_gets_a_stated_default(client, located_bassin):
    """A baby expected in 3 months: the age is taken when the child is 3 months old (the page
    says so), so crèches admitting from 3 months are found."""
    b = located_bassin
    StructureFactory(
        commune=b["06025"],
        latitude=b["06025"].latitude,
        longitude=b["06025"].longitude,
        name="Crèche",
        age_min_months=3,
        age_max_months=48,
    )
    today = datetime.date.today()
    index = today.year * 12 + today.month - 1 + 3
    expected = f"{index // 12:04d}-{index % 12 + 1:02d}"
    response = client.get(
        reverse("web:directory_search"),
        {"commune": "Le Broc", "naissance": expected, "kind": "eaje"},
    )
    page = response.content.decode()
    assert [h.obj.name for h in response.context["result"].hits] == ["Crèche"]
    assert "Vous n'avez pas indiqué de date d'accueil" in page
    assert response.context["derived_start"].day == 1


def test_no_result_says_why_and_offers_wider_searches_with_counts(client, located_bassin):
    b = located_bassin
    StructureFactory(
        commune=b["06033"],
        latitude=b["06033"].latitude,
        longitude=b["06033"].longitude,
        name="Crèche de Carros",
    )  # 3.9 km from Le Broc
    StructureFactory(
        commune=b["06025"],
        latitude=b["06025"].latitude,
        longitude=b["06025"].longitude,
        name="Crèche du samedi",
        opening_days=31,
    )
    childminder = ChildminderFactory(commune=b["06025"])
    AvailabilityFactory(childminder=childminder, days=32)  # Saturday
    response = client.get(
        reverse("web:directory_search"),
        {"commune": "Le Broc", "radius_km": 1, "kind": "eaje", "days": ["5"]},
    )
    page = response.content.decode()
    assert response.context["result"].hits == []
    wider = {w["label"]: w for w in response.context["wider"]}
    assert wider["D'autres jours (sans le critère des jours)"]["count"] >= 1
    assert wider["Chez un assistant maternel"]["count"] == 1
    assert "kind=assistant_maternel" in wider["Chez un assistant maternel"]["url"]
    assert "days=" not in wider["D'autres jours (sans le critère des jours)"]["url"]
    assert "Voici les recherches les plus proches" in page


def test_simulator_explains_its_jargon_in_plain_words(client, db):
    """Each official term keeps its name and comes with plain words on the page where it
    appears; the result comes first and takes the focus (phones, screen readers)."""
    page = client.post(
        reverse("web:directory_simulator"),
        {"care": "collective", "date": "2025-10-01", "monthly_resources": "3000",
         "children": "2", "aeeh_children": "0", "hours_per_month": "160"},
    ).content.decode()  # fmt: skip
    page = page.replace("&#x27;", "'")
    # official term, then plain words next to it
    assert "ressources N-2 avant abattements" in page
    assert "Les revenus du foyer d'il y a deux ans, avant déductions fiscales" in page
    assert "AEEH : allocation d'éducation de l'enfant handicapé, versée par la Caf" in page
    assert "de vos ressources mensuelles pour chaque heure d'accueil" in page
    assert "le « taux d'effort » du barème" in page
    assert "« PSU », prestation de service unique" in page
    assert "« CMG », complément de libre choix du mode de garde" in page
    assert "Les mots du calcul, expliqués" in page
    # on a phone the result column comes first; its heading is the focus target
    assert "order-first order-lg-last" in page
    assert 'id="resultat" class="h4" tabindex="-1" data-result-focus' in page
    assert "Modifier les réponses" in page
    assert "js/result-focus.js" in page


def test_psu_structure_page_says_what_the_pricing_means(client, located_bassin):
    structure = StructureFactory(commune=located_bassin["06025"], pricing_mode="psu")
    page = client.get(reverse("web:directory_structure", args=[structure.pk])).content.decode()
    assert "Barème national (PSU)" in page
    assert "le prix de l'heure dépend de vos revenus" in page


def test_search_results_come_first_and_take_the_focus(client, located_bassin):
    page = client.get(
        reverse("web:directory_search"), {"commune": "Le Broc", "radius_km": 10}
    ).content.decode()
    assert page.index('id="resultats"') < page.index('<form method="get"')
    assert "Modifier la recherche" in page and "js/result-focus.js" in page
    assert 'tabindex="-1" data-result-focus' in page


def _search_page(client, code: str):
    return client.get(
        reverse("web:directory_search"), {"commune": code, "insee": code, "radius_km": 15}
    )


def test_reserved_structures_name_their_communes_in_a_fixed_number_of_queries(
    client, located_bassin, django_assert_num_queries
):
    carros, broc, gaude = located_bassin["06033"], located_bassin["06025"], located_bassin["06065"]
    StructureFactory(commune=carros, name="Crèche ouverte à tous")
    StructureFactory(commune=carros, name="Crèche réservée 1", admitted=[gaude, broc])
    _search_page(client, "06033")  # warm the per-process caches (templates, URLs)
    with CaptureQueriesContext(connection) as before:
        page = _search_page(client, "06033").content.decode()
    assert "Réservé aux familles de :</strong> La Gaude, Le Broc</p>" in page
    for i in range(2, 6):
        StructureFactory(
            commune=broc, name=f"Crèche réservée {i}", admitted=[located_bassin["06122"]]
        )
    with django_assert_num_queries(len(before)):
        page = _search_page(client, "06033").content.decode()
    assert page.count("Réservé aux familles de :</strong> Saint-Jeannet</p>") == 4
    assert "Crèche ouverte à tous" in page


def test_badges_of_structures_and_childminders(client, located_bassin):
    carros = located_bassin["06033"]
    StructureFactory(commune=carros, late_hours=True, holidays=True, inclusion_referent=True)
    childminder = ChildminderFactory(commune=carros, weekend=True, inclusion_adapted=True)
    AvailabilityFactory(childminder=childminder)
    page = _search_page(client, "06033").content.decode()
    for label in ("Tard le soir", "Vacances scolaires", "Week-end"):
        assert f'<span class="badge text-bg-light border">{label}</span>' in page
    assert page.count('<span class="badge text-bg-light border">Accueil inclusif</span>') == 2
    for label in ("Tôt le matin", "La nuit"):
        assert f'<span class="badge text-bg-light border">{label}</span>' not in page


def test_shared_postal_code_search_equals_the_union_of_the_searches_around_each(located_bassin):
    """One pass around several centres gives what one search per commune gives, merged: the
    same results, each at its distance from the nearest commune; a structure reserved to some
    communes admits the family when it admits one of the communes of the postal code."""
    from maillage.directory.search import SearchCriteria, _search_around_each, search

    b = located_bassin
    communes = [b["06033"], b["06064"], b["06025"]]
    for i, code in enumerate(("06033", "06064", "06066", "06065", "06025", "06122") * 3):
        commune = b[code]
        structure = StructureFactory(
            commune=commune,
            latitude=commune.latitude + 0.004 * (i % 5),
            longitude=commune.longitude - 0.003 * (i % 4),
        )
        if i % 4 == 0:
            structure.admitted_communes.set([b["06064"]])
        elif i % 4 == 1:
            structure.admitted_communes.set([b["06122"]])

    def key(result):
        return [
            (h.obj.pk, round(h.distance_km, 9)) for h in sorted(result.hits, key=lambda h: h.obj.pk)
        ]

    for radius in (1, 4, 15):
        one_pass = search(SearchCriteria(communes=list(communes), radius_km=radius))
        each = _search_around_each(SearchCriteria(communes=list(communes), radius_km=radius))
        assert key(one_pass) == key(each)
        assert one_pass.truncated == each.truncated
        for hit in one_pass.hits:
            codes = {c.pk for c in hit.obj.admitted_communes.all()}
            assert hit.admits_family == (not codes or bool(codes & {c.pk for c in communes}))
