"""Copy the pinned front-end assets from node_modules/ (installed by `npm ci` from the npm
registry, versions locked in package-lock.json) to maillage/static/vendor/, with their licences.

No build step: files are copied as published. maillage/static/vendor/ is git-ignored.
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "maillage" / "static" / "vendor"

# destination folder -> [(source path under node_modules, destination name)]
FILES = {
    "bootstrap": [
        ("bootstrap/dist/css/bootstrap.min.css", "bootstrap.min.css"),
        ("bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap.bundle.min.js"),
        ("bootstrap/LICENSE", "LICENSE"),
    ],
    "htmx": [("htmx.org/dist/htmx.min.js", "htmx.min.js"), ("htmx.org/LICENSE", "LICENSE")],
    "leaflet": [
        ("leaflet/dist/leaflet.js", "leaflet.js"),
        ("leaflet/dist/leaflet.css", "leaflet.css"),
        ("leaflet/dist/images", "images"),
        ("leaflet/LICENSE", "LICENSE"),
    ],
    "markercluster": [
        ("leaflet.markercluster/dist/leaflet.markercluster.js", "leaflet.markercluster.js"),
        ("leaflet.markercluster/dist/MarkerCluster.css", "MarkerCluster.css"),
        ("leaflet.markercluster/dist/MarkerCluster.Default.css", "MarkerCluster.Default.css"),
        ("leaflet.markercluster/MIT-LICENCE.txt", "LICENSE"),
    ],
    "axe-core": [("axe-core/axe.min.js", "axe.min.js"), ("axe-core/LICENSE", "LICENSE")],
    # The API documentation page (/api/v1/docs/), served from here instead of a CDN.
    "swagger-ui": [
        ("swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-bundle.js"),
        ("swagger-ui-dist/swagger-ui-standalone-preset.js", "swagger-ui-standalone-preset.js"),
        ("swagger-ui-dist/swagger-ui.css", "swagger-ui.css"),
        ("swagger-ui-dist/swagger-ui.css.map", "swagger-ui.css.map"),
        ("swagger-ui-dist/favicon-32x32.png", "favicon-32x32.png"),
        ("swagger-ui-dist/LICENSE", "LICENSE"),
        ("swagger-ui-dist/NOTICE", "NOTICE"),
    ],
}


def main() -> int:
    missing = []
    for folder, files in FILES.items():
        target = VENDOR / folder
        target.mkdir(parents=True, exist_ok=True)
        for source, name in files:
            src = NODE / source
            if not src.exists():
                missing.append(source)
                continue
            if src.is_dir():
                shutil.copytree(src, target / name, dirs_exist_ok=True)
            else:
                shutil.copy2(src, target / name)
    if missing:
        print(
            "Fichiers manquants dans node_modules (lancez `npm ci`) : " + ", ".join(missing),
            file=sys.stderr,
        )
        return 1
    print(f"Ressources front-end copiées dans {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
