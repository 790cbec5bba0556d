"""`maillage commission <subcommand>`: the commission on the command line (docs/commission.md).

Each area registers its subcommands (`register(subparsers)` in the modules below, each parser
setting `handler=<function(command, options) -> int | None>`). Commands run synchronously; with
`--format json` stdout carries only one JSON document. A handler's integer is the exit code."""

import sys
from importlib import import_module

from django.core.management.base import BaseCommand

SUBCOMMAND_MODULES = [
    "maillage.commission.cli_sessions",  # sessions, export-instance, run, replay
    "maillage.commission.cli_offers",  # publish
    "maillage.commission.cli_letters",  # letters
]


class Command(BaseCommand):
    help = "La commission d'attribution : séances, calculs, publication, courriers."

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="commande")
        for name in SUBCOMMAND_MODULES:
            import_module(name).register(subparsers)

    def handle(self, *args, **options):
        code = options["handler"](self, options)
        if code:
            sys.exit(code)
