import factory

from maillage.territories.models import Commune, Departement, Epci, Region, TerritoryGroup


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "93"
    name = "Provence-Alpes-Côte d'Azur"


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ("code",)

    code = "06"
    name = "Alpes-Maritimes"
    region = factory.SubFactory(RegionFactory)


class EpciFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Epci
        django_get_or_create = ("siren",)

    siren = factory.Sequence(lambda n: f"2{n:08d}")
    name = factory.Sequence(lambda n: f"CC numéro {n}")
    kind = "CC"


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    # 06500–06999: never a commune of the bassin fixture, always 5 characters (the sequence is
    # global to the test process, and PostgreSQL enforces the length)
    insee_code = factory.Sequence(lambda n: f"06{n % 500 + 500:03d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    departement = factory.SubFactory(DepartementFactory)
    population = 5000
    population_vintage = "COG 2026"
    population_source = "INSEE (test)"
    postal_codes = factory.LazyFunction(lambda: ["06000"])


class TerritoryGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerritoryGroup
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"territoire-{n}")
    name = factory.Sequence(lambda n: f"Territoire {n}")

    @factory.post_generation
    def communes(self, create, extracted, **kwargs):
        if create and extracted:
            self.communes.set(extracted)
