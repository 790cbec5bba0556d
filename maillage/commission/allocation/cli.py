"""Command line: `python -m maillage.commission.allocation {solve,check,validate} …`.

Messages for people are in French and go to stderr; JSON documents go to stdout or to the
file given with -o. Exit codes: 0 success, 1 an infeasible assignment (or, with --strict, an
unstable one), 2 an invalid instance, result or command line (never a traceback).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from typing import TextIO

from maillage.commission.allocation.canonical import dumps_document, dumps_output, write_document
from maillage.commission.allocation.check import check
from maillage.commission.allocation.io import load_assignment, load_instance, os_reason
from maillage.commission.allocation.solver import DEFAULT_METHOD, DEFAULT_TIME_LIMIT, METHODS, run
from maillage.commission.allocation.validate import InvalidInstance
from maillage.commission.allocation.version import __version__

# Set to a list by __main__: the solve command then leaves its instance and document in it,
# for the process to end without freeing them object by object (see __main__.py).
KEEP_ALIVE: list | None = None

EXIT_OK = 0
EXIT_INFEASIBLE = 1
EXIT_INVALID = 2
MAX_ERRORS_SHOWN = 200

DESCRIPTION = """\
Moteur d'attribution des places en crèche de Maillage (version {version}).

Lit une instance JSON (structures, places par groupe d'âge, réserves, enfants, vœux,
familles à vœux communs ; format décrit dans docs/allocation.md), calcule une affectation
selon la règle publiée (points + bonus, puis date de dépôt, puis numéro de dossier),
l'explique enfant par enfant et la contrôle (faisabilité, paires et coalitions bloquantes).
"""

SOLVE_HELP = """\
Écrit {"assignment", "explanations", "cutoffs", "letters", "stats", "run"} en JSON
canonique compact (clés triées, sans espaces, UTF-8 ; --pretty pour un JSON indenté) :
  assignment    {enfant: structure ou null}
  explanations  par enfant : paramètres appliqués, vœu obtenu, et pour chaque vœu mieux
                classé non obtenu le code de la raison et les nombres du courrier (places,
                réserve, seuil : points et date ou rang du dernier admis, ceux de l'enfant)
  cutoffs       par structure et groupe d'âge : enfants admis, dernier admis (seuil)
  letters       mention L. 311-3-1 CRPA, droits, nom des structures : une fois pour toutes ;
                letters.render_letter_text() rédige le courrier d'un enfant
  stats         placés, violations, blocages, détails de la méthode
  run           méthode, version du moteur, graine, SHA-256 de l'instance canonique, durée
Même entrée, même sortie à l'octet près (hors run.duration_seconds).

Méthodes :
  da        acceptation différée (enfants proposants), chaque enfant indépendant ; les
            familles à vœux communs gardent ensuite leur meilleure option compatible
  siblings  (défaut) gère les familles à vœux communs ; sans blocage quand il en trouve un
  optimal   CP-SAT : parmi les affectations stables, une qui place le plus d'enfants,
            jamais moins bonne que siblings

Exemples :
  python -m maillage.commission.allocation solve instance.json -o resultat.json
  python -m maillage.commission.allocation solve instance.json --method optimal --time-limit 30
"""

CHECK_HELP = """\
Affiche les violations de faisabilité (capacity, reserve, not_wished,
not_acceptable_to_structure, joint_wish, unknown_child, unknown_structure), les paires
bloquantes et les coalitions bloquantes. Code de sortie 1 si l'affectation n'est pas
réalisable (ou, avec --strict, pas stable), 2 si un fichier est invalide.

Exemple :
  python -m maillage.commission.allocation check instance.json resultat.json
"""


class Progress:
    """A one-line progress display on stderr, refreshed at most five times a second."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.last = 0.0
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and done != total:
            return
        self.last = now
        text = f"{stage} : {done}/{total}" if total else f"{stage} : {done}"
        self.stream.write(f"\r\033[K{text}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m maillage.commission.allocation",
        description=DESCRIPTION.format(version=__version__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    solve = commands.add_parser(
        "solve",
        help="calculer, expliquer et contrôler une affectation",
        description="Calcule une affectation, l'explique et la contrôle.",
        epilog=SOLVE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    solve.add_argument("instance", metavar="INSTANCE.json", help="instance à résoudre")
    solve.add_argument(
        "-o",
        "--output",
        metavar="OUT.json",
        help="fichier de sortie (par défaut : sortie standard)",
    )
    solve.add_argument(
        "--method",
        choices=METHODS,
        default=DEFAULT_METHOD,
        help=f"méthode (défaut : {DEFAULT_METHOD})",
    )
    solve.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        metavar="SECONDES",
        help="limite de temps de « optimal », en unités déterministes de CP-SAT, proches de la"
        f" seconde, pour des résultats reproductibles (défaut : {DEFAULT_TIME_LIMIT:g})",
    )
    solve.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="graine des essais supplémentaires de « siblings » et de CP-SAT (défaut : 0)",
    )
    solve.add_argument(
        "--progress",
        action="store_true",
        help="afficher l'avancement sur la sortie d'erreur (automatique dans un terminal)",
    )
    solve.add_argument(
        "--pretty",
        action="store_true",
        help="JSON indenté, lisible par une personne (par défaut : JSON canonique compact,"
        " clés triées, sans espaces, UTF-8)",
    )
    solve.add_argument("-q", "--quiet", action="store_true", help="ne pas afficher le résumé")

    chk = commands.add_parser(
        "check",
        help="contrôler une affectation (faisabilité, stabilité)",
        description="Contrôle une affectation au regard d'une instance.",
        epilog=CHECK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    chk.add_argument("instance", metavar="INSTANCE.json")
    chk.add_argument(
        "result", metavar="RESULT.json", help='résultat de solve, ou {"assignment": …}'
    )
    chk.add_argument(
        "--json", action="store_true", help="écrire le rapport en JSON sur la sortie standard"
    )
    chk.add_argument(
        "--strict", action="store_true", help="code de sortie 1 aussi en cas de blocage"
    )
    chk.add_argument(
        "--max",
        type=int,
        default=50,
        metavar="N",
        help="lignes affichées par rubrique (défaut : 50)",
    )

    val = commands.add_parser(
        "validate",
        help="valider une instance sans la résoudre",
        description=(
            "Valide une instance : liste toutes les erreurs, ou confirme qu'elle est valide."
        ),
    )
    val.add_argument("instance", metavar="INSTANCE.json")
    return parser


def _print_errors(errors: list[str], stream: TextIO) -> None:
    if len(errors) == 1:
        stream.write(f"Instance ou fichier invalide : {errors[0]}\n")
        return
    stream.write(f"Instance ou fichier invalide : {len(errors)} erreur(s).\n")
    for error in errors[:MAX_ERRORS_SHOWN]:
        stream.write(f"  - {error}\n")
    if len(errors) > MAX_ERRORS_SHOWN:
        stream.write(f"  … et {len(errors) - MAX_ERRORS_SHOWN} autres erreurs.\n")


def cmd_solve(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    # The cyclic garbage collector would walk the instance's and the output's hundreds of
    # thousands of objects many times over (a quarter of a département's run) and find no
    # cycle to free: pause it for the command, restore it after (tests call main() too).
    paused = gc.isenabled()
    gc.disable()
    try:
        return _solve(args, stdout, stderr)
    finally:
        if paused:
            gc.enable()


def _solve(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    instance = load_instance(args.instance)
    progress = Progress(stderr) if args.progress or stderr.isatty() else None
    try:
        document = run(
            instance,
            args.method,
            seed=args.seed,
            time_limit=args.time_limit,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()
    if KEEP_ALIVE is not None:
        KEEP_ALIVE.append((instance, document))
    if args.output:
        with open(args.output, "wb") as out:
            write_document(document, out, pretty=args.pretty, whole_scores=instance.whole_scores)
    else:
        text = (
            dumps_output(document, pretty=True)
            if args.pretty
            else dumps_document(document, whole_scores=instance.whole_scores)
        )
        stdout.write(text + "\n")
    if not args.quiet:
        stats = document["stats"]
        where = f" ; écrit dans {args.output}" if args.output else ""
        stderr.write(
            f"{args.method} : {stats['placed']} enfant(s) placé(s) sur {stats['children']}"
            f" ({stats['places']} places), {stats['violations']} violation(s),"
            f" {stats['blocking_pairs']} paire(s) bloquante(s),"
            f" {stats['blocking_coalitions']} coalition(s) bloquante(s)"
            f" en {document['run']['duration_seconds']:.2f} s{where}.\n"
        )
    return EXIT_OK if stats_ok(document["stats"]) else EXIT_INFEASIBLE


def stats_ok(stats: dict) -> bool:
    return bool(stats["feasible"])


def cmd_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    instance = load_instance(args.instance)
    assignment = load_assignment(args.result)
    report = check(instance, assignment)
    if args.json:
        stdout.write(dumps_output(report.to_dict(), pretty=True) + "\n")
    else:
        write_report(report, stdout, args.max)
    if not report.feasible:
        return EXIT_INFEASIBLE
    if args.strict and not report.stable:
        return EXIT_INFEASIBLE
    return EXIT_OK


def write_report(report, out: TextIO, limit: int) -> None:
    counts = report.counts()
    out.write(f"Enfants : {counts['children']} ; placés : {counts['placed']}.\n")
    sections = [
        ("Violations de faisabilité", [v.message for v in report.violations]),
        (
            "Paires bloquantes",
            [
                f"enfant « {p.child} » et structure « {p.structure} » (vœu n°{p.wish_rank})"
                for p in report.blocking_pairs
            ],
        ),
        (
            "Coalitions bloquantes",
            [
                f"famille « {c.family} », option n°{c.option_rank} ("
                + ", ".join(s if s is not None else "—" for s in c.option)
                + ")"
                for c in report.blocking_coalitions
            ],
        ),
    ]
    for title, lines in sections:
        out.write(f"{title} : {len(lines)}\n")
        for line in lines[:limit]:
            out.write(f"  - {line}\n")
        if len(lines) > limit:
            out.write(f"  … et {len(lines) - limit} autres.\n")
    if report.blocking_coalitions:
        out.write(f"Familles concernées par une coalition : {report.blocking_families}\n")
    if not report.feasible:
        out.write("Affectation NON RÉALISABLE.\n")
    elif report.stable:
        out.write("Affectation réalisable et stable.\n")
    else:
        out.write(f"Affectation réalisable mais pas stable ({report.blocking} blocage(s)).\n")


def cmd_validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    instance = load_instance(args.instance)
    stdout.write(
        f"Instance valide : {len(instance.structures)} structure(s), {len(instance.children)}"
        f" enfant(s), {len(instance.families)} famille(s).\n"
    )
    return EXIT_OK


def main(
    argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    commands = {"solve": cmd_solve, "check": cmd_check, "validate": cmd_validate}
    try:
        return commands[args.command](args, stdout, stderr)
    except InvalidInstance as exc:
        _print_errors(exc.errors, stderr)
        return EXIT_INVALID
    except OSError as exc:
        where = f" de {exc.filename}" if exc.filename else ""
        stderr.write(f"Erreur d'écriture ou de lecture{where} : {os_reason(exc)}.\n")
        return EXIT_INVALID
    except RecursionError:
        stderr.write("Instance invalide : structure imbriquée trop profondément.\n")
        return EXIT_INVALID
    except KeyboardInterrupt:
        stderr.write("Interrompu.\n")
        return 130
