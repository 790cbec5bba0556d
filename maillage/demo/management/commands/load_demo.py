"""Loads the demo territory: every domain contributes its `demo.load(out, progress)`.

Idempotent: run it again and it brings the demo back to its reference state.
"""

from importlib import import_module

from django.db import transaction

from maillage.core.commands import MaillageCommand

# Order matters: each domain builds on the previous ones.
DEMO_MODULES = [
    "maillage.territories.demo",
    "maillage.accounts.demo",
    "maillage.directory.demo",
    "maillage.observatory.demo",
    "maillage.conventions.demo",
    "maillage.applications.demo",
    "maillage.commission.demo",
]


class _Out:
    def __init__(self, command):
        self.command = command

    def write(self, text: str) -> None:
        self.command.stdout.write(f"  {text}")


class Command(MaillageCommand):
    help = "Charge (ou remet à jour) les données de démonstration du bassin de vie de Carros."

    def handle(self, *args, **options):
        out = _Out(self)
        for name in DEMO_MODULES:
            try:
                module = import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            self.stdout.write(f"{name.split('.')[1]} :")
            with transaction.atomic():
                module.load(out, progress=self.progress)
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
