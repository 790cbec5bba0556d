"""Open-data exports of the directory (CSV, XLSX, JSON).

Structures use the import columns (an export can be re-imported). Assistants maternels: without
their consent, neither the last name, the address, the phone nor the e-mail are exported, and
their position is the centre of their commune.
"""

import datetime
import json

from maillage.core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes
from maillage.directory.enums import days_of
from maillage.directory.models import Childminder, Structure

DAY_CODES = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]

STRUCTURE_EXPORT_COLUMNS = [
    "identifiant", "nom", "type", "type_libelle", "gestionnaire", "adresse", "code_postal",
    "code_insee", "commune", "latitude", "longitude", "precision_coordonnees", "age_min_mois",
    "age_max_mois", "places_bebes", "places_moyens", "places_grands", "places_autres",
    "places_total", "jours", "ouverture", "fermeture", "horaires_tot", "horaires_tard", "nuit",
    "week_end", "vacances", "referent_inclusion", "accueil_handicap", "tarification",
    "communes_admises", "telephone", "courriel", "site", "description", "source", "maj_source",
    "maj_maillage",
]  # fmt: skip
CHILDMINDER_EXPORT_COLUMNS = [
    "identifiant", "nom_public", "code_insee", "commune", "latitude", "longitude",
    "precision_coordonnees", "places_agrement", "age_min_mois", "age_max_mois", "horaires_tot",
    "horaires_tard", "nuit", "week_end", "accueil_handicap", "telephone", "courriel",
    "dispo_declaree_le", "dispo_a_partir_du", "dispo_places", "dispo_jours", "dispo_debut",
    "dispo_fin", "source",
]  # fmt: skip


def _days(mask) -> str:
    return ",".join(DAY_CODES[d] for d in days_of(mask or 0))


def _time(value) -> str:
    return value.strftime("%H:%M") if value else ""


def _yes(value: bool) -> str:
    return "oui" if value else "non"


def structure_rows(queryset=None):
    qs = (
        (queryset if queryset is not None else Structure.objects.active())
        .select_related("commune", "manager")
        .prefetch_related("admitted_communes")
        .order_by("commune__insee_code", "name", "pk")
    )
    for s in qs:
        yield {
            "identifiant": s.external_id or f"maillage-{s.pk}",
            "nom": s.name,
            "type": s.kind,
            "type_libelle": s.get_kind_display(),
            "gestionnaire": s.manager.name if s.manager else s.manager_name,
            "adresse": s.address,
            "code_postal": s.postal_code,
            "code_insee": s.commune.insee_code,
            "commune": s.commune.name,
            "latitude": s.latitude,
            "longitude": s.longitude,
            "precision_coordonnees": s.coordinates_precision,
            "age_min_mois": s.age_min_months,
            "age_max_mois": s.age_max_months,
            "places_bebes": s.places_babies,
            "places_moyens": s.places_toddlers,
            "places_grands": s.places_older,
            "places_autres": s.places_other,
            "places_total": s.places_total,
            "jours": _days(s.opening_days),
            "ouverture": _time(s.opens_at),
            "fermeture": _time(s.closes_at),
            "horaires_tot": _yes(s.early_hours),
            "horaires_tard": _yes(s.late_hours),
            "nuit": _yes(s.night),
            "week_end": _yes(s.weekend),
            "vacances": _yes(s.holidays),
            "referent_inclusion": _yes(s.inclusion_referent),
            "accueil_handicap": _yes(s.inclusion_adapted),
            "tarification": s.pricing_mode,
            "communes_admises": ";".join(c.insee_code for c in s.admitted_communes.all()),
            "telephone": s.phone,
            "courriel": s.email,
            "site": s.website,
            "description": s.description,
            "source": s.source,
            "maj_source": s.source_updated_on.isoformat() if s.source_updated_on else "",
            "maj_maillage": s.updated_at.date().isoformat(),
        }


def childminder_rows(queryset=None, on: datetime.date | None = None):
    qs = (
        (queryset if queryset is not None else Childminder.objects.active())
        .select_related("commune")
        .prefetch_related("availabilities")
        .order_by("commune__insee_code", "pk")
    )
    for c in qs:
        a = c.current_availability(on)
        location = c.public_location()
        yield {
            "identifiant": f"maillage-am-{c.pk}",
            "nom_public": c.public_name,
            "code_insee": c.commune.insee_code,
            "commune": c.commune.name,
            "latitude": location.latitude,
            "longitude": location.longitude,
            "precision_coordonnees": location.precision,
            "places_agrement": c.agreement_places,
            "age_min_mois": c.agreement_age_min_months,
            "age_max_mois": c.agreement_age_max_months,
            "horaires_tot": _yes(c.early_hours),
            "horaires_tard": _yes(c.late_hours),
            "nuit": _yes(c.night),
            "week_end": _yes(c.weekend),
            "accueil_handicap": _yes(c.inclusion_adapted),
            "telephone": c.phone if c.contact_consent else "",
            "courriel": c.email if c.contact_consent else "",
            "dispo_declaree_le": a.declared_on.isoformat() if a else "",
            "dispo_a_partir_du": a.available_from.isoformat() if a else "",
            "dispo_places": a.places if a else "",
            "dispo_jours": _days(a.days) if a else "",
            "dispo_debut": _time(a.starts_at) if a else "",
            "dispo_fin": _time(a.ends_at) if a else "",
            "source": c.source,
        }


def export(dataset: str, fmt: str) -> tuple[bytes, str]:
    """(content, content type) of `dataset` ('structures' or 'assistants-maternels')."""
    if dataset == "structures":
        columns, rows = STRUCTURE_EXPORT_COLUMNS, list(structure_rows())
    elif dataset == "assistants-maternels":
        columns, rows = CHILDMINDER_EXPORT_COLUMNS, list(childminder_rows())
    else:
        raise ValueError(dataset)
    if fmt == "csv":
        return csv_bytes(columns, rows), CSV_CONTENT_TYPE
    if fmt == "json":
        payload = {
            "jeu_de_donnees": dataset,
            "genere_le": datetime.date.today().isoformat(),
            "licence": "Licence Ouverte / Open Licence 2.0",
            "enregistrements": rows,
        }
        return (
            json.dumps(payload, ensure_ascii=False, indent=1).encode(),
            "application/json",
        )
    if fmt == "xlsx":
        return xlsx_bytes(dataset, columns, rows), XLSX_CONTENT_TYPE
    raise ValueError(fmt)
