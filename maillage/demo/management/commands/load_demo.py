"""Loads the demo territory: every domain contributes its `demo.load(out, progress)`.

Idempotent: run it again and it brings the demo back to its reference state.
"""

from importlib import import_module

from django.conf import settings
from django.core.management.base import CommandError
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

    def add_arguments(self, parser):
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="Charger la démonstration avec des réglages qui ne sont pas ceux de la démo.",
        )

    def handle(self, *args, **options):
        if not getattr(settings, "MAILLAGE_DEMO_SETTINGS", False) and not options["not_production"]:
            raise CommandError(
                "Refusé : load_demo crée un superutilisateur dont le mot de passe est publié. "
                "Lancez-la avec les réglages de démonstration (config.settings.dev), ou ajoutez "
                "--i-know-this-is-not-production si cette base n'est pas une production."
            )
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
