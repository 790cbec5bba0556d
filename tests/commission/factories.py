import datetime
from decimal import Decimal

import factory

from maillage.commission.enums import Criterion, GridStatus, SessionStatus
from maillage.commission.models import (
    CommissionSettings,
    GridCriterion,
    PointsGrid,
    Session,
    SessionPlaces,
)
from tests.territories.factories import TerritoryGroupFactory


class CommissionSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissionSettings

    territory = factory.SubFactory(TerritoryGroupFactory)
    valid_from = datetime.date(2025, 1, 1)
    composition = "Le maire-adjoint à la petite enfance, les directrices des EAJE, la PMI."


class PointsGridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PointsGrid
        skip_postgeneration_save = True

    territory = factory.SubFactory(TerritoryGroupFactory)
    version = factory.Sequence(lambda n: n + 1)
    title = "Grille de test"
    valid_from = datetime.date(2025, 1, 1)
    status = GridStatus.ADOPTED

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        """`lines={"single_parent": 10, ...}`; by default a small grid of five criteria."""
        if not create:
            return
        values = (
            extracted
            if extracted is not None
            else {
                Criterion.ALL_PARENTS_WORKING: 20,
                Criterion.SINGLE_PARENT: 15,
                Criterion.INTEGRATION_PATHWAY: 15,
                Criterion.RESIDENCE_COMMUNE: 10,
                Criterion.SENIORITY_MONTH: 1,
            }
        )
        for position, (criterion, points) in enumerate(values.items()):
            GridCriterion.objects.create(
                grid=self,
                criterion=criterion,
                points=Decimal(points),
                cap=Decimal(12) if criterion == Criterion.SENIORITY_MONTH else None,
                reason="Délibération du conseil municipal (test)",
                position=position,
            )


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    territory = factory.SubFactory(TerritoryGroupFactory)
    slug = factory.Sequence(lambda n: f"commission-test-{n}")
    name = factory.Sequence(lambda n: f"Commission de test {n}")
    date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=20))
    freeze_date = factory.LazyFunction(datetime.date.today)
    reference_date = factory.LazyFunction(
        lambda: datetime.date.today() + datetime.timedelta(days=120)
    )
    entry_from = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=60))
    entry_until = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=240))
    status = SessionStatus.DRAFT


class SessionPlacesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionPlaces

    session = factory.SubFactory(SessionFactory)
    age_group = "bebe"
    places = 2
    start_date = factory.SelfAttribute("session.entry_from")
