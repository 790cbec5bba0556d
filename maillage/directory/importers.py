"""Import of structures and assistants maternels from CSV or XLSX files.

Two steps: `check()` parses and validates every line and returns a report (line-numbered French
errors, the rows ready to import); `apply()` writes the valid rows. Nothing is written while the
file has errors, unless the caller explicitly asks for the valid rows only. Rows are matched on
`identifiant` (external id) to update instead of duplicate. Columns: docs/directory.md.
"""

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction

from maillage.core.tabular import (
    NotTabular,
    check_cell,
    csv_error_message,
    decode_csv_bytes,
    open_workbook,
)
from maillage.directory.enums import (
    CoordinatesPrecision,
    ImportKind,
    PricingMode,
    StructureKind,
    days_mask,
)
from maillage.directory.geocoding import get_geocoder, locate
from maillage.directory.models import Childminder, ChildminderAvailability, Structure
from maillage.territories.models import Commune

MAX_ROWS = 50_000
MAX_INT = 100_000  # places, ages in months: far below the database's integer limit


class ImportFileError(ValueError):
    """The file cannot be read at all (message in French)."""


def normalise(text) -> str:
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# column: (required, kind of value)
STRUCTURE_COLUMNS = {
    "identifiant": (False, "text"),
    "nom": (True, "text"),
    "type": (True, "kind"),
    "gestionnaire": (False, "text"),
    "adresse": (False, "text"),
    "code_postal": (False, "text"),
    "code_insee": (True, "commune"),
    "latitude": (False, "lat"),
    "longitude": (False, "lon"),
    "age_min_mois": (False, "int"),
    "age_max_mois": (False, "int"),
    "places_bebes": (False, "int"),
    "places_moyens": (False, "int"),
    "places_grands": (False, "int"),
    "places_autres": (False, "int"),
    "jours": (False, "days"),
    "ouverture": (False, "time"),
    "fermeture": (False, "time"),
    "horaires_tot": (False, "bool"),
    "horaires_tard": (False, "bool"),
    "nuit": (False, "bool"),
    "week_end": (False, "bool"),
    "vacances": (False, "bool"),
    "referent_inclusion": (False, "bool"),
    "accueil_handicap": (False, "bool"),
    "tarification": (False, "pricing"),
    "communes_admises": (False, "communes"),
    "telephone": (False, "text"),
    "courriel": (False, "email"),
    "site": (False, "url"),
    "description": (False, "text"),
    "actif": (False, "bool"),
    "source": (False, "text"),
    "maj_source": (False, "date"),
}
CHILDMINDER_COLUMNS = {
    "identifiant": (False, "text"),
    "prenom": (True, "text"),
    "nom": (True, "text"),
    "code_insee": (True, "commune"),
    "adresse": (False, "text"),
    "telephone": (False, "text"),
    "courriel": (False, "email"),
    "consentement_coordonnees": (False, "bool"),
    "numero_agrement": (False, "text"),
    "places_agrement": (True, "int"),
    "age_min_mois": (False, "int"),
    "age_max_mois": (False, "int"),
    "horaires_tot": (False, "bool"),
    "horaires_tard": (False, "bool"),
    "nuit": (False, "bool"),
    "week_end": (False, "bool"),
    "accueil_handicap": (False, "bool"),
    "actif": (False, "bool"),
    "source": (False, "text"),
    "dispo_declaree_le": (False, "date"),
    "dispo_a_partir_du": (False, "date"),
    "dispo_places": (False, "int"),
    "dispo_jours": (False, "days"),
    "dispo_debut": (False, "time"),
    "dispo_fin": (False, "time"),
}
COLUMNS = {ImportKind.STRUCTURES: STRUCTURE_COLUMNS, ImportKind.CHILDMINDERS: CHILDMINDER_COLUMNS}

DAY_WORDS = {
    "lun": 0, "lundi": 0, "mar": 1, "mardi": 1, "mer": 2, "mercredi": 2, "jeu": 3, "jeudi": 3,
    "ven": 4, "vendredi": 4, "sam": 5, "samedi": 5, "dim": 6, "dimanche": 6,
}  # fmt: skip
TRUE_WORDS = {"oui", "o", "vrai", "true", "1", "x", "yes"}
FALSE_WORDS = {"non", "n", "faux", "false", "0", "no", ""}
PRICING_WORDS = {
    "psu": PricingMode.PSU, "bareme": PricingMode.PSU, "paje": PricingMode.PAJE,
    "gratuit": PricingMode.FREE, "free": PricingMode.FREE, "autre": PricingMode.OTHER,
    "other": PricingMode.OTHER,
}  # fmt: skip
KIND_WORDS = {normalise(k.value): k.value for k in StructureKind} | {
    normalise(k.label): k.value for k in StructureKind
} | {
    "eaje": StructureKind.MULTI_ACCUEIL.value, "creche": StructureKind.CRECHE_COLLECTIVE.value,
    "ram": StructureKind.RPE.value, "alsh": StructureKind.ALSH_EXTRASCOLAIRE.value,
    "micro_creche": StructureKind.MICRO_CRECHE_PAJE.value, "cs": StructureKind.SOCIAL_CENTRE.value,
    "evs": StructureKind.EVS.value, "mam": StructureKind.MAM.value,
    "laep": StructureKind.LAEP.value, "clas": StructureKind.CLAS.value,
}  # fmt: skip
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class RowResult:
    line: int
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    label: str = ""


@dataclass
class ImportReport:
    kind: str
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    imported: bool = False

    @property
    def valid_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.errors]

    @property
    def error_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.error_rows)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "total": len(self.rows),
            "valid": len(self.valid_rows),
            "file_errors": self.file_errors,
            "unknown_columns": self.unknown_columns,
            "errors": [
                {"line": r.line, "label": r.label, "errors": r.errors}
                for r in self.rows
                if r.errors
            ],  # fmt: skip
            "created": self.created,
            "updated": self.updated,
            "imported": self.imported,
        }


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """Rows of cells (strings) of a CSV (UTF-8 or Windows-1252, ; or ,) or XLSX file."""
    if filename.lower().endswith(".xlsx"):
        try:
            book = open_workbook(content)
            sheet = book.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append([_cell_text(value) for value in row])
            book.close()
        except NotTabular as exc:
            raise ImportFileError(str(exc)) from exc
        except Exception as exc:  # openpyxl reads lazily: a damaged sheet fails while iterating
            raise ImportFileError(
                "Le classeur XLSX est illisible ou abîmé : enregistrez-le de nouveau au format "
                "XLSX, ou exportez-le en CSV."
            ) from exc
        return rows
    try:
        text = decode_csv_bytes(content)
    except NotTabular as exc:
        raise ImportFileError(str(exc)) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return [row for row in reader]
    except csv.Error as exc:
        raise ImportFileError(csv_error_message(exc, reader.line_num)) from exc


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse(kind: str, raw: str, communes: dict):
    """(value, error message or None)."""
    raw = raw.strip()
    if kind in ("text",):
        return raw, None
    if kind == "int":
        if not raw:
            return None, None
        try:
            value = int(float(raw.replace(",", ".")))
        except (ValueError, OverflowError):  # OverflowError: 1e999 is infinite
            return None, f"« {raw[:30]} » n'est pas un nombre entier"
        if value < 0:
            return None, "le nombre ne peut pas être négatif"
        if value > MAX_INT:
            return None, f"{raw[:30]} : nombre trop grand (au plus {MAX_INT})"
        return value, None
    if kind in ("lat", "lon"):
        if not raw:
            return None, None
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            return None, f"« {raw} » n'est pas une coordonnée (nombre décimal)"
        limit = 90 if kind == "lat" else 180
        if not -limit <= value <= limit:
            return None, f"{value} est hors des bornes (±{limit})"
        return value, None
    if kind == "bool":
        word = normalise(raw).replace("_", "")
        if word in TRUE_WORDS:
            return True, None
        if word in FALSE_WORDS:
            return (None if not raw else False), None
        return None, f"« {raw} » : répondez oui ou non"
    if kind == "time":
        if not raw:
            return None, None
        match = re.fullmatch(r"(\d{1,2})\s*[:hH]\s*(\d{2})?(?::\d{2})?", raw)
        if not match or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
            return None, f"« {raw} » n'est pas une heure (hh:mm)"
        return datetime.time(int(match.group(1)), int(match.group(2) or 0)), None
    if kind == "date":
        if not raw:
            return None, None
        for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"):
            try:
                return datetime.datetime.strptime(raw, fmt).date(), None
            except ValueError:
                continue
        return None, f"« {raw} » n'est pas une date (jj/mm/aaaa)"
    if kind == "days":
        if not raw:
            return None, None
        text = normalise(raw)
        if text in ("tous_les_jours", "7_7"):
            return 127, None
        span = re.fullmatch(r"([a-z]+)_(?:a_)?([a-z]+)", text)
        if span and span.group(1) in DAY_WORDS and span.group(2) in DAY_WORDS and "," not in raw:
            start, end = DAY_WORDS[span.group(1)], DAY_WORDS[span.group(2)]
            if start <= end:
                return days_mask(range(start, end + 1)), None
        days = []
        for word in re.split(r"[^a-z]+", text):
            if not word:
                continue
            if word not in DAY_WORDS:
                return None, f"« {raw} » : jours attendus comme « lun,mar,mer » ou « lun-ven »"
            days.append(DAY_WORDS[word])
        return days_mask(days), None
    if kind == "kind":
        value = KIND_WORDS.get(normalise(raw))
        if value is None:
            return None, f"type « {raw} » inconnu (voir la liste des types dans la documentation)"
        return value, None
    if kind == "pricing":
        if not raw:
            return None, None
        value = PRICING_WORDS.get(normalise(raw))
        if value is None:
            return None, f"tarification « {raw} » inconnue (psu, paje, gratuit ou autre)"
        return value, None
    if kind == "commune":
        commune = communes.get(raw.zfill(5) if raw.isdigit() else raw.upper())
        if commune is None:
            return None, f"code INSEE « {raw} » inconnu"
        return commune, None
    if kind == "communes":
        found = []
        for code in re.split(r"[\s;,|]+", raw):
            if not code:
                continue
            commune = communes.get(code.zfill(5) if code.isdigit() else code.upper())
            if commune is None:
                return None, f"code INSEE « {code} » inconnu"
            found.append(commune)
        return found, None
    if kind == "email":
        if raw and not EMAIL_RE.match(raw):
            return None, f"« {raw} » n'est pas une adresse électronique"
        return raw, None
    if kind == "url":
        if raw and not re.match(r"^https?://", raw):
            return None, f"« {raw} » doit commencer par http:// ou https://"
        return raw, None
    raise AssertionError(kind)  # pragma: no cover


def check(content: bytes, filename: str, kind: str, *, organisation=None) -> ImportReport:
    """Parse and validate; with `organisation`, every row's commune must be on its territory."""
    report = ImportReport(kind=kind)
    columns = COLUMNS[ImportKind(kind)]
    try:
        table = read_table(content, filename)
    except ImportFileError as exc:
        report.file_errors.append(str(exc))
        return report
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        report.file_errors.append("Le fichier est vide.")
        return report
    header = [normalise(cell) for cell in table[0]]
    missing = [name for name, (required, _) in columns.items() if required and name not in header]
    if missing:
        report.file_errors.append(
            "Colonnes obligatoires absentes de la première ligne : " + ", ".join(missing) + "."
        )
        return report
    report.unknown_columns = [h for h in header if h and h not in columns]
    if len(table) - 1 > MAX_ROWS:
        report.file_errors.append(f"Le fichier dépasse {MAX_ROWS} lignes : découpez-le.")
        return report
    communes = {c.insee_code: c for c in Commune.objects.all()}
    allowed = None
    if organisation is not None:
        allowed = set(organisation.communes.values_list("insee_code", flat=True))
    seen_ids: dict[str, int] = {}
    model = Structure if kind == ImportKind.STRUCTURES else Childminder
    for offset, cells in enumerate(table[1:], start=2):
        row = RowResult(line=offset)
        raw = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
        for name, (required, value_kind) in columns.items():
            text = str(raw.get(name, "") or "")
            bad_cell = check_cell(text)
            if bad_cell:
                row.errors.append(f"colonne « {name} » : {bad_cell}")
                continue
            if required and not text.strip():
                row.errors.append(f"colonne « {name} » : valeur obligatoire manquante")
                continue
            value, error = _parse(value_kind, text, communes)
            if error:
                row.errors.append(f"colonne « {name} » : {error}")
            else:
                row.values[name] = value
        _check_row(kind, row, allowed, seen_ids)
        ident = row.values.get("identifiant")
        if ident and allowed is not None:
            existing = model.objects.filter(external_id=ident).select_related("commune").first()
            if existing is not None and existing.commune.insee_code not in allowed:
                row.errors.append(
                    f"l'identifiant « {ident} » désigne une fiche de {existing.commune.name}, "
                    "hors du territoire de votre organisation"
                )
        report.rows.append(row)
    if not report.rows:
        report.file_errors.append("Le fichier ne contient aucune ligne de données.")
    return report


def _check_row(kind: str, row: RowResult, allowed, seen_ids: dict) -> None:
    values = row.values
    if kind == ImportKind.STRUCTURES:
        row.label = values.get("nom", "")
    else:
        row.label = f"{values.get('prenom', '')} {values.get('nom', '')}".strip()
    commune = values.get("code_insee")
    if commune is not None and allowed is not None and commune.insee_code not in allowed:
        row.errors.append(
            f"la commune {commune.name} ({commune.insee_code}) n'est pas sur le territoire de "
            "votre organisation"
        )
    ident = values.get("identifiant")
    if ident:
        if ident in seen_ids:
            row.errors.append(f"identifiant « {ident} » déjà présent ligne {seen_ids[ident]}")
        else:
            seen_ids[ident] = row.line
    low, high = values.get("age_min_mois"), values.get("age_max_mois")
    if low is not None and high is not None and low > high:
        row.errors.append("l'âge minimal dépasse l'âge maximal")
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        row.errors.append("indiquez la latitude et la longitude, ou aucune des deux")
    if kind == ImportKind.STRUCTURES:
        start, end = values.get("ouverture"), values.get("fermeture")
        if start and end and start >= end and not values.get("nuit"):
            row.errors.append("l'heure de fermeture doit suivre l'heure d'ouverture")
    else:
        places = values.get("places_agrement")
        if places is not None and not 1 <= places <= 6:
            row.errors.append("places_agrement : un agrément compte de 1 à 6 places")
        dispo = [values.get(k) for k in ("dispo_a_partir_du", "dispo_places")]
        if any(v is not None for v in dispo) and not all(v is not None for v in dispo):
            row.errors.append(
                "disponibilité incomplète : indiquez dispo_a_partir_du et dispo_places"
            )
        if (
            values.get("dispo_places") is not None
            and places is not None
            and values["dispo_places"] > places
        ):
            row.errors.append("dispo_places dépasse le nombre de places agréées")
        start, end = values.get("dispo_debut"), values.get("dispo_fin")
        if start and end and start >= end:
            row.errors.append("dispo_fin doit suivre dispo_debut")


def _bool(values, name, default=False):
    value = values.get(name)
    return default if value is None else value


def _structure_fields(values: dict, organisation) -> dict:
    manager_text = values.get("gestionnaire", "")
    fields = {
        "name": values["nom"],
        "kind": values["type"],
        "manager_name": manager_text,
        "address": values.get("adresse", ""),
        "postal_code": values.get("code_postal", "")[:5],
        "commune": values["code_insee"],
        "age_min_months": values.get("age_min_mois"),
        "age_max_months": values.get("age_max_mois"),
        "places_babies": values.get("places_bebes") or 0,
        "places_toddlers": values.get("places_moyens") or 0,
        "places_older": values.get("places_grands") or 0,
        "places_other": values.get("places_autres") or 0,
        "opening_days": values["jours"] if values.get("jours") is not None else 31,
        "opens_at": values.get("ouverture"),
        "closes_at": values.get("fermeture"),
        "early_hours": _bool(values, "horaires_tot"),
        "late_hours": _bool(values, "horaires_tard"),
        "night": _bool(values, "nuit"),
        "weekend": _bool(values, "week_end"),
        "holidays": _bool(values, "vacances"),
        "inclusion_referent": _bool(values, "referent_inclusion"),
        "inclusion_adapted": _bool(values, "accueil_handicap"),
        "pricing_mode": values.get("tarification") or PricingMode.OTHER,
        "phone": values.get("telephone", ""),
        "email": values.get("courriel", ""),
        "website": values.get("site", ""),
        "description": values.get("description", ""),
        "is_active": _bool(values, "actif", True),
        "source": values.get("source") or "Import de fichier",
        "source_updated_on": values.get("maj_source") or datetime.date.today(),
    }
    if values.get("latitude") is not None:
        fields.update(
            latitude=values["latitude"],
            longitude=values["longitude"],
            coordinates_precision=CoordinatesPrecision.MANUAL,
        )
    return fields


def _childminder_fields(values: dict) -> dict:
    fields = {
        "first_name": values["prenom"],
        "last_name": values["nom"],
        "commune": values["code_insee"],
        "address": values.get("adresse", ""),
        "phone": values.get("telephone", ""),
        "email": values.get("courriel", ""),
        "contact_consent": _bool(values, "consentement_coordonnees"),
        "agreement_number": values.get("numero_agrement", ""),
        "agreement_places": values["places_agrement"],
        "agreement_age_min_months": values.get("age_min_mois") or 0,
        "agreement_age_max_months": values.get("age_max_mois") or 72,
        "early_hours": _bool(values, "horaires_tot"),
        "late_hours": _bool(values, "horaires_tard"),
        "night": _bool(values, "nuit"),
        "weekend": _bool(values, "week_end"),
        "inclusion_adapted": _bool(values, "accueil_handicap"),
        "is_active": _bool(values, "actif", True),
        "source": values.get("source") or "Import de fichier",
    }
    if values.get("latitude") is not None:  # pragma: no cover - no such column for now
        fields.update(latitude=values["latitude"], longitude=values["longitude"])
    return fields


@transaction.atomic
def apply(report: ImportReport, *, valid_only: bool = False, organisation=None, on_saved=None):
    """Write the valid rows. Refuses a report with errors unless `valid_only` is True.

    `on_saved(obj, created, before)` is called for each object (the web view audits there).
    Returns the report with its counters.
    """
    if report.file_errors:
        raise ValueError("Le fichier est illisible : rien n'a été importé.")
    if report.error_rows and not valid_only:
        raise ValueError(
            "Le fichier contient des erreurs : rien n'a été importé. Corrigez-les ou choisissez "
            "d'importer seulement les lignes valides."
        )
    geocoder = get_geocoder()
    for row in report.valid_rows:
        values = row.values
        if report.kind == ImportKind.STRUCTURES:
            model, fields = Structure, _structure_fields(values, organisation)
            if organisation is not None and not values.get("gestionnaire"):
                fields["manager"] = organisation
        else:
            model, fields = Childminder, _childminder_fields(values)
        ident = values.get("identifiant") or ""
        obj = model.objects.filter(external_id=ident).first() if ident else None
        created = obj is None
        before = {} if created else {k: getattr(obj, k) for k in fields}
        if created:
            obj = model(external_id=ident)
        for key, value in fields.items():
            setattr(obj, key, value)
        if "latitude" not in fields:
            if not created and before.get("address") != obj.address:
                obj.coordinates_precision = CoordinatesPrecision.NONE
            if created or obj.coordinates_precision in (
                CoordinatesPrecision.NONE,
                CoordinatesPrecision.COMMUNE,
            ):
                obj.latitude = obj.longitude = None
                obj.coordinates_precision = CoordinatesPrecision.NONE
                consent = report.kind == ImportKind.STRUCTURES or obj.contact_consent
                locate(obj, geocoder, geocode_address=consent)
        obj.save()
        if report.kind == ImportKind.STRUCTURES and "communes_admises" in values:
            obj.admitted_communes.set(values["communes_admises"] or [])
        if report.kind == ImportKind.CHILDMINDERS and values.get("dispo_places") is not None:
            ChildminderAvailability.objects.create(
                childminder=obj,
                declared_on=values.get("dispo_declaree_le") or datetime.date.today(),
                available_from=values["dispo_a_partir_du"],
                places=values["dispo_places"],
                days=values["dispo_jours"] if values.get("dispo_jours") is not None else 31,
                starts_at=values.get("dispo_debut"),
                ends_at=values.get("dispo_fin"),
            )
        if created:
            report.created += 1
        else:
            report.updated += 1
        if on_saved is not None:
            on_saved(obj, created, before)
    report.imported = True
    return report
