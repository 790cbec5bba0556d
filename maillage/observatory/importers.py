"""Import of statistical figures from a CSV file (layout documented in docs/observatory.md).

Columns (header required, `,` or `;` separated, UTF-8, decimal comma accepted):
    indicator, commune, territory, period, value, method, source, source_url, note
One of `commune` (INSEE code) or `territory` (slug of a territory group) per line. Every line is
checked first: with any error nothing is imported, and each error names its line.

The file is read as a stream (maillage.core.imports) and written in batches of IMPORT_CHUNK rows,
one transaction each, after a first pass has checked every line: the web import runs in the
worker (maillage.observatory.figure_imports), `maillage import_figures` in place.
"""

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from maillage.core.imports import IMPORT_CHUNK, ImportLimitError, chunked, iter_csv
from maillage.core.tabular import check_cell
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


def _stream(source):
    """A binary stream of a path, bytes, or text (with a newline); or a binary file object."""
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source)
    if isinstance(source, str) and ("\n" in source or not source.strip()):
        return io.BytesIO(source.encode("utf-8"))
    if isinstance(source, Path | str):
        path = Path(source)
        if not path.exists():
            raise FigureImportError([f"Fichier introuvable : {path}"])
        return path.open("rb")
    return source


def _parse_value(text: str) -> float:
    cleaned = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    return float(cleaned)


def iter_figures(
    source, *, allowed_communes=None, allowed_territories=None, limit_rows=None
) -> Iterator[tuple[int, dict | None, list[str]]]:
    """(line number, validated row or None, French problems) for each data line, as a stream.

    Header problems raise FigureImportError. `allowed_communes` / `allowed_territories` (sets of
    INSEE codes / slugs), when given, limit what the file may touch (the organisation the
    importer acts for)."""
    stream = _stream(source)
    try:
        rows = enumerate(iter_csv_limited(stream, limit_rows), start=1)
        first = next(rows, None)
        if first is None or not any(cell.strip() for cell in first[1]):
            raise FigureImportError(["Le fichier est vide."])
        header = [h.strip().lower() for h in first[1]]
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
        communes = dict(Commune.objects.values_list("insee_code", "pk"))
        groups = dict(TerritoryGroup.objects.values_list("slug", "pk"))
        seen: dict = {}
        for number, cells in rows:
            if len(cells) > len(header):
                yield number, None, ["trop de colonnes"]
                continue
            line = {name: (cells[i].strip() if i < len(cells) else "") for i, name in
                    enumerate(header)}  # fmt: skip
            if not any(line.values()):
                continue
            bad = [f"colonne « {k} » : {e}" for k, v in line.items() if (e := check_cell(v))]
            if bad:
                yield number, None, bad
                continue
            yield number, *_check_line(number, line, communes, groups, seen,
                                       allowed_communes, allowed_territories)  # fmt: skip
    except ImportLimitError as exc:
        raise FigureImportError([str(exc)]) from exc
    finally:
        if isinstance(source, Path | str) and stream is not source:
            stream.close()


def iter_csv_limited(stream, limit_rows):
    from maillage.core.imports import max_rows

    limit = max_rows() if limit_rows is None else limit_rows
    for number, row in enumerate(iter_csv(stream), start=1):
        if number > limit + 1:
            raise ImportLimitError(
                f"Le fichier dépasse {limit} lignes de données : découpez-le en plusieurs fichiers."
            )
        yield row


def _check_line(number, line, communes, groups, seen, allowed_communes, allowed_territories):
    indicators = INDICATORS
    problems = []
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
        problems.append(
            f"le territoire « {territory} » n'est écrit que par la Caf qui le couvre ou par "
            "une organisation nommée partie pour lui, pas par l'une de ses communes"
        )
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
        return None, problems
    return {
        "indicator": indicator,
        "commune_id": communes.get(commune) if commune else None,
        "territory_id": groups.get(territory) if territory else None,
        "period": period,
        "value": value,
        "method": method,
        "source_label": line["source"][:255],
        "source_url": url,
        "note": line.get("note", ""),
    }, []


INDICATORS = {i.value for i in Indicator}


def parse_figures(text, *, allowed_communes=None, allowed_territories=None) -> list[dict]:
    """Check every line; return the validated rows or raise FigureImportError."""
    errors, rows = [], []
    for number, row, problems in iter_figures(
        text,
        allowed_communes=allowed_communes,
        allowed_territories=allowed_territories,
    ):
        if problems:
            errors.extend(f"ligne {number} : {p}" for p in problems)
        else:
            rows.append(row)
    if errors:
        raise FigureImportError(errors)
    if not rows:
        raise FigureImportError(["Le fichier ne contient aucune ligne de données."])
    return rows


def check_figures(source, *, allowed_communes=None, allowed_territories=None, limit=1000):
    """(valid rows counted, French errors — the first `limit` —, error count), as a stream."""
    valid, errors, count = 0, [], 0
    try:
        for number, _row, problems in iter_figures(
            source, allowed_communes=allowed_communes, allowed_territories=allowed_territories
        ):
            if problems:
                count += len(problems)
                errors.extend(f"ligne {number} : {p}" for p in problems[: limit - len(errors)])
            else:
                valid += 1
    except FigureImportError as exc:
        return 0, exc.errors, len(exc.errors)
    if not valid and not count:
        return 0, ["Le fichier ne contient aucune ligne de données."], 1
    return valid, errors, count


VALUE_FIELDS = ("value", "method", "source_label", "source_url", "note")


def write_figures(
    rows: Iterable[dict],
    report: FigureImportReport,
    *,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = IMPORT_CHUNK,
) -> FigureImportReport:
    """Create or update figures by batches of `chunk_size` rows, one transaction each."""
    for chunk in chunked(rows, chunk_size):
        _write_chunk(chunk, report)
        report.lines += len(chunk)
        if progress is not None:
            progress(report.lines)
    return report


def _key(indicator, commune_id, territory_id, period):
    return (indicator, commune_id, territory_id, period)


def _write_chunk(rows: list[dict], report: FigureImportReport) -> None:
    existing = {}
    candidates = Figure.objects.filter(
        indicator__in={r["indicator"] for r in rows}, period__in={r["period"] for r in rows}
    )
    commune_ids = {r["commune_id"] for r in rows if r["commune_id"]}
    territory_ids = {r["territory_id"] for r in rows if r["territory_id"]}
    for figure in candidates.filter(commune_id__in=commune_ids) if commune_ids else []:
        existing[_key(figure.indicator, figure.commune_id, None, figure.period)] = figure
    for figure in candidates.filter(territory_id__in=territory_ids) if territory_ids else []:
        existing[_key(figure.indicator, None, figure.territory_id, figure.period)] = figure
    to_create, to_update = [], []
    for row in rows:
        figure = existing.get(
            _key(row["indicator"], row["commune_id"], row["territory_id"], row["period"])
        )
        if figure is None:
            to_create.append(Figure(**row))
        elif all(getattr(figure, k) == row[k] for k in VALUE_FIELDS):
            report.unchanged += 1
        else:
            for k in VALUE_FIELDS:
                setattr(figure, k, row[k])
            figure.updated_at = timezone.now()
            to_update.append(figure)
    with transaction.atomic():
        Figure.objects.bulk_create(to_create, batch_size=500)
        Figure.objects.bulk_update(to_update, [*VALUE_FIELDS, "updated_at"], batch_size=200)
    report.created += len(to_create)
    report.updated += len(to_update)


def import_figures(
    source, *, progress=None, allowed_communes=None, allowed_territories=None
) -> FigureImportReport:
    """Import a CSV (path, bytes or text): every line is checked first; with any error nothing
    is imported; then the rows are written by batches."""
    rows = parse_figures(
        source, allowed_communes=allowed_communes, allowed_territories=allowed_territories
    )
    report = FigureImportReport()
    items = rows if progress is None else progress(rows, total=len(rows), desc="données")
    return write_figures(items, report)
