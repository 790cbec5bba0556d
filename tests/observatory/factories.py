import factory

from maillage.observatory.enums import Indicator, Method
from maillage.observatory.models import Figure
from tests.directory.factories import ChildminderFactory, StructureFactory
from tests.territories.factories import CommuneFactory

__all__ = ["ChildminderFactory", "FigureFactory", "StructureFactory"]


class FigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Figure

    indicator = Indicator.CHILDREN_UNDER_3
    commune = factory.SubFactory(CommuneFactory)
    period = "2021"
    value = 100
    method = Method.MEASURED
    source_label = "INSEE, recensement (test)"
    source_url = "https://www.insee.fr/"


def ensure_reference_parameters():
    """Seed again the dated parameters the observatory reads (idempotent).

    Data migrations seed them, but a transactional test that ran earlier in the same worker
    may have flushed the tables (see the report about tests/browser/conftest.py)."""
    from importlib import import_module

    from django.apps import apps

    for module in (
        "maillage.territories.migrations.0002_sppe_thresholds",
        "maillage.observatory.migrations.0002_parameters",
    ):
        import_module(module).seed(apps, None)
