from django.core.management.base import CommandError

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.conventions.importer import ConventionImportError, import_file
from maillage.conventions.services import current_version
from maillage.core.commands import MaillageCommand


class Command(MaillageCommand):
    help = (
        "Importe une convention depuis un fichier YAML (format décrit dans docs/conventions.md). "
        "Le fichier est entièrement vérifié avant toute écriture."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Chemin du fichier YAML.")
        parser.add_argument(
            "--remplacer",
            action="store_true",
            dest="replace",
            help="Remplace une convention de même identifiant (ses mesures, réunions et "
            "avenants sont supprimés).",
        )

    def handle(self, *args, file, replace, **options):
        try:
            convention = import_file(file, replace=replace)
        except ConventionImportError as exc:
            count = len(exc.errors)
            raise CommandError(
                f"{count} erreur{'s' if count > 1 else ''} : rien n'a été importé.\n"
                + "\n".join(exc.errors),
                returncode=2,  # a bad file (1 would read as a failure of the command itself)
            ) from exc
        current_version(convention)
        record(AuditAction.IMPORT, obj=convention, message=f"Import du fichier {file}")
        self.stdout.write(
            self.style.SUCCESS(f"Convention « {convention.slug} » importée : {convention.title}.")
        )
