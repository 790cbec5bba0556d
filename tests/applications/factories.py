import datetime

import factory

from maillage.applications.enums import State
from maillage.applications.models import Application, Child, GuichetSettings, Household, Wish
from tests.territories.factories import CommuneFactory, TerritoryGroupFactory


class GuichetSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuichetSettings
        skip_postgeneration_save = True

    territory = factory.SubFactory(TerritoryGroupFactory)
    valid_from = datetime.date(2025, 1, 1)
    number_prefix = "CAR"
    max_wishes = 3
    preregistration_month = 6
    birth_confirmation_days = 30
    interest_period_months = 6
    interest_answer_days = 30
    grace_days = 30
    freeze_days = 15

    @factory.post_generation
    def structures(self, create, extracted, **kwargs):
        if create and extracted:
            self.participating_structures.set(extracted)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    territory = factory.SubFactory(TerritoryGroupFactory)
    # a commune of the territory (few communes: INSEE codes stay 5 characters long)
    commune = factory.LazyAttribute(
        lambda o: o.territory.communes.order_by("insee_code").first() or CommuneFactory()
    )
    parent_first_name = "Lina"
    parent_last_name = factory.Sequence(lambda n: f"Famille{n}")
    email = factory.Sequence(lambda n: f"famille{n}@exemple.fr")
    parents_working = 2


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    household = factory.SubFactory(HouseholdFactory)
    first_name = "Léo"
    last_name = factory.SelfAttribute("household.parent_last_name")
    birth_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=60))
    expected_date = None


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"CAR-2026-{n + 1:05d}")
    household = factory.SubFactory(HouseholdFactory)
    territory = factory.SelfAttribute("household.territory")
    child = factory.SubFactory(ChildFactory, household=factory.SelfAttribute("..household"))
    state = State.SUBMITTED
    desired_start = factory.LazyFunction(
        lambda: datetime.date.today() + datetime.timedelta(days=120)
    )
    days_per_week = 4
    registered_on = factory.LazyFunction(datetime.date.today)

    @factory.post_generation
    def wishes(self, create, extracted, **kwargs):
        if create and extracted:
            for rank, structure in enumerate(extracted, 1):
                Wish.objects.create(application=self, structure=structure, rank=rank)
