"""Demo directory of the bassin de vie de Carros.

Structures: the equipment list of annex 2 of the CTG of the bassin de vie (seed convention 004,
« ANNEXE 2 – Listes des équipements et services »): names, addresses, kinds and communes as
written there. Capacities, ages, hours and contacts are demo values, marked as such.
97 fictitious assistants maternels spread as the convention says. Coordinates: commune centroid
(set by the territories demo from vendored contours) + a small deterministic offset, flagged
approximate. Idempotent.
"""

import datetime

from maillage.accounts.models import Organisation
from maillage.directory.enums import CoordinatesPrecision, PricingMode, StructureKind
from maillage.directory.enums import StructureKind as K
from maillage.directory.geo import offset
from maillage.directory.models import Childminder, ChildminderAvailability, Structure
from maillage.territories.models import Commune

SOURCE = (
    "CTG du bassin de vie de Carros (2021), annexe 2 ; capacités, horaires et contacts : "
    "valeurs de démonstration"
)
CM_SOURCE = "Assistants maternels fictifs — valeurs de démonstration"
CARROS, GATTIERES, GILETTE, LA_GAUDE, LE_BROC, SAINT_JEANNET = (
    "06033", "06064", "06066", "06065", "06025", "06122",
)  # fmt: skip
T = datetime.time

# Per kind: ages (months), places (babies, toddlers, older, other), days mask, hours, pricing.
EAJE_DEFAULTS = dict(age_min_months=2, age_max_months=48, pricing_mode=PricingMode.PSU,
                     inclusion_referent=True)  # fmt: skip
ALSH_DEFAULTS = dict(age_min_months=36, age_max_months=143, pricing_mode=PricingMode.OTHER,
                     holidays=True)  # fmt: skip

# (n°, kind, name, address, commune, manager slug or name, admitted communes, extra fields)
STRUCTURES = [
    (1, K.MULTI_ACCUEIL, "Maison de l'Enfance", "Rue des Abeilles", CARROS, "commune-carros", [],
     dict(EAJE_DEFAULTS, places_babies=12, places_toddlers=20, places_older=18,
          opens_at=T(7, 0), closes_at=T(19, 0), inclusion_adapted=True)),
    (2, K.RPE, "Maison de l'Enfance — relais petite enfance", "Rue des Abeilles", CARROS,
     "commune-carros", [CARROS, LE_BROC, GILETTE],
     dict(pricing_mode=PricingMode.FREE, opens_at=T(8, 30), closes_at=T(17, 0),
          description="Information des familles sur tous les modes d'accueil, accompagnement "
          "des assistants maternels.")),
    (3, K.ALSH_EXTRASCOLAIRE, "Mairie de Carros — accueil de loisirs", "rue l'Eusieres", CARROS,
     "commune-carros", [], dict(ALSH_DEFAULTS, places_other=120, opening_days=4,
                                opens_at=T(7, 30), closes_at=T(18, 30))),
    (4, K.ALSH_EXTRASCOLAIRE, "Centre Social Parimixité — accueil de loisirs",
     "15 rue du Bosquet", CARROS, "Association Parimixité", [],
     dict(ALSH_DEFAULTS, places_other=60, opening_days=4, opens_at=T(8, 0),
          closes_at=T(18, 0))),
    (5, K.TOY_LIBRARY, "Ludothèque du Centre social Parimixité", "15 rue du Bosquet", CARROS,
     "Association Parimixité", [], dict(pricing_mode=PricingMode.FREE, opening_days=4 + 16 + 32,
                                        opens_at=T(14, 0), closes_at=T(18, 0))),
    (6, K.CLAS, "Mairie de Carros — accompagnement à la scolarité", "rue l'Eusieres", CARROS,
     "commune-carros", [], dict(age_min_months=72, age_max_months=215, places_other=30,
                                pricing_mode=PricingMode.FREE, opening_days=1 + 2 + 8 + 16,
                                opens_at=T(16, 30), closes_at=T(18, 30))),
    (7, K.SOCIAL_CENTRE, "Centre social Parimixité", "15 rue du Bosquet", CARROS,
     "Association Parimixité", [], dict(opens_at=T(9, 0), closes_at=T(18, 0))),
    (8, K.MULTI_ACCUEIL, "Association les Canailous", "Route de Vence", GATTIERES,
     "Association les Canailous", [GATTIERES, SAINT_JEANNET],
     dict(EAJE_DEFAULTS, places_babies=6, places_toddlers=8, places_older=6,
          opens_at=T(7, 45), closes_at=T(18, 30))),
    (9, K.YOUTH_CENTRE, "Club Jeunesse de Gattières", "53 rue Virgil Barel", GATTIERES,
     "commune-gattieres", [GATTIERES, SAINT_JEANNET],
     dict(age_min_months=132, age_max_months=215, places_other=40, holidays=True,
          opening_days=4 + 32, opens_at=T(14, 0), closes_at=T(19, 0))),
    (10, K.ALSH_PERISCOLAIRE, "Ecole La Bastide", "Chemin de la Bastide", GATTIERES,
     "commune-gattieres", [], dict(ALSH_DEFAULTS, places_other=80, opens_at=T(7, 30),
                                   closes_at=T(18, 30))),
    (11, K.ALSH_PERISCOLAIRE, "Ecole Léon Mouraille", "53 Rue Virgil Barel", GATTIERES,
     "commune-gattieres", [], dict(ALSH_DEFAULTS, places_other=60, opens_at=T(7, 30),
                                   closes_at=T(18, 30))),
    (12, K.RPE, "RDPE Relais départemental de la Petite Enfance", "", GATTIERES,
     "departement-alpes-maritimes", [GATTIERES, LA_GAUDE, SAINT_JEANNET],
     dict(pricing_mode=PricingMode.FREE, opens_at=T(9, 0), closes_at=T(16, 30),
          description="Relais départemental : informations sur l'accueil individuel et "
          "collectif, permanences sur rendez-vous.")),
    (13, K.MICRO_CRECHE_PSU, "Microcrèche communale Les Petits Soleils", "1 ruelle Saint Honoré",
     GILETTE, "commune-gilette", [],
     dict(EAJE_DEFAULTS, places_babies=3, places_toddlers=5, places_older=4,
          opens_at=T(7, 30), closes_at=T(18, 30))),
    (14, K.ALSH_PERISCOLAIRE, "Groupe scolaire des Espauvettes", "358 route des Espauvettes",
     GILETTE, "commune-gilette", [], dict(ALSH_DEFAULTS, places_other=40, opens_at=T(7, 30),
                                          closes_at=T(18, 0))),
    (15, K.MULTI_ACCUEIL, "Espace Môme", "2210 route de Saint Jeannet", LA_GAUDE,
     "commune-la-gaude", [LA_GAUDE, SAINT_JEANNET],
     dict(EAJE_DEFAULTS, places_babies=10, places_toddlers=15, places_older=15,
          opens_at=T(7, 30), closes_at=T(18, 30))),
    (16, K.MULTI_ACCUEIL, "Espace Créatifs", "185 bis chemin Mont Gros", LA_GAUDE,
     "commune-la-gaude", [LA_GAUDE, SAINT_JEANNET],
     dict(EAJE_DEFAULTS, places_babies=4, places_toddlers=8, places_older=8,
          opens_at=T(6, 30), closes_at=T(19, 30), early_hours=True, late_hours=True)),
    (17, K.ALSH_EXTRASCOLAIRE, "ACM 3-12 ans", "Avenue Marcel Pagnol", LA_GAUDE,
     "commune-la-gaude", [], dict(ALSH_DEFAULTS, places_other=100, opening_days=4,
                                  opens_at=T(7, 30), closes_at=T(18, 30))),
    (18, K.ALSH_EXTRASCOLAIRE, "ACM 11-17 ans", "Route de Saint Laurent", LA_GAUDE,
     "commune-la-gaude", [], dict(ALSH_DEFAULTS, age_min_months=132, age_max_months=215,
                                  places_other=36, opening_days=4, opens_at=T(9, 0),
                                  closes_at=T(18, 0))),
    (19, K.TOY_LIBRARY, "Ludothèque", "925 chemin de peyrouas", SAINT_JEANNET,
     "commune-saint-jeannet", [LA_GAUDE, SAINT_JEANNET],
     dict(pricing_mode=PricingMode.FREE, opening_days=4 + 32, opens_at=T(9, 30),
          closes_at=T(17, 30))),
    (20, K.ALSH_PERISCOLAIRE, "ACM Ecole la Ferrage", "", SAINT_JEANNET,
     "commune-saint-jeannet", [], dict(ALSH_DEFAULTS, places_other=70, opens_at=T(7, 30),
                                       closes_at=T(18, 30))),
    (21, K.CRECHE_COLLECTIVE, "Crèche Le Jardin des Etoiles", "54 route de la Voute", LE_BROC,
     "commune-le-broc", [LE_BROC],
     dict(EAJE_DEFAULTS, places_babies=5, places_toddlers=8, places_older=7,
          opens_at=T(7, 30), closes_at=T(18, 30))),
    (22, K.YOUTH_CENTRE, "Accueil jeunesse", "184 route de Nice", LE_BROC, "commune-le-broc",
     [], dict(age_min_months=132, age_max_months=215, places_other=24, holidays=True,
              opening_days=4 + 32, opens_at=T(14, 0), closes_at=T(19, 0))),
    (23, K.ALSH_EXTRASCOLAIRE, "Accueil de Loisirs La Virgule", "54 route de la Voute", LE_BROC,
     "commune-le-broc", [], dict(ALSH_DEFAULTS, places_other=48, opening_days=4,
                                 opens_at=T(7, 30), closes_at=T(18, 30))),
    (24, K.TOY_LIBRARY, "Médiathèque Emile Tornatore", "54 rue de la Ferrage", LE_BROC,
     "commune-le-broc", [], dict(pricing_mode=PricingMode.FREE, opening_days=4 + 32,
                                 opens_at=T(10, 0), closes_at=T(18, 0))),
]  # fmt: skip

# Spread of the 97 assistants maternels in the convention (annex / diagnostic).
CHILDMINDERS_PER_COMMUNE = {
    CARROS: 49, GATTIERES: 19, GILETTE: 6, LA_GAUDE: 14, LE_BROC: 0, SAINT_JEANNET: 9,
}  # fmt: skip
FIRST_NAMES = [
    "Amandine", "Béatrice", "Camille", "Delphine", "Élodie", "Fatima", "Géraldine", "Hélène",
    "Inès", "Julie", "Karima", "Laetitia", "Mireille", "Nadia", "Océane", "Patricia", "Rachida",
    "Sandrine", "Sylvie", "Valérie", "Yasmina", "Nathalie", "Christelle", "Aurélie", "Marc",
]  # fmt: skip
LAST_NAMES = [
    "Allard", "Baudin", "Caillat", "Dalmasso", "Estève", "Faraut", "Giordano", "Hugues", "Isnard",
    "Juliani", "Laugier", "Martel", "Nicolaï", "Olivari", "Pellegrin", "Raybaud", "Savelli",
    "Tosello", "Vial", "Zunino", "Bermond", "Cottalorda", "Ferrero",
]  # fmt: skip


def _place(obj, commune, seed: int, max_km: float = 0.8):
    obj.latitude, obj.longitude = offset(commune.latitude, commune.longitude, seed, max_km)
    obj.coordinates_precision = CoordinatesPrecision.COMMUNE


def load_structures(today: datetime.date | None = None) -> list[Structure]:
    today = today or datetime.date.today()
    communes = {c.insee_code: c for c in Commune.objects.filter(insee_code__in=list(
        CHILDMINDERS_PER_COMMUNE))}  # fmt: skip
    organisations = {o.slug: o for o in Organisation.objects.all()}
    created = []
    for number, kind, name, address, code, manager, admitted, extra in STRUCTURES:
        commune = communes[code]
        org = organisations.get(manager)
        values = {
            "name": name,
            "kind": kind,
            "manager": org,
            "manager_name": "" if org else manager,
            "address": address,
            "postal_code": (commune.postal_codes or [""])[0],
            "commune": commune,
            "phone": f"04 93 00 {number:02d} {number * 3 % 100:02d}",
            "source": SOURCE,
            "source_updated_on": datetime.date(2021, 11, 25),
            "is_active": True,
            **{
                "places_babies": 0,
                "places_toddlers": 0,
                "places_older": 0,
                "places_other": 0,
                "age_min_months": None,
                "age_max_months": None,
                "opening_days": 31,
                "early_hours": False,
                "late_hours": False,
                "night": False,
                "weekend": False,
                "holidays": False,
                "inclusion_referent": False,
                "inclusion_adapted": False,
                "description": "",
                "pricing_mode": PricingMode.OTHER,
            },  # fmt: skip
            **extra,
        }
        if kind in (StructureKind.MULTI_ACCUEIL, StructureKind.CRECHE_COLLECTIVE):
            values.setdefault("description", "")
            if not values["description"]:
                values["description"] = (
                    "Accueil régulier et occasionnel des enfants de 2 mois et demi à 4 ans. "
                    "Tarif selon le barème national de la Caf."
                )
        structure, _ = Structure.objects.update_or_create(
            external_id=f"demo-ctg-carros-{number:02d}", defaults=values
        )
        if commune.latitude is not None:
            _place(structure, commune, number)
            structure.save(update_fields=["latitude", "longitude", "coordinates_precision"])
        structure.admitted_communes.set([communes[c] for c in admitted])
        created.append(structure)
    return created


def load_childminders(today: datetime.date | None = None) -> int:
    today = today or datetime.date.today()
    communes = {c.insee_code: c for c in Commune.objects.filter(insee_code__in=list(
        CHILDMINDERS_PER_COMMUNE))}  # fmt: skip
    number = 0
    for code, count in CHILDMINDERS_PER_COMMUNE.items():
        commune = communes[code]
        for _ in range(count):
            number += 1
            consent = number % 3 != 0
            childminder, _ = Childminder.objects.update_or_create(
                external_id=f"demo-am-{number:03d}",
                defaults={
                    "first_name": FIRST_NAMES[number % len(FIRST_NAMES)],
                    "last_name": LAST_NAMES[(number * 7) % len(LAST_NAMES)],
                    "commune": commune,
                    "address": f"{number} chemin des Demos",
                    "phone": f"06 00 00 {number // 100:02d} {number % 100:02d}" if consent else "",
                    "email": f"am{number:03d}@demo.maillage.example" if consent else "",
                    "contact_consent": consent,
                    "agreement_number": f"DEMO-06-{number:04d}",
                    "agreement_places": 3 + number % 2,
                    "agreement_age_min_months": 0 if number % 5 else 12,
                    "agreement_age_max_months": 72,
                    "early_hours": number % 4 == 0,
                    "late_hours": number % 6 == 0,
                    "weekend": number % 17 == 0,
                    "inclusion_adapted": number % 9 == 0,
                    "is_active": True,
                    "source": CM_SOURCE,
                },
            )
            if commune.latitude is not None:
                _place(childminder, commune, 1000 + number, max_km=1.5)
                childminder.save(update_fields=["latitude", "longitude", "coordinates_precision"])
            childminder.availabilities.all().delete()
            if number % 3 in (0, 1):  # about two in three declared an availability
                ChildminderAvailability.objects.create(
                    childminder=childminder,
                    declared_on=today - datetime.timedelta(days=number % 40),
                    available_from=today + datetime.timedelta(days=(number * 11) % 90),
                    places=1 + number % 2,
                    days=31 if number % 4 else 1 + 2 + 8 + 16,
                    starts_at=datetime.time(7, 0) if number % 4 == 0 else datetime.time(8, 0),
                    ends_at=datetime.time(19, 0) if number % 2 else datetime.time(18, 0),
                    note="Disponibilité de démonstration",
                )
    return number


def load(out, progress=None) -> None:
    structures = load_structures()
    out.write(f"{len(structures)} structures de l'annexe 2 de la CTG du bassin de vie de Carros.")
    count = load_childminders()
    available = Childminder.objects.with_current_availability().count()
    out.write(f"{count} assistants maternels fictifs, dont {available} avec une disponibilité.")
