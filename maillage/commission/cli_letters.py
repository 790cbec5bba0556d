"""`maillage commission` subcommands of this area (see management/commands/commission.py):

`letters --session SLUG -o DIR`: one `<application number>.pdf` per application that received
a decision in the session (any state once decisions exist: agents may proofread the letters
before publication)."""

import json
import time
from pathlib import Path

from django.core.management.base import CommandError


def register(subparsers) -> None:
    """Add this area's subparsers, each with `set_defaults(handler=...)`."""
    parser = subparsers.add_parser(
        "letters",
        help="Écrit le courrier PDF de chaque demande qui a reçu une décision.",
    )
    parser.add_argument("--session", required=True, help="identifiant (slug) de la séance")
    parser.add_argument("-o", "--output", required=True, help="dossier où écrire les PDF")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.set_defaults(handler=letters_command)


def letters_command(command, options) -> int:
    from maillage.commission.letters import letter_filename, render_letter_pdf
    from maillage.commission.models import Decision, Session

    session = Session.objects.filter(slug=options["session"]).first()
    if session is None:
        raise CommandError(f"Séance inconnue : {options['session']}")
    directory = Path(options["output"])
    directory.mkdir(parents=True, exist_ok=True)
    decisions = (
        Decision.objects.filter(session=session)
        .select_related(
            "session__territory",
            "entry__application__household__commune",
            "entry__application__child",
            "run",
        )
        .defer("session__instance", "run__output")
        .order_by("entry__application__number")
    )
    started = time.perf_counter()
    written = 0
    for decision in decisions.iterator(chunk_size=500):
        (directory / letter_filename(decision)).write_bytes(render_letter_pdf(decision))
        written += 1
    seconds = round(time.perf_counter() - started, 3)
    if options["format"] == "json":
        command.stdout.write(
            json.dumps({"session": session.slug, "letters": written, "seconds": seconds})
        )
    else:
        command.stdout.write(f"{written} courrier(s) écrit(s) dans {directory} en {seconds} s.")
    return 0
