"""Retention of the uploaded waiting lists (see maillage.core.retention and
`maillage.core.imports.import_batch_purgers`)."""

from maillage.applications.models import ApplicationImport
from maillage.core.imports import import_batch_purgers
from maillage.core.retention import register

for purger in import_batch_purgers(
    ApplicationImport, kind="application-import", label="liste d'attente du guichet"
):
    register(purger)
