"""Where the benchmarks find the shared public reference data: `../shared` beside the repository
(`MAILLAGE_SHARED_DIR` overrides it). The product never needs it; a benchmark that does says so."""

from __future__ import annotations

import os
import sys
from pathlib import Path

SHARED = Path(
    os.environ.get("MAILLAGE_SHARED_DIR", Path(__file__).resolve().parents[1] / ".." / "shared")
)


def geo_dir() -> Path:
    path = (SHARED / "data" / "geo").resolve()
    if not path.is_dir():
        sys.exit(
            f"Données de référence introuvables : {path}. Ce banc d'essai lit les contours des "
            "communes dans ../shared/data/geo (à côté du dépôt) ; indiquez un autre dossier avec "
            "MAILLAGE_SHARED_DIR=/chemin/vers/shared."
        )
    return path
