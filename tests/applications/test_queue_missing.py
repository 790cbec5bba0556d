"""The queue's missing-documents filter: the rules in force of each territory, a birth
certificate only once the child is born, the same answer as `services.missing_documents`, and
one query for the rules whatever the number of territories."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.applications import services
from maillage.applications.enums import State
from maillage.applications.models import Application, Document
from maillage.applications.queue import QueueFilters, missing_documents_condition, queue
from tests.applications.factories import (
    ApplicationFactory,
    ChildFactory,
    GuichetSettingsFactory,
    HouseholdFactory,
)

TODAY = datetime.date.today()


def make(guichet, *, born=True, kinds=(), territory=None):
    household = HouseholdFactory(territory=territory or guichet["territory"])
    child = ChildFactory(
        household=household,
        birth_date=TODAY - datetime.timedelta(days=90) if born else None,
        expected_date=None if born else TODAY + datetime.timedelta(days=60),
    )
    application = ApplicationFactory(household=household, child=child, state=State.WAITING)
    for kind in kinds:
        Document.objects.create(application=application, kind=kind, content_type="application/pdf",
                                size=10)  # fmt: skip
    return application


def test_missing_follows_the_rules_in_force_and_the_birth(guichet, organisations):
    rules = guichet["rules"]
    assert sorted(rules.required_documents) == ["address", "birth"]
    nothing = make(guichet)
    complete = make(guichet, kinds=["address", "birth"])
    address_only = make(guichet, kinds=["address"])
    unborn_with_address = make(guichet, born=False, kinds=["address"])
    unborn_without = make(guichet, born=False)
    # a rule dated tomorrow asking for the tax notice does not apply yet
    GuichetSettingsFactory(territory=guichet["territory"], operator=rules.operator,
                           valid_from=TODAY + datetime.timedelta(days=1),
                           required_documents=["address", "birth", "income"])  # fmt: skip
    # another territory asking for nothing
    from tests.territories.factories import TerritoryGroupFactory

    free = TerritoryGroupFactory()
    GuichetSettingsFactory(territory=free, operator=rules.operator, required_documents=[])
    elsewhere = make(guichet, territory=free)
    missing = set(Application.objects.filter(missing_documents_condition()))
    assert missing == {nothing, address_only, unborn_without}
    for application in (nothing, complete, address_only, unborn_with_address, unborn_without,
                        elsewhere):  # fmt: skip
        assert (application in missing) == bool(services.missing_documents(application))


def test_the_filter_in_the_queue_costs_one_query_for_the_rules(guichet, organisations, bruno):
    from tests.territories.factories import TerritoryGroupFactory

    membership = bruno.memberships.get(organisation=organisations["06033"])
    make(guichet)
    make(guichet, kinds=["address", "birth"])

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            rows = list(queue(membership, QueueFilters(missing=True)))
        return len(queries), len(rows)

    count_queries()  # the organisation is read once
    few = count_queries()
    for _ in range(3):  # more territories with their own rules: still one query for them all
        territory = TerritoryGroupFactory()
        GuichetSettingsFactory(territory=territory, operator=organisations["06033"],
                               required_documents=["income"])  # fmt: skip
        make(guichet, territory=territory)
    assert count_queries() == (few[0], 1 + 3)
    assert few[1] == 1
