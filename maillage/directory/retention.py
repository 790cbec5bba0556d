"""Retention of the directory's uploaded files (see maillage.core.retention).

An uploaded file is kept between its preview and its confirmation, with a report naming the rows
in error (names of childminders, addresses). Once imported, the records it created carry the
data and the audit trail says which file did it; the file itself goes after
`retention-import-files-days`. A file previewed then abandoned (or never confirmed) goes after
`retention-cancelled-imports-days`.
"""

from maillage.core.retention import Purger, register
from maillage.directory.models import DirectoryImport

NOT_IMPORTED = [DirectoryImport.Status.CANCELLED, DirectoryImport.Status.PREVIEWED]


def _imported(limit):
    return DirectoryImport.objects.filter(
        status=DirectoryImport.Status.IMPORTED, updated_at__lt=limit
    )


def _not_imported(limit):
    return DirectoryImport.objects.filter(status__in=NOT_IMPORTED, updated_at__lt=limit)


register(
    Purger(
        kind="import-files",
        label="Fichiers importés dans l'annuaire",
        parameter="retention-import-files-days",
        unit="days",
        count=lambda limit: _imported(limit).count(),
        purge=lambda limit: _imported(limit).delete()[0],
    )
)

register(
    Purger(
        kind="cancelled-imports",
        label="Imports de l'annuaire abandonnés ou jamais confirmés",
        parameter="retention-cancelled-imports-days",
        unit="days",
        count=lambda limit: _not_imported(limit).count(),
        purge=lambda limit: _not_imported(limit).delete()[0],
    )
)
