import datetime

import factory

from maillage.conventions.enums import (
    ActionStatus,
    BodyKind,
    ConventionKind,
    ConventionStatus,
    PartyRole,
)
from maillage.conventions.models import (
    Action,
    Axis,
    Body,
    Clause,
    Convention,
    Indicator,
    Objective,
    Party,
    Perspective,
)
from tests.accounts.factories import OrganisationFactory
from tests.territories.factories import TerritoryGroupFactory


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    slug = factory.Sequence(lambda n: f"convention-{n}")
    kind = ConventionKind.CTG
    title = factory.Sequence(lambda n: f"Convention territoriale globale n° {n}")
    territory = factory.SubFactory(TerritoryGroupFactory)
    start_date = datetime.date(2021, 1, 1)
    duration_years = 4
    status = ConventionStatus.DRAFT

    class Params:
        active = factory.Trait(
            status=ConventionStatus.ACTIVE, signed_on=datetime.date(2021, 11, 25)
        )


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    convention = factory.SubFactory(ConventionFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = PartyRole.SIGNATORY

    class Params:
        associated = factory.Trait(role=PartyRole.ASSOCIATED)


class ClauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clause

    convention = factory.SubFactory(ConventionFactory)
    number = factory.Sequence(lambda n: f"ARTICLE {n + 1}")
    title = "Durée de la convention"
    text = "La présente convention est conclue pour quatre ans."


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    convention = factory.SubFactory(ConventionFactory)
    theme = "Enfance"
    text = factory.Sequence(lambda n: f"Objectif partagé n° {n + 1}")


class AxisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Axis

    convention = factory.SubFactory(ConventionFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"Axe thématique {n + 1}")


class PerspectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Perspective

    axis = factory.SubFactory(AxisFactory)
    code = factory.LazyAttribute(lambda o: f"{o.axis.code}.1")
    title = "Améliorer la qualité de l'accueil"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    perspective = factory.SubFactory(PerspectiveFactory)
    code = factory.Sequence(lambda n: f"9.9.{n + 1}")
    title = factory.Sequence(lambda n: f"Action de test {n}")
    status = ActionStatus.NEW
    progress = 0
    lead = factory.SubFactory(OrganisationFactory)
    deadline = datetime.date(2024, 12, 31)
    deadline_label = "Fin 2024"
    operational_objectives = factory.LazyFunction(lambda: ["Créer un relais intercommunal"])

    class Params:
        done = factory.Trait(status=ActionStatus.DONE, progress=100)
        ongoing = factory.Trait(status=ActionStatus.ONGOING, progress=30)
        abandoned = factory.Trait(status=ActionStatus.ABANDONED)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    convention = factory.SubFactory(ConventionFactory)
    action = None
    label = factory.Sequence(lambda n: f"Nombre de communes adhérentes ({n})")
    unit = "communes"


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    convention = factory.SubFactory(ConventionFactory)
    code = "COPIL"
    kind = BodyKind.COPIL
    name = "Comité de pilotage"
    meetings_per_year = 1
    first_month = 11

    class Params:
        cotech = factory.Trait(
            code="COTECH",
            kind=BodyKind.COTECH,
            name="Comité technique",
            meetings_per_year=2,
            first_month=3,
        )
        follow_up = factory.Trait(
            code="SUIVI",
            kind=BodyKind.FOLLOW_UP,
            name="Comité de suivi",
            meetings_per_year=0,
            offset_months=1,
        )
