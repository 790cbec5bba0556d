"""A tiny published session with real engine explanations, for the letters' tests.

Structures (age group « bebe »):
- crèche Alpha: 1 place; crèche Beta: 1 place; crèche Gamma: 1 place, hard reserve 1 for
  `integration`; crèche Delta: 1 place (asked by twins together).
Children:
- anna (30 pts): [Alpha] → placed, first wish;
- bruno (20 pts): [Alpha, Beta] → placed at Beta (wish 2), Alpha's cutoff = anna's 30 points;
- chloe (25 pts, no tag): [Gamma] → unplaced, Gamma's place is reserved (integration);
- dina (5 pts, integration): [Gamma] → placed on the reserve;
- twins emile and flore (10 pts each, joint option [Delta, Delta]) → unplaced (one place);
- gaston: left out, desired start outside the entry window (excluded).
"""

import datetime
import hashlib
import json
from decimal import Decimal

from maillage.commission.allocation import solver
from maillage.commission.allocation.canonical import canonical_bytes
from maillage.commission.allocation.validate import parse_instance
from maillage.commission.enums import DecisionOutcome, Exclusion, SessionStatus
from maillage.commission.models import (
    CommissionSettings,
    Decision,
    Run,
    SessionEntry,
    SessionPlaces,
)
from tests.applications.factories import ApplicationFactory, HouseholdFactory
from tests.commission.factories import PointsGridFactory, SessionFactory
from tests.directory.factories import StructureFactory
from tests.territories.factories import CommuneFactory, TerritoryGroupFactory


def key(structure) -> str:
    return f"S{structure.pk:06d}"


def _lines(points: int) -> list[dict]:
    return [
        {
            "criterion": "all_parents_working",
            "label": "Tous les parents du foyer travaillent, étudient ou se forment",
            "units": 1,
            "points": points,
            "reason": "Délibération du conseil municipal (test)",
        }
    ]


def build(family_user=None, status=SessionStatus.PUBLISHED) -> dict:
    commune = CommuneFactory(name="Carros-Test", latitude=43.79, longitude=7.18)
    territory = TerritoryGroupFactory(slug="bassin-lettres", communes=[commune])
    CommissionSettings.objects.create(
        territory=territory,
        valid_from=datetime.date(2025, 1, 1),
        rules_contact="le guichet unique, guichet@carros.example",
        appeal_address="Mairie de Carros, place de la Mairie, 06510 Carros",
        appeal_authority="Monsieur le Maire de Carros",
    )
    grid = PointsGridFactory(territory=territory)
    session = SessionFactory(
        territory=territory, status=status, grid=grid, name="Commission de printemps"
    )
    names = ("Alpha", "Beta", "Gamma", "Delta")
    structures = {n: StructureFactory(name=f"Crèche {n}", commune=commune) for n in names}
    for structure in structures.values():
        SessionPlaces.objects.create(
            session=session,
            structure=structure,
            age_group="bebe",
            places=1,
            start_date=session.entry_from,
        )
    people = {
        "anna": (30, ["Alpha"], [], "2025-01-10"),
        "bruno": (20, ["Alpha", "Beta"], [], "2025-01-11"),
        "chloe": (25, ["Gamma"], [], "2025-01-12"),
        "dina": (5, ["Gamma"], ["integration"], "2025-01-13"),
        "emile": (10, ["Delta"], [], "2025-01-14"),
        "flore": (10, ["Delta"], [], "2025-01-14"),
        "gaston": (0, ["Alpha"], [], "2025-01-15"),
    }
    twins_household = HouseholdFactory(territory=territory, commune=commune)
    applications, entries = {}, {}
    for n, (name, (points, wishes, tags, date)) in enumerate(people.items(), 1):
        household = (
            twins_household
            if name in ("emile", "flore")
            else HouseholdFactory(
                territory=territory,
                commune=commune,
                account=family_user if name == "bruno" else None,
            )
        )
        application = ApplicationFactory(
            household=household,
            territory=territory,
            number=f"LET-2026-{n:05d}",
            child__first_name=name.capitalize(),
            registered_on=datetime.date.fromisoformat(date),
            wishes=[structures[w] for w in wishes],
        )
        applications[name] = application
        entries[name] = SessionEntry.objects.create(
            session=session,
            application=application,
            child_key=f"C{n:06d}",
            family_key=f"F{99 if name in ('emile', 'flore') else n:06d}",
            age_group="bebe",
            points=Decimal(points),
            points_detail=_lines(points),
            wishes=[key(structures[w]) for w in wishes],
            tags=tags,
            exclusion=Exclusion.START_OUTSIDE_WINDOW if name == "gaston" else "",
        )
    instance = {
        "format": "creche-matching-instance",
        "version": 1,
        "name": session.slug,
        "age_groups": ["bebe"],
        "structures": [
            {
                "id": key(s),
                "capacity": {"bebe": 1},
                **(
                    {
                        "reserved": [
                            {
                                "id": key(s) + "-INT",
                                "age_group": "bebe",
                                "places": 1,
                                "tag": "integration",
                                "release_if_unused": False,
                            }
                        ]
                    }
                    if n == "Gamma"
                    else {}
                ),
            }
            for n, s in structures.items()
        ],
        "children": [
            {
                "id": entries[name].child_key,
                "age_group": "bebe",
                "points": points,
                "application_date": date,
                "wishes": [key(structures[w]) for w in wishes],
                **({"tags": tags} if tags else {}),
            }
            for name, (points, wishes, tags, date) in people.items()
            if name != "gaston"
        ],
        "families": [
            {
                "id": "F000099",
                "children": [entries["emile"].child_key, entries["flore"].child_key],
                "joint_wishes": [[key(structures["Delta"]), key(structures["Delta"])]],
            }
        ],
    }
    text = canonical_bytes(instance).decode()
    session.instance = text
    session.instance_sha256 = hashlib.sha256(text.encode()).hexdigest()
    session.frozen_at = datetime.datetime.now(datetime.UTC)
    session.save()
    output = solver.run(parse_instance(json.loads(text)), "siblings")
    run_text = canonical_bytes({k: v for k, v in output.items() if k != "run"}).decode()
    run = Run.objects.create(
        session=session,
        method="siblings",
        engine_version=output["run"]["engine_version"],
        input_sha256=session.instance_sha256,
        output=run_text,
        output_sha256=hashlib.sha256(run_text.encode()).hexdigest(),
        placed=sum(1 for v in output["assignment"].values() if v),
        unplaced=sum(1 for v in output["assignment"].values() if not v),
    )
    pk_of = {key(s): s for s in structures.values()}
    decisions = {}
    for name, entry in entries.items():
        if entry.exclusion:
            decisions[name] = Decision.objects.create(
                session=session,
                entry=entry,
                run=run,
                outcome=DecisionOutcome.EXCLUDED,
                explanation={"engine": {}, "cutoffs": {}, "exclusion": entry.exclusion},
            )
            continue
        got = output["assignment"].get(entry.child_key)
        cutoffs = {sid: output["cutoffs"].get(sid, {}).get("bebe") for sid in entry.wishes}
        decisions[name] = Decision.objects.create(
            session=session,
            entry=entry,
            run=run,
            outcome=DecisionOutcome.PLACED if got else DecisionOutcome.UNPLACED,
            proposed_structure=pk_of.get(got),
            structure=pk_of.get(got),
            wish_rank=entry.wishes.index(got) + 1 if got in entry.wishes else None,
            explanation={
                "engine": output["explanations"][entry.child_key],
                "cutoffs": cutoffs,
                "exclusion": "",
            },
        )
    session.validated_run = run
    session.save()
    return {
        "session": session,
        "territory": territory,
        "commune": commune,
        "structures": structures,
        "applications": applications,
        "entries": entries,
        "decisions": decisions,
        "output": output,
        "run": run,
    }
