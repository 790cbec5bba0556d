import datetime

import factory

from maillage.directory.enums import CoordinatesPrecision, PricingMode, StructureKind
from maillage.directory.models import Childminder, ChildminderAvailability, Structure
from tests.territories.factories import CommuneFactory


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Structure {n}")
    kind = StructureKind.MULTI_ACCUEIL
    commune = factory.SubFactory(CommuneFactory)
    address = factory.Sequence(lambda n: f"{n} rue des Tests")
    latitude = 43.8
    longitude = 7.16
    coordinates_precision = CoordinatesPrecision.MANUAL
    age_min_months = 2
    age_max_months = 48
    places_babies = 10
    places_toddlers = 10
    places_older = 10
    opens_at = datetime.time(7, 30)
    closes_at = datetime.time(18, 30)
    pricing_mode = PricingMode.PSU
    source = "Fabrique de test"

    class Params:
        late = factory.Trait(closes_at=datetime.time(19, 30), late_hours=True)
        rpe = factory.Trait(
            kind=StructureKind.RPE,
            places_babies=0,
            places_toddlers=0,
            places_older=0,
            age_min_months=None,
            age_max_months=None,
            pricing_mode=PricingMode.FREE,
        )
        alsh = factory.Trait(
            kind=StructureKind.ALSH_EXTRASCOLAIRE,
            age_min_months=36,
            age_max_months=143,
            places_babies=0,
            places_toddlers=0,
            places_older=0,
            places_other=60,
            holidays=True,
        )
        inactive = factory.Trait(is_active=False)
        inclusive = factory.Trait(inclusion_referent=True, inclusion_adapted=True)

    @factory.post_generation
    def admitted(self, create, extracted, **kwargs):
        if create and extracted:
            self.admitted_communes.set(extracted)


class ChildminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Childminder

    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    commune = factory.SubFactory(CommuneFactory)
    address = "1 place de la Mairie"
    phone = "06 00 00 00 00"
    email = factory.Sequence(lambda n: f"am{n}@exemple.test")
    agreement_places = 4
    latitude = 43.8
    longitude = 7.16
    coordinates_precision = CoordinatesPrecision.COMMUNE
    source = "Fabrique de test"

    class Params:
        consenting = factory.Trait(contact_consent=True)
        babies_excluded = factory.Trait(agreement_age_min_months=12)


class AvailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChildminderAvailability

    childminder = factory.SubFactory(ChildminderFactory)
    declared_on = factory.LazyFunction(datetime.date.today)
    available_from = factory.LazyFunction(datetime.date.today)
    places = 1
    starts_at = datetime.time(8, 0)
    ends_at = datetime.time(19, 0)

    class Params:
        stale = factory.Trait(
            declared_on=factory.LazyFunction(
                lambda: datetime.date.today() - datetime.timedelta(days=400)
            )
        )
        until_18 = factory.Trait(ends_at=datetime.time(18, 0))
