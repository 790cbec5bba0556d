"""`maillage commission` subcommands of the sessions area: `sessions`, `export-instance`, `run`
and `replay` (see management/commands/commission.py and docs/commission.md).

Exit codes: 0 done; 1 refused or different (replay); 2 unknown run (replay). With
`--format json`, stdout carries only one JSON document."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from maillage.commission.allocation.canonical import dumps_output
from maillage.commission.enums import Method
from maillage.commission.models import Run, Session
from maillage.territories.models import TerritoryGroup


def register(subparsers) -> None:
    """Add this area's subparsers, each with `set_defaults(handler=...)`."""
    parser = subparsers.add_parser("sessions", help="Les séances d'un territoire.")
    parser.add_argument("--territory", required=True, help="identifiant (slug) du territoire")
    _format(parser)
    parser.set_defaults(handler=sessions_command)

    parser = subparsers.add_parser(
        "export-instance",
        help="L'instance figée d'une séance (arrête la liste d'une séance en préparation).",
    )
    parser.add_argument("--session", required=True, help="identifiant (slug) de la séance")
    parser.add_argument("-o", "--output", required=True, help="fichier JSON à écrire")
    _format(parser)
    parser.set_defaults(handler=export_command)

    parser = subparsers.add_parser("run", help="Calculer la proposition d'une séance.")
    parser.add_argument("--session", required=True, help="identifiant (slug) de la séance")
    parser.add_argument("--method", choices=Method.values, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=None, help="méthode optimal (s)")
    parser.add_argument("-o", "--output", help="écrire le résultat du moteur (JSON)")
    _format(parser)
    parser.set_defaults(handler=run_command)

    parser = subparsers.add_parser("replay", help="Rejouer un calcul et comparer le résultat.")
    parser.add_argument("run_id", help="numéro du calcul")
    _format(parser)
    parser.set_defaults(handler=replay_command)


def _format(parser) -> None:
    parser.add_argument("--format", choices=["text", "json"], default="text")


def _json(command, data) -> None:
    command.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=True))


def _session(slug: str) -> Session:
    session = Session.objects.select_related("territory").filter(slug=slug).first()
    if session is None:
        raise CommandError(f"Aucune séance « {slug} ».")
    return session


def sessions_command(command, options) -> int:
    from maillage.commission.sessions import summary

    territory = TerritoryGroup.objects.filter(slug=options["territory"]).first()
    if territory is None:
        raise CommandError(f"Aucun territoire « {options['territory']} ».")
    rows = [
        summary(session)
        for session in Session.objects.filter(territory=territory).order_by("date", "pk")
    ]
    if options["format"] == "json":
        _json(command, rows)
        return 0
    if not rows:
        command.stdout.write(f"Aucune séance pour {territory}.")
    for row in rows:
        command.stdout.write(
            f"{row['slug']}\t{row['date']}\t{row['status']}\t{row['places']} places\t"
            f"{row['applications']} demandes"
        )
    return 0


def _freeze(session, run_next: bool = False):
    from maillage.commission.sessions import SessionError, ensure_frozen

    try:
        ensure_frozen(session, run_next=run_next)
    except SessionError as exc:
        raise CommandError(str(exc)) from exc


def export_command(command, options) -> int:
    session = _session(options["session"])
    _freeze(session)
    session.refresh_from_db()
    path = Path(options["output"])
    path.write_text(session.instance + "\n", encoding="utf-8")
    data = json.loads(session.instance)
    result = {
        "session": session.slug,
        "file": str(path),
        "sha256": session.instance_sha256,
        "children": len(data["children"]),
        "structures": len(data["structures"]),
        "families": len(data.get("families", [])),
    }
    if options["format"] == "json":
        _json(command, result)
    else:
        command.stdout.write(
            f"Instance de {session.slug} écrite dans {path} : {result['children']} enfants, "
            f"{result['structures']} structures (SHA-256 {session.instance_sha256})."
        )
    return 0


def run_command(command, options) -> int:
    from maillage.commission.runs import run_session
    from maillage.commission.sessions import SessionError

    session = _session(options["session"])
    _freeze(session, run_next=True)
    session.refresh_from_db()
    try:
        run, output = run_session(
            session, options["method"], options["seed"], time_limit=options["time_limit"]
        )
    except SessionError as exc:
        raise CommandError(str(exc)) from exc
    if options.get("output"):
        Path(options["output"]).write_text(dumps_output(output) + "\n", encoding="utf-8")
    result = {
        "run_id": run.pk,
        "session": session.slug,
        "method": run.method,
        "placed": run.placed,
        "unplaced": run.unplaced,
        "blocking_pairs": run.blocking_pairs,
        "blocking_coalitions": run.blocking_coalitions,
        "seconds": run.seconds,
        "input_sha256": run.input_sha256,
    }
    if options["format"] == "json":
        _json(command, result)
    else:
        command.stdout.write(
            f"Calcul {run.pk} ({run.method}) : {run.placed} placés, {run.unplaced} sans place, "
            f"{run.blocking_pairs} paires bloquantes, {run.blocking_coalitions} coalitions "
            f"bloquantes, {run.seconds:.2f} s."
        )
    return 0


def replay_command(command, options) -> int:
    from maillage.commission.runs import replay

    run = None
    if str(options["run_id"]).isdigit():
        run = Run.objects.select_related("session").filter(pk=int(options["run_id"])).first()
    if run is None:
        if options["format"] == "json":
            _json(command, {"run_id": options["run_id"], "error": "unknown_run"})
        else:
            command.stderr.write(f"Aucun calcul n° {options['run_id']}.")
        return 2
    result = replay(run)
    if options["format"] == "json":
        _json(command, result.as_dict())
    elif result.identical:
        command.stdout.write(f"Calcul {run.pk} : rejeu identique ({result.replayed_sha256}).")
    else:
        command.stderr.write(
            f"ALERTE calcul {run.pk} : rejeu différent — {' ; '.join(result.differences)}."
        )
    return 0 if result.identical else 1
