"""Import of structures and assistants maternels from CSV or XLSX files.

Two steps: `check()` parses and validates every line and returns a report (line-numbered French
errors, the rows ready to import); `apply()` writes the valid rows. Nothing is written while the
file has errors, unless the caller explicitly asks for the valid rows only. Rows are matched on
`identifiant` (external id) to update instead of duplicate. Columns: docs/directory.md.

The file is read as a stream (`iter_rows`, see maillage.core.imports) and written in batches of
`IMPORT_CHUNK` rows, one transaction each (`write_rows`): the web import runs both steps in the
worker (maillage.directory.tasks), the command `maillage import_directory` runs them in place.
"""

import datetime
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from maillage.audit.models import AuditAction
from maillage.audit.services import diff, record_many
from maillage.core.exports import unescape_cell
from maillage.core.imports import (
    IMPORT_CHUNK,
    PREVIEW_SAMPLE,
    STORED_ERRORS,
    ImportLimitError,
    chunked,
    iter_table,
)
from maillage.core.tabular import check_cell
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

# The format help shown on the import page (every column of COLUMNS has its line, see tests)
COLUMN_HELP = {
    "identifiant": "identifiant stable (n° FINESS, code Caf…) : une ligne dont l'identifiant "
    "existe déjà met la fiche à jour (recommandé)",
    "nom": "nom public",
    "prenom": "prénom",
    "type": "code ou libellé du type : creche_collective, creche_familiale, creche_parentale, "
    "micro_creche_psu, micro_creche_paje, multi_accueil, halte_garderie, jardin_enfants, mam, "
    "rpe, garde_domicile, pmi, alsh_periscolaire, alsh_extrascolaire, clas, accueil_jeunes, "
    "laep, ludotheque, mediation_familiale, espace_rencontre, centre_social, "
    "espace_vie_sociale, point_relais_caf, france_services (aussi : EAJE, RAM, ALSH, CS, EVS)",
    "gestionnaire": "nom du gestionnaire (vide : votre organisation)",
    "adresse": "adresse, géocodée ; sans résultat, le centre de la commune (position "
    "approximative)",
    "code_postal": "code postal de l'adresse",
    "code_insee": "code INSEE de la commune (5 caractères, ex. 06025 pour Le Broc)",
    "latitude": "latitude saisie (prime sur le géocodage), avec la longitude",
    "longitude": "longitude saisie, avec la latitude",
    "age_min_mois": "âge minimum accueilli, en mois",
    "age_max_mois": "âge maximum accueilli, en mois",
    "places_bebes": "places pour les bébés",
    "places_moyens": "places pour les moyens",
    "places_grands": "places pour les grands",
    "places_autres": "capacité sans tranche d'âge (accueils de loisirs…)",
    "jours": "jours d'ouverture (défaut : lun-ven)",
    "ouverture": "heure d'ouverture",
    "fermeture": "heure de fermeture",
    "horaires_tot": "accueil tôt le matin, avant 7 h (oui/non)",
    "horaires_tard": "accueil tard le soir, après 19 h (oui/non)",
    "nuit": "accueil de nuit (oui/non)",
    "week_end": "accueil le week-end (oui/non)",
    "vacances": "ouvert pendant les vacances scolaires (oui/non)",
    "referent_inclusion": "référent santé et accueil inclusif (oui/non)",
    "accueil_handicap": "accueil adapté aux enfants en situation de handicap (oui/non)",
    "tarification": "psu (barème national de la Caf), paje (prix libre), gratuit ou autre",
    "communes_admises": "codes INSEE des communes dont les familles sont admises (vide : toutes)",
    "telephone": "téléphone",
    "courriel": "adresse électronique",
    "site": "site internet (adresse complète, https://…)",
    "description": "présentation publique",
    "actif": "oui (défaut) ou non : une fiche inactive n'est plus publiée",
    "source": "origine de la donnée",
    "maj_source": "date de la donnée à sa source",
    "consentement_coordonnees": "accord pour publier les coordonnées (oui/non, défaut non) ; "
    "sans accord, seuls le prénom, l'initiale du nom et la commune sont publiés",
    "numero_agrement": "numéro d'agrément (jamais publié)",
    "places_agrement": "nombre de places de l'agrément (1 à 6)",
    "dispo_declaree_le": "date de la déclaration de disponibilité",
    "dispo_a_partir_du": "disponible à partir du (avec dispo_places)",
    "dispo_places": "nombre de places disponibles (avec dispo_a_partir_du)",
    "dispo_jours": "jours disponibles",
    "dispo_debut": "disponible à partir de (heure)",
    "dispo_fin": "disponible jusqu'à (heure)",
}
VALUES_HELP = (
    "Cases : oui ou non (vide = non). Heures : 07:30 ou 7h30. Dates : 31/12/2025 ou "
    "2025-12-31. Jours : lun-ven, lun,mar,jeu ou tous les jours. Plusieurs codes INSEE : "
    "séparés par des espaces ou des points-virgules. Nombres entiers d'au plus 100 000."
)


def column_help(kind) -> list[tuple[str, bool, str]]:
    """(column, required, what to put in it) for the import page's format help."""
    return [
        (name, required, COLUMN_HELP.get(name, ""))
        for name, (required, _) in COLUMNS[ImportKind(kind)].items()
    ]


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


def _parse(kind: str, raw: str, communes: dict):
    """(value, error message or None)."""
    raw = unescape_cell(raw.strip())
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
            return (
                None,
                f"type « {raw} » inconnu (voir la liste des types dans « Format du fichier », sur la page d'import)",
            )
        return value, None
    if kind == "pricing":
        if not raw:
            return None, None
        value = PRICING_WORDS.get(normalise(raw))
        if value is None:
            return None, f"tarification « {raw} » inconnue (psu, paje, gratuit ou autre)"
        return value, None
    if kind == "commune":
        commune = communes.get(_code(raw))
        if commune is None:
            return None, f"code INSEE « {raw} » inconnu"
        return commune, None
    if kind == "communes":
        found = []
        for code in re.split(r"[\s;,|]+", raw):
            if not code:
                continue
            commune = communes.get(_code(code))
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


def _source(content):
    return io.BytesIO(content) if isinstance(content, bytes | bytearray | memoryview) else content


def _header(rows: Iterator[tuple[int, list[str]]], kind: str) -> list[str]:
    columns = COLUMNS[ImportKind(kind)]
    for _number, cells in rows:
        if any(cell.strip() for cell in cells):
            header = [normalise(cell) for cell in cells]
            break
    else:
        raise ImportFileError("Le fichier est vide.")
    missing = [name for name, (required, _) in columns.items() if required and name not in header]
    if missing:
        raise ImportFileError(
            "Colonnes obligatoires absentes de la première ligne : " + ", ".join(missing) + "."
        )
    return header


def iter_rows(
    content,
    filename: str,
    kind: str,
    *,
    organisation=None,
    unknown_columns: list | None = None,
    limit_rows: int | None = None,
) -> Iterator[RowResult]:
    """Validated rows of a file (bytes or binary file object), read as a stream.

    With `organisation`, every row's commune must be on its territory. File-level problems
    (unreadable, empty, missing columns, too many rows) raise ImportFileError."""
    columns = COLUMNS[ImportKind(kind)]
    try:
        rows = enumerate(iter_table(_source(content), filename, limit_rows=limit_rows), start=1)
        header = _header(rows, kind)
        if unknown_columns is not None:
            unknown_columns.extend(h for h in header if h and h not in columns)
        communes: dict = {}  # loaded by batch of rows, only the codes the file names
        code_columns = [i for i, name in enumerate(header) if name in CODE_COLUMNS]
        allowed = None
        if organisation is not None:
            allowed = set(organisation.communes.values_list("insee_code", flat=True))
        seen_ids: dict[str, int] = {}
        model = Structure if kind == ImportKind.STRUCTURES else Childminder
        for chunk in chunked(
            ((number, cells) for number, cells in rows if any(c.strip() for c in cells)),
            IMPORT_CHUNK,
        ):
            _load_communes(communes, chunk, code_columns)
            results = []
            for number, cells in chunk:
                row = RowResult(line=number)
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
                results.append(row)
            if allowed is not None:
                _check_territory(model, results, allowed)
            yield from results
    except ImportLimitError as exc:
        raise ImportFileError(str(exc)) from exc


CODE_COLUMNS = ("code_insee", "communes_admises")


def _code(raw: str) -> str:
    return raw.zfill(5) if raw.isdigit() else raw.upper()


def _load_communes(communes: dict, chunk, code_columns: list[int]) -> None:
    """Add to `communes` the communes named in this batch of rows (one query per batch)."""
    codes = set()
    for _number, cells in chunk:
        for i in code_columns:
            if i < len(cells):
                codes.update(_code(c) for c in re.split(r"[\s;,|]+", cells[i].strip()) if c)
    missing = codes - communes.keys()
    if missing:
        for commune in Commune.objects.filter(insee_code__in=missing).only(
            "pk", "insee_code", "name", "latitude", "longitude"
        ):
            communes[commune.insee_code] = commune


def _check_territory(model, rows: list[RowResult], allowed: set[str]) -> None:
    """An identifier may not designate a record of a commune outside the territory (one query
    per batch of rows)."""
    idents = {row.values["identifiant"] for row in rows if row.values.get("identifiant")}
    if not idents:
        return
    existing = {}
    for ident, code, name in (
        model.objects.filter(external_id__in=idents)
        .order_by("pk")
        .values_list("external_id", "commune__insee_code", "commune__name")
    ):
        existing.setdefault(ident, (code, name))
    for row in rows:
        ident = row.values.get("identifiant")
        if ident in existing and existing[ident][0] not in allowed:
            row.errors.append(
                f"l'identifiant « {ident} » désigne une fiche de {existing[ident][1]}, "
                "hors du territoire de votre organisation"
            )


def check(content, filename: str, kind: str, *, organisation=None) -> ImportReport:
    """Parse and validate the whole file into a report kept in memory (command, tests)."""
    report = ImportReport(kind=kind)
    try:
        report.rows = list(
            iter_rows(
                content,
                filename,
                kind,
                organisation=organisation,
                unknown_columns=report.unknown_columns,
            )
        )
    except ImportFileError as exc:
        report.file_errors.append(str(exc))
        report.rows = []
        return report
    if not report.rows:
        report.file_errors.append("Le fichier ne contient aucune ligne de données.")
    return report


def summarise(
    content, filename: str, kind: str, *, organisation=None, progress=None, expected=0
) -> dict:
    """The report stored on a batch: counts, line-numbered errors (the first STORED_ERRORS),
    a sample of valid rows. Reads the file as a stream; memory stays bounded."""
    unknown: list[str] = []
    summary = {
        "kind": kind,
        "total": 0,
        "valid": 0,
        "error_count": 0,
        "file_errors": [],
        "unknown_columns": unknown,
        "errors": [],
        "sample": [],
    }
    try:
        for row in iter_rows(
            content, filename, kind, organisation=organisation, unknown_columns=unknown
        ):
            summary["total"] += 1
            if row.errors:
                summary["error_count"] += 1
                if len(summary["errors"]) < STORED_ERRORS:
                    summary["errors"].append(
                        {"line": row.line, "label": row.label, "errors": row.errors}
                    )
            else:
                summary["valid"] += 1
                if len(summary["sample"]) < PREVIEW_SAMPLE:
                    commune = row.values.get("code_insee")
                    summary["sample"].append(
                        {"line": row.line, "label": row.label, "commune": commune.name}
                    )
            if progress is not None and summary["total"] % IMPORT_CHUNK == 0:
                progress(summary["total"], max(expected, summary["total"]))
    except ImportFileError as exc:
        summary["file_errors"].append(str(exc))
        return summary
    if not summary["total"]:
        summary["file_errors"].append("Le fichier ne contient aucune ligne de données.")
    return summary


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


def apply(report: ImportReport, *, valid_only: bool = False, organisation=None, actor=None):
    """Write the valid rows of a report. Refuses a report with errors unless `valid_only`.

    Returns the report with its counters."""
    if report.file_errors:
        raise ValueError("Le fichier est illisible : rien n'a été importé.")
    if report.error_rows and not valid_only:
        raise ValueError(
            "Le fichier contient des erreurs : rien n'a été importé. Corrigez-les ou choisissez "
            "d'importer seulement les lignes valides."
        )
    report.created, report.updated = write_rows(
        report.kind, report.valid_rows, organisation=organisation, actor=actor
    )
    report.imported = True
    return report


def _update_fields(kind: str) -> list[str]:
    if kind == ImportKind.STRUCTURES:
        names = [
            "name", "kind", "manager_name", "address", "postal_code", "commune",
            "age_min_months", "age_max_months", "places_babies", "places_toddlers",
            "places_older", "places_other", "opening_days", "opens_at", "closes_at",
            "early_hours", "late_hours", "night", "weekend", "holidays", "inclusion_referent",
            "inclusion_adapted", "pricing_mode", "phone", "email", "website", "description",
            "is_active", "source", "source_updated_on", "manager",
        ]  # fmt: skip
    else:
        names = [
            "first_name", "last_name", "commune", "address", "phone", "email",
            "contact_consent", "agreement_number", "agreement_places",
            "agreement_age_min_months", "agreement_age_max_months", "early_hours",
            "late_hours", "night", "weekend", "inclusion_adapted", "is_active", "source",
        ]  # fmt: skip
    return [*names, "latitude", "longitude", "coordinates_precision", "updated_at", "version"]


def write_rows(
    kind: str,
    rows: Iterable[RowResult],
    *,
    organisation=None,
    actor=None,
    message: str = "",
    progress: Callable[[int], None] | None = None,
    chunk_size: int = IMPORT_CHUNK,
) -> tuple[int, int]:
    """Write valid rows by batches of `chunk_size`, one transaction each (the site keeps
    answering between them); every record created or updated is audited. Returns
    (created, updated)."""
    geocoder = get_geocoder()
    created = updated = done = 0
    for chunk in chunked((row for row in rows if not row.errors), chunk_size):
        new, changed = _write_chunk(kind, chunk, organisation, geocoder, actor, message)
        created += new
        updated += changed
        done += len(chunk)
        if progress is not None:
            progress(done)
    return created, updated


def _build(kind: str, row: RowResult, obj, organisation, geocoder):
    """The object to save for `row` (`obj` is the stored record of its identifier, or None)."""
    values = row.values
    if kind == ImportKind.STRUCTURES:
        model, fields = Structure, _structure_fields(values, organisation)
        if organisation is not None and not values.get("gestionnaire"):
            fields["manager"] = organisation
    else:
        model, fields = Childminder, _childminder_fields(values)
    created = obj is None
    before = {} if created else {k: getattr(obj, k) for k in fields}
    if created:
        obj = model(external_id=values.get("identifiant") or "")
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
            consent = kind == ImportKind.STRUCTURES or obj.contact_consent
            locate(obj, geocoder, geocode_address=consent)
    after = {k: getattr(obj, k) for k in before}
    return obj, created, diff(before, after) if not created else {}


def _write_chunk(kind: str, rows: list[RowResult], organisation, geocoder, actor, message):
    model = Structure if kind == ImportKind.STRUCTURES else Childminder
    idents = [row.values["identifiant"] for row in rows if row.values.get("identifiant")]
    existing = {}
    if idents:
        for obj in model.objects.filter(external_id__in=idents).order_by("-pk"):
            existing[obj.external_id] = obj  # the oldest record of an identifier wins
    # built (and geocoded) outside the transaction: the write lock is held for the writes only
    built = []
    for row in rows:
        ident = row.values.get("identifiant")
        built.append((row, *_build(kind, row, existing.get(ident) if ident else None,
                                   organisation, geocoder)))  # fmt: skip
    if kind != ImportKind.STRUCTURES:
        # bulk writes bypass Childminder.save(): apply its rule (no precise point without consent)
        for _row, obj, _created, _changes in built:
            if not obj.contact_consent:
                obj.clear_precise_location()
    to_create = [obj for _row, obj, created, _c in built if created]
    to_update = [(obj, changes) for _row, obj, created, changes in built if not created]
    now = timezone.now()
    with transaction.atomic():
        model.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            for obj, _changes in to_update:
                obj.updated_at = now
                obj.version = F("version") + 1
            model.objects.bulk_update(
                [obj for obj, _ in to_update], _update_fields(kind), batch_size=100
            )
        if kind == ImportKind.STRUCTURES:
            _set_admitted_communes(built)
        else:
            _add_availabilities(built)
        text = message or "Import de fichier"
        record_many(
            AuditAction.CREATE, to_create, actor=actor, organisation=organisation, message=text
        )
        record_many(
            AuditAction.UPDATE,
            [obj for obj, _ in to_update],
            actor=actor,
            organisation=organisation,
            changes=[changes for _, changes in to_update],
            message=text,
        )
    return len(to_create), len(to_update)


def _set_admitted_communes(built) -> None:
    through = Structure.admitted_communes.through
    rows = [(obj, row.values["communes_admises"] or []) for row, obj, *_ in built
            if "communes_admises" in row.values]  # fmt: skip
    if not rows:
        return
    through.objects.filter(structure_id__in=[obj.pk for obj, _ in rows]).delete()
    through.objects.bulk_create(
        [
            through(structure_id=obj.pk, commune_id=commune.pk)
            for obj, communes in rows
            for commune in {c.pk: c for c in communes}.values()
        ],
        batch_size=500,
    )


def _add_availabilities(built) -> None:
    availabilities = []
    for row, obj, *_ in built:
        values = row.values
        if values.get("dispo_places") is None:
            continue
        availabilities.append(
            ChildminderAvailability(
                childminder=obj,
                declared_on=values.get("dispo_declaree_le") or datetime.date.today(),
                available_from=values["dispo_a_partir_du"],
                places=values["dispo_places"],
                days=values["dispo_jours"] if values.get("dispo_jours") is not None else 31,
                starts_at=values.get("dispo_debut"),
                ends_at=values.get("dispo_fin"),
            )
        )
    ChildminderAvailability.objects.bulk_create(availabilities, batch_size=500)
