"""The one declared schedule of periodic jobs, run by `maillage scheduler`.

Each entry names a task by its dotted path (a django-tasks task taking no argument) and either
an interval in seconds (`every`) or a local time of day (`at`, "HH:MM", Europe/Paris). The
scheduler enqueues a due job once even with several schedulers running (compare-and-set on
`core.ScheduledRun`); the worker runs it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    label: str
    every: int | None = None  # seconds
    at: str | None = None  # "HH:MM", local time, once a day


SCHEDULE: list[Periodic] = [
    Periodic(
        "heartbeat",
        "maillage.core.tasks.heartbeat",
        "Signe de vie du travailleur (contrôlé par /sante/)",
        every=30,
    ),
    Periodic(
        "demand-refresh",
        "maillage.observatory.tasks.refresh_demand",
        "Observatoire : demande exprimée des territoires recalculée si la file du guichet, "
        "l'annuaire ou la date ont changé (rattrape une mise à jour manquée)",
        every=300,
    ),
    Periodic(
        "convention-reminders",
        "maillage.conventions.tasks.send_convention_reminders",
        "Rappels des instances et échéances des conventions",
        at="07:00",
    ),
    Periodic(
        "indicator-feeds",
        "maillage.conventions.tasks.refresh_indicator_feeds",
        "Conventions : mesure des indicateurs alimentés par l'observatoire (taux de couverture, "
        "demande exprimée, satisfaction, délai)",
        at="05:15",
    ),
    Periodic(
        "application-deadlines",
        "maillage.applications.tasks.run_application_deadlines",
        "Guichet unique : échéances des demandes (naissance, intérêt) et rappels J-15 et J-3",
        at="06:30",
    ),
    Periodic(
        "application-drafts",
        "maillage.applications.tasks.clean_up_drafts",
        "Guichet unique : brouillons jamais déposés — courriel d'avertissement, puis suppression",
        at="06:40",
    ),
    Periodic(
        "offer-deadlines",
        "maillage.commission.offer_tasks.run_offer_deadlines",
        "Commission : propositions sans réponse expirées (place reproposée) et relances",
        at="06:45",
    ),
    Periodic(
        "purge-personal-data",
        "maillage.audit.tasks.purge_personal_data",
        "Purge des données conservées au-delà de leur durée (paramètres retention-* et durées "
        "par territoire du guichet unique)",
        at="03:30",
    ),
]
