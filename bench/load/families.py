"""Family accounts for the guichet load test (bench/load.sh with BENCH_SCENARIO=guichet).

    .venv/bin/python bench/load/families.py 50      # DATABASE_URL of the load database

Creates (idempotent) `famille.banc001@exemple.invalid` … with the demo password, through the
guichet's own service (a family account, audited as any sign-up). Fictitious, bench only.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")  # as `maillage load_demo`

PASSWORD = "demo-maillage-2026"


def main(count: int) -> None:
    import django

    django.setup()
    from maillage.accounts.models import User
    from maillage.applications import services

    created = 0
    for n in range(1, count + 1):
        email = f"famille.banc{n:03d}@exemple.invalid"
        if not User.objects.filter(email=email).exists():
            services.create_family_account(email, PASSWORD)
            created += 1
    print(f"comptes famille du banc : {count} ({created} créés)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
