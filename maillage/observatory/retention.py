"""Retention of the observatory's uploaded figure files (see maillage.core.retention and
`maillage.core.imports.import_batch_purgers`)."""

from maillage.core.imports import import_batch_purgers
from maillage.core.retention import register
from maillage.observatory.models import FigureImport

for purger in import_batch_purgers(FigureImport, kind="figure-import", label="observatoire"):
    register(purger)
