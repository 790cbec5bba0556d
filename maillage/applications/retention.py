"""Retention of the guichet unique, in the shared registry run by `maillage purge_personal_data`
(see maillage.core.retention):

- closed applications, after their territory's own period (`GuichetSettings.retention_months`,
  dated rules; the parameter `retention-applications-months` only for a territory without rules
  in force);
- drafts never submitted, after `draft_retention_days` of the territory or the parameter
  `retention-application-drafts-days`, and only once the family was warned (the daily task
  `clean_up_drafts` sends the warnings);
- uploaded waiting lists (`maillage.core.imports.import_batch_purgers`).
"""

from maillage.applications.models import ApplicationImport
from maillage.core.imports import import_batch_purgers
from maillage.core.retention import Purger, register


def _count_expired(on):
    from maillage.applications.services import count_expired

    return count_expired(on)


def _purge_expired(on):
    from maillage.applications.services import purge_expired

    return purge_expired(on)


def _count_drafts(on):
    from maillage.applications.services import expired_drafts

    return len(expired_drafts(on))


def _purge_drafts(on):
    from maillage.applications.services import purge_expired_drafts

    return purge_expired_drafts(on)


register(
    Purger(
        kind="application-closed",
        label="Demandes closes du guichet unique (avec pièces, notes, messages)",
        parameter="retention-applications-months",
        unit="months",
        count=_count_expired,
        purge=_purge_expired,
        dated=True,
        note="durée réglée par territoire dans les règles du guichet, après la clôture",
    )
)
register(
    Purger(
        kind="application-drafts",
        label="Brouillons de demande jamais déposés (famille prévenue avant)",
        parameter="retention-application-drafts-days",
        unit="days",
        count=_count_drafts,
        purge=_purge_drafts,
        dated=True,
        note="durée du territoire ou du paramètre, depuis la dernière modification",
    )
)

for purger in import_batch_purgers(
    ApplicationImport, kind="application-import", label="liste d'attente du guichet"
):
    register(purger)
