"""Retention of the directory's uploaded files (see maillage.core.retention and
`maillage.core.imports.import_batch_purgers`)."""

from maillage.core.imports import import_batch_purgers
from maillage.core.retention import register
from maillage.directory.models import DirectoryImport

for purger in import_batch_purgers(DirectoryImport, kind="directory-import", label="annuaire"):
    register(purger)
