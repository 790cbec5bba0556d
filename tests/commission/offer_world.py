"""A small commission world for the offers tests: the bassin's guichet (operated by Carros),
two structures, a session with its frozen entries, a run and its decisions, and the frozen
instance (application dates, tags, reserves, joint families) the re-offers read."""

import datetime
import json
from decimal import Decimal

from maillage.applications.enums import State
from maillage.commission.enums import DecisionOutcome, Method, SessionStatus
from maillage.commission.models import Decision, Run, SessionEntry
from tests.applications.factories import (
    ApplicationFactory,
    GuichetSettingsFactory,
    HouseholdFactory,
)
from tests.commission.factories import (
    CommissionSettingsFactory,
    SessionFactory,
    SessionPlacesFactory,
)
from tests.directory.factories import StructureFactory


def key(structure) -> str:
    return f"S{structure.pk:06d}"


class World:
    def __init__(self, bassin, organisations, *, refusal_rule="archive_after", max_refusals=2,
                 places=None):  # fmt: skip
        self.group = bassin["group"]
        self.carros = organisations["06033"]
        self.s1 = StructureFactory(name="Maison de l'Enfance", commune=bassin["06033"],
                                   manager=self.carros)  # fmt: skip
        self.s2 = StructureFactory(name="Les Canailous", commune=bassin["06064"],
                                   manager=self.carros)  # fmt: skip
        self.s3 = StructureFactory(name="Crèche du Broc", commune=bassin["06025"],
                                   manager=self.carros)  # fmt: skip
        self.rules = GuichetSettingsFactory(
            territory=self.group, operator=self.carros, structures=[self.s1, self.s2, self.s3],
            refusal_rule=refusal_rule, max_refusals=max_refusals,
        )  # fmt: skip
        self.settings = CommissionSettingsFactory(
            territory=self.group, offer_reply_days=8, offer_reminder_days=[3, 1]
        )
        self.session = SessionFactory(territory=self.group, status=SessionStatus.RUN,
                                      slug="commission-printemps")  # fmt: skip
        for structure, count in (places or {self.s1: 1, self.s2: 1, self.s3: 1}).items():
            SessionPlacesFactory(session=self.session, structure=structure, age_group="bebe",
                                 places=count)  # fmt: skip
        self.run = Run.objects.create(
            session=self.session, method=Method.SIBLINGS, engine_version="test",
            input_sha256="0" * 64, output="{}", output_sha256="0" * 64,
        )  # fmt: skip
        self.entries: dict[str, SessionEntry] = {}
        self.families: list[dict] = []
        self.reserves: dict[str, list] = {}
        self.n = 0

    def child(self, points, wishes, *, bonus=None, tags=(), date=None, state=State.WAITING,
              household=None, account=None, age_group="bebe"):  # fmt: skip
        """One application and its frozen entry; `wishes` are structures in rank order."""
        self.n += 1
        child_key = f"C{self.n:06d}"
        household = household or HouseholdFactory(
            territory=self.group, account=account, commune=self.s1.commune
        )
        application = ApplicationFactory(
            household=household, state=state, wishes=list(wishes),
            registered_on=date or datetime.date(2025, 1, 1) + datetime.timedelta(days=self.n),
        )  # fmt: skip
        entry = SessionEntry.objects.create(
            session=self.session, application=application, child_key=child_key,
            family_key=f"F{self.n:06d}", age_group=age_group, points=Decimal(points),
            bonus={key(s): [{"criterion": "residence_commune", "points": b}]
                   for s, b in (bonus or {}).items()},
            wishes=[key(s) for s in wishes], tags=list(tags),
        )  # fmt: skip
        self.entries[child_key] = entry
        return entry

    def joint(self, first, second, options):
        """A joint family: `options` are tuples of structures (or None), best first."""
        self.families.append({
            "id": first.family_key, "children": [first.child_key, second.child_key],
            "joint_wishes": [[key(s) if s else None for s in option] for option in options],
        })  # fmt: skip

    def reserve(self, structure, places, tag, release=False):
        self.reserves[key(structure)] = [
            {"id": f"{key(structure)}-R", "age_group": "bebe", "places": places, "tag": tag,
             "release_if_unused": release}
        ]  # fmt: skip

    def freeze(self):
        """Write the session's frozen instance (what csess's freeze stores)."""
        instance = {
            "structures": [
                {"id": key(s), "capacity": {"bebe": 1}, "reserved": self.reserves.get(key(s), [])}
                for s in (self.s1, self.s2, self.s3)
            ],
            "children": [
                {"id": e.child_key, "age_group": e.age_group, "points": float(e.points),
                 "application_date": e.application.registered_on.isoformat(),
                 "tags": e.tags, "wishes": e.wishes}
                for e in self.entries.values()
            ],
            "families": self.families,
        }  # fmt: skip
        self.session.instance = json.dumps(instance, sort_keys=True)
        self.session.save(update_fields=["instance"])

    def place(self, entry, structure):
        return Decision.objects.create(
            session=self.session, entry=entry, run=self.run, outcome=DecisionOutcome.PLACED,
            proposed_structure=structure, structure=structure,
            wish_rank=entry.wishes.index(key(structure)) + 1,
        )  # fmt: skip

    def unplace(self, entry):
        return Decision.objects.create(
            session=self.session, entry=entry, run=self.run, outcome=DecisionOutcome.UNPLACED
        )
