"""Rebuild maillage/territories/data/cog-2026.json.gz from the data files of the npm package
@etalab/decoupage-administratif (6.0.0): communes.json, epci.json, departements.json, regions.json.

Usage: python scripts/build_cog_data.py DIR   (DIR holds those four files, plain or .gz)

Only current communes and the fields Maillage uses are kept; the output is deterministic.
"""

import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "maillage/territories/data/cog-2026.json.gz"


def _load(directory: Path, name: str):
    for candidate in (directory / f"{name}.json", directory / f"{name}.json.gz"):
        if candidate.exists():
            opener = gzip.open if candidate.suffix == ".gz" else open
            with opener(candidate, "rt", encoding="utf-8") as fh:
                return json.load(fh)
    raise SystemExit(f"{name}.json introuvable dans {directory}")


def main(directory: Path) -> None:
    communes = _load(directory, "communes")
    epci = _load(directory, "epci")
    out = {
        "source": "@etalab/decoupage-administratif 6.0.0 "
        "(INSEE, Code officiel géographique 2026, populations légales)",
        "regions": [[x["code"], x["nom"]] for x in _load(directory, "regions")],
        "departements": [
            [x["code"], x["nom"], x.get("region")] for x in _load(directory, "departements")
        ],
        "communes": [
            [
                x["code"],
                x["nom"],
                x.get("departement"),
                x.get("region"),
                x.get("codesPostaux", []),
                x.get("population"),
                x.get("siren"),
            ]
            for x in communes
            if x["type"] == "commune-actuelle"
        ],
        "epci": [
            [
                x["code"],
                x["nom"],
                x["type"],
                x.get("populationTotale"),
                [m["code"] for m in x["membres"]],
            ]
            for x in epci
        ],
    }
    data = json.dumps(out, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    with gzip.GzipFile(OUT, "wb", mtime=0, compresslevel=9) as fh:
        fh.write(data)
    print(f"{OUT}: {len(out['communes'])} communes, {len(out['epci'])} EPCI")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
