"""Reference parameters (barèmes, thresholds, national figures) are seeded one way only: by the
data migrations listed here, whose `seed(apps, schema_editor)` functions are the single
definition of the rows. `seed_reference_parameters()` runs them all again (idempotent), for a
database whose tables were emptied (tests after a transactional flush, a repaired instance).

The list names modules by their dotted path so that core imports none of the domain apps."""

from importlib import import_module

SEED_MIGRATIONS = [
    "maillage.territories.migrations.0002_sppe_thresholds",
    "maillage.directory.migrations.0002_pricing_parameters",
    "maillage.observatory.migrations.0002_parameters",
    "maillage.commission.migrations.0002_grid",
    "maillage.core.migrations.0004_retention_parameters",
    "maillage.applications.migrations.0006_drafts_siblings",
    "maillage.observatory.migrations.0005_demand_window",
]


def seed_reference_parameters() -> None:
    from django.apps import apps

    for module in SEED_MIGRATIONS:
        import_module(module).seed(apps, None)


def reference_parameters_missing() -> bool:
    from maillage.core.models import Parameter

    return not Parameter.objects.filter(key="sppe-thresholds").exists()
