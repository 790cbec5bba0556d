"""`maillage commission publish`: the offers area's subcommand (see
management/commands/commission.py)."""

import json

from django.core.management.base import CommandError

from maillage.audit.workflow import WorkflowError
from maillage.commission.models import Session


def register(subparsers) -> None:
    """Add this area's subparsers, each with `set_defaults(handler=...)`."""
    parser = subparsers.add_parser(
        "publish",
        help="Publier une séance : valide le dernier calcul si personne ne l'a fait, crée les "
        "propositions de place et prépare les courriers.",
    )
    parser.add_argument("--session", required=True, help="identifiant (slug) de la séance")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.set_defaults(handler=publish_command)


def publish_command(command, options) -> int | None:
    from maillage.commission.offers import OfferError, publish

    session = Session.objects.filter(slug=options["session"]).first()
    if session is None:
        raise CommandError(f"Séance inconnue : « {options['session']} ».")
    try:
        report = publish(session, None)
    except (OfferError, WorkflowError) as exc:
        raise CommandError(str(exc)) from exc
    if options["format"] == "json":
        command.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        return None
    command.stdout.write(
        f"Séance {report.session} publiée : {report.offers} proposition(s) de place, "
        f"{report.reoffers} place(s) reproposée(s), {len(report.skipped)} demande(s) qui "
        "n'étaient plus en attente."
    )
    command.stdout.write(
        "Courriers préparés."
        if report.letters == "queued"
        else "Courriers : module des courriers absent, aucun courrier préparé."
    )
    return None
