"""Import of statistical figures from a CSV file (layout documented in docs/observatory.md).

Columns (header required, `,` or `;` separated, UTF-8, decimal comma accepted):
    indicator, commune, territory, period, value, method, source, source_url, note
One of `commune` (INSEE code) or `territory` (slug of a territory group) per line. Every line is
checked first: with any error nothing is imported, and each error names its line.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from maillage.core.tabular import NotTabular, check_cell, csv_error_message, decode_csv_bytes
from maillage.observatory.enums import COUNT_INDICATORS, Indicator, Method
from maillage.observatory.models import Figure
from maillage.territories.models import Commune, TerritoryGroup

REQUIRED = ("indicator", "period", "value", "source")
COLUMNS = (
    "indicator",
    "commune",
    "territory",
    "period",
    "value",
    "method",
    "source",
    "source_url",
    "note",
)
PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")
METHOD_ALIASES = {
    "": Method.MEASURED,
    "mesure": Method.MEASURED,
    "mesuré": Method.MEASURED,
    "estime": Method.ESTIMATED,
    "estimé": Method.ESTIMATED,
    "calcule": Method.COMPUTED,
    "calculé": Method.COMPUTED,
}


class FigureImportError(ValueError):
    """The file cannot be imported; `errors` lists one French message per problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class FigureImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    lines: int = 0
    warnings: list[str] = field(default_factory=list)


def _decode(raw: bytes) -> str:
    try:
        return decode_csv_bytes(raw)
    except NotTabular as exc:
        raise FigureImportError([str(exc)]) from exc


def _parse_value(text: str) -> float:
    cleaned = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    return float(cleaned)


def _rows(reader, errors: list[str]):
    """The reader's rows; on a csv.Error, its French message in `errors`, then None."""
    try:
        yield from reader
    except csv.Error as exc:
        errors.append(csv_error_message(exc, reader.line_num))
        yield None


def parse_figures(text: str, *, allowed_communes=None, allowed_territories=None) -> list[dict]:
    """Check every line; return the validated rows or raise FigureImportError.

    `allowed_communes` / `allowed_territories` (sets of INSEE codes / slugs), when given, limit
    what the file may touch (the organisation the importer acts for)."""
    if not text.strip():
        raise FigureImportError(["Le fichier est vide."])
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise FigureImportError([csv_error_message(exc, reader.line_num)]) from exc
    missing = [c for c in REQUIRED if c not in header]
    if missing or ("commune" not in header and "territory" not in header):
        needed = missing + (
            ["commune ou territory"]
            if "commune" not in header and "territory" not in header
            else []
        )
        raise FigureImportError(
            [
                f"ligne 1 : colonne(s) manquante(s) : {', '.join(needed)}. "
                f"En-tête attendu : {','.join(COLUMNS)}"
            ]
        )
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise FigureImportError([f"ligne 1 : colonne(s) inconnue(s) : {', '.join(unknown)}"])
    reader.fieldnames = header
    communes = dict(Commune.objects.values_list("insee_code", "pk"))
    groups = dict(TerritoryGroup.objects.values_list("slug", "pk"))
    indicators = {i.value for i in Indicator}
    errors, rows, seen = [], [], {}
    for number, raw in enumerate(_rows(reader, errors), start=2):
        if raw is None:
            break  # csv.Error: reported, the rest of the file cannot be read
        if None in raw:
            errors.append(f"ligne {number} : trop de colonnes")
            continue
        line = {k: (v or "").strip() for k, v in raw.items()}
        if not any(line.values()):
            continue
        problems = [f"colonne « {k} » : {e}" for k, v in line.items() if (e := check_cell(v))]
        if problems:
            errors.extend(f"ligne {number} : {p}" for p in problems)
            continue
        indicator = line.get("indicator", "")
        if indicator not in indicators:
            problems.append(
                f"indicateur « {indicator} » inconnu (voir la liste dans docs/observatory.md)"
            )
        commune, territory = line.get("commune", ""), line.get("territory", "")
        if bool(commune) == bool(territory):
            problems.append("renseignez soit « commune » (code INSEE), soit « territory »")
        elif commune and commune not in communes:
            problems.append(f"code INSEE « {commune} » inconnu")
        elif territory and territory not in groups:
            problems.append(f"territoire « {territory} » inconnu")
        elif commune and allowed_communes is not None and commune not in allowed_communes:
            problems.append(f"votre organisation ne couvre pas la commune {commune}")
        elif territory and allowed_territories is not None and territory not in allowed_territories:
            problems.append(f"votre organisation ne couvre pas le territoire « {territory} »")
        period = line.get("period", "")
        if not PERIOD.match(period):
            problems.append(f"millésime « {period} » invalide (AAAA ou AAAA-MM attendu)")
        try:
            value = _parse_value(line.get("value", ""))
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
            if value < 0 and indicator in COUNT_INDICATORS:
                problems.append(f"valeur {value:g} négative pour un effectif")
        except ValueError:
            value = None
            problems.append(f"valeur « {line.get('value', '')} » non numérique")
        method = METHOD_ALIASES.get(line.get("method", "").lower(), line.get("method", "").lower())
        if method not in Method.values:
            problems.append(
                f"méthode « {line.get('method')} » inconnue (measured, estimated ou computed)"
            )
        if not line.get("source"):
            problems.append("la source est obligatoire")
        url = line.get("source_url", "")
        if url:
            try:
                URLValidator()(url)
            except ValidationError:
                problems.append(f"adresse de la source « {url} » invalide")
        key = (indicator, commune or f"#{territory}", period)
        if not problems and key in seen:
            problems.append(f"doublon de la ligne {seen[key]}")
        seen.setdefault(key, number)
        if problems:
            errors.extend(f"ligne {number} : {p}" for p in problems)
            continue
        rows.append(
            {
                "indicator": indicator,
                "commune_id": communes.get(commune) if commune else None,
                "territory_id": groups.get(territory) if territory else None,
                "period": period,
                "value": value,
                "method": method,
                "source_label": line["source"][:255],
                "source_url": url,
                "note": line.get("note", ""),
            }
        )
    if errors:
        raise FigureImportError(errors)
    if not rows:
        raise FigureImportError(["Le fichier ne contient aucune ligne de données."])
    return rows


@transaction.atomic
def import_figures(
    source, *, progress=None, allowed_communes=None, allowed_territories=None
) -> FigureImportReport:
    """Import a CSV (path, bytes or text). All or nothing."""
    if isinstance(source, Path | str) and not (isinstance(source, str) and "\n" in source):
        path = Path(source)
        if not path.exists():
            raise FigureImportError([f"Fichier introuvable : {path}"])
        text = _decode(path.read_bytes())
    elif isinstance(source, bytes):
        text = _decode(source)
    else:
        text = str(source)
    rows = parse_figures(
        text, allowed_communes=allowed_communes, allowed_territories=allowed_territories
    )
    report = FigureImportReport(lines=len(rows))
    items = rows if progress is None else progress(rows, total=len(rows), desc="données")
    for row in items:
        lookup = {
            "indicator": row["indicator"],
            "commune_id": row["commune_id"],
            "territory_id": row["territory_id"],
            "period": row["period"],
        }
        values = {k: v for k, v in row.items() if k not in lookup}
        figure = Figure.objects.filter(**lookup).first()
        if figure is None:
            Figure.objects.create(**lookup, **values)
            report.created += 1
        elif all(getattr(figure, k) == v for k, v in values.items()):
            report.unchanged += 1
        else:
            for k, v in values.items():
                setattr(figure, k, v)
            figure.save()
            report.updated += 1
    return report
