"""The guichet demo: open on the bassin, every EAJE participating, ~300 applications in every
state, the demo family's application, idempotent."""

from maillage.accounts import demo as accounts_demo
from maillage.applications import demo
from maillage.applications.enums import State
from maillage.applications.models import Application, GuichetSettings
from maillage.applications.services import rules_for
from maillage.directory import demo as directory_demo
from maillage.directory.models import Structure


class Out:
    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append(text)


def test_demo_guichet(bassin):
    out = Out()
    accounts_demo.load(out)
    directory_demo.load(out)
    demo.load(out)
    group = bassin["group"]
    rules = rules_for(group)
    assert rules.max_wishes == 5 and rules.operator.slug == "commune-carros"
    eaje = set(Structure.objects.eaje().active().filter(commune__in=group.communes.all()))
    assert eaje and set(rules.participating_structures.all()) == eaje
    assert Application.objects.filter(territory=group).count() == 301
    # every state but the placed ones: the commission demo places those children through the
    # real path (offers accepted), see tests/commission/test_demo_past_session.py
    placed = set(demo.PLACED_STATES)
    assert set(Application.objects.values_list("state", flat=True)) == {
        s.value for s in State if s not in placed
    }
    targets = demo.placement_targets()
    assert len(targets) == 8 + 30 + 6
    waiting = Application.objects.filter(external_reference__in=list(targets))
    assert {a.state for a in waiting} == {State.WAITING}
    family = Application.objects.get(household__account__email="famille@maillage.example")
    assert family.state == State.SUBMITTED and family.wishes.count() == 3
    linked = Application.objects.filter(siblings__isnull=False).distinct()
    assert linked.count() == 12  # six pairs of brothers and sisters, one household each
    assert all(a.siblings.get().household_id == a.household_id for a in linked)
    numbers = set(Application.objects.values_list("number", flat=True))
    demo.load(out)
    assert Application.objects.count() == 301
    assert set(Application.objects.values_list("number", flat=True)) == numbers
    assert GuichetSettings.objects.count() == 1
    assert "301 demandes fictives dont 6 fratries" in out.lines[-1]
