"""Demo of the guichet unique: the bassin de Carros guichet open (every EAJE of the bassin takes
part, 5 wishes), about 300 fictitious applications in every state, and the demo family account
(famille@maillage.example) with an application in progress. Deterministic and idempotent: it
replaces the applications of the demo territory."""

import datetime
import random

from django.utils import timezone

from maillage.accounts.models import Organisation, User
from maillage.applications.enums import DeadlineKind, DocumentKind, Source, State
from maillage.applications.models import (
    Application,
    ApplicationCounter,
    Child,
    GuichetSettings,
    Household,
    Wish,
)
from maillage.applications.workflow import application_workflow
from maillage.directory.models import Structure
from maillage.territories.models import TerritoryGroup

TERRITORY = "bassin-de-vie-carros"
OPERATOR = "commune-carros"
FAMILY_EMAIL = "famille@maillage.example"
COUNT = 300
# The next commission of the demo is in 60 days; its entry period opens 30 days after it
# (commission/demo.py builds that session from these).
NEXT_COMMISSION_DAYS = 60
ENTRY_AFTER_COMMISSION_DAYS = 30
# how many demo applications per state (every state is represented)
STATES = {
    State.SUBMITTED: 18, State.TO_CORRECT: 8, State.AWAITING_BIRTH: 25, State.ON_HOLD: 5,
    State.WAITING: 140, State.TO_CONFIRM: 20, State.OFFERED: 10, State.ACCEPTED: 8,
    State.PLACED: 30, State.LEFT: 6, State.ARCHIVED: 10, State.WITHDRAWN: 8,
    State.CANCELLED: 5, State.MERGED: 2, State.DRAFT: 5,
}  # fmt: skip
# Placed children (accepted, arrived, left since) are created waiting: the commission demo places
# them through the real path (an offer of an earlier session accepted through the domain
# services, arrival and departure through the workflow), so the observatory reads their delay
# to placement and the commune of their structure (`placement_targets`).
PLACED_STATES = (State.ACCEPTED, State.PLACED, State.LEFT)
FIRST_NAMES = ["Léa", "Noé", "Inès", "Lucas", "Jade", "Adam", "Louise", "Gabriel", "Emma",
               "Raphaël", "Alice", "Sacha", "Lina", "Nino", "Rose", "Malo", "Mila", "Yanis"]  # fmt: skip
LAST_NAMES = ["Martin", "Bernard", "Giraud", "Rossi", "Baudin", "Ferrero", "Lambert", "Cohen",
              "Faure", "Benali", "Garnier", "Marchetti", "Roux", "Nicolas", "Blanc", "Mercier"]  # fmt: skip


def _settings(group, operator, structures) -> GuichetSettings:
    today = timezone.localdate()
    rules, _ = GuichetSettings.objects.update_or_create(
        territory=group,
        valid_from=datetime.date(today.year, 1, 1),
        defaults={
            "operator": operator,
            "number_prefix": "CAR",
            "is_open": True,
            "max_wishes": 5,
            "preregistration_month": 6,
            "birth_confirmation_days": 30,
            "interest_period_months": 6,
            "interest_answer_days": 30,
            "grace_days": 30,
            "freeze_days": 15,
            "next_commission_on": today + datetime.timedelta(days=NEXT_COMMISSION_DAYS),
            "required_documents": [DocumentKind.ADDRESS, DocumentKind.BIRTH, DocumentKind.INCOME],
            "max_refusals": 2,
            "retention_months": 36,
        },
    )
    rules.participating_structures.set(structures)
    return rules


def _states() -> list[str]:
    return [state for state, n in STATES.items() for _ in range(n)]


def placement_targets() -> dict[str, str]:
    """External reference of each demo application to be placed → the state it must reach."""
    return {
        f"DEMO-{index:03d}": state
        for index, state in enumerate(_states(), start=1)
        if state in PLACED_STATES
    }


def load(out, progress=None) -> None:
    group = TerritoryGroup.objects.filter(slug=TERRITORY).first()
    operator = Organisation.objects.filter(slug=OPERATOR).first()
    if group is None or operator is None:
        out.write("Guichet unique : territoire ou organisations de démonstration absents.")
        return
    structures = list(Structure.objects.eaje().active().filter(commune__in=group.communes.all()))
    if not structures:
        out.write("Guichet unique : aucun EAJE dans l'annuaire de démonstration.")
        return
    rules = _settings(group, operator, structures)
    Application.objects.filter(territory=group).delete()
    Child.objects.filter(household__territory=group).delete()
    Household.objects.filter(territory=group).delete()
    ApplicationCounter.objects.filter(territory=group).delete()

    rng = random.Random(2026)
    today = timezone.localdate()
    communes = list(group.communes.order_by("insee_code"))
    year = today.year
    states = _states()
    households, children, applications = [], [], []
    for index, state in enumerate(states, start=1):
        last = rng.choice(LAST_NAMES)
        households.append(Household(
            territory=group, external_reference=f"DEMO-F{index:03d}",
            parent_first_name=rng.choice(FIRST_NAMES), parent_last_name=last,
            email=f"famille.demo{index:03d}@exemple.invalid", commune=rng.choice(communes),
            parents_working=rng.choice([0, 1, 2, 2, 2]), job_seeking=rng.random() < 0.15,
            integration_pathway=rng.random() < 0.12, single_parent=rng.random() < 0.2,
            other_children=rng.choice([0, 0, 1, 1, 2]),
            family_quotient=rng.choice([None, rng.randint(300, 2500)]),
        ))  # fmt: skip
        expected = state in (State.AWAITING_BIRTH, State.ON_HOLD) or (
            state in (State.SUBMITTED, State.DRAFT) and rng.random() < 0.4
        )
        registered = today - datetime.timedelta(days=rng.randint(10, 500))
        if expected:
            due = today + datetime.timedelta(days=rng.randint(-40, 120))
            birth = None
        else:
            due = None
            birth = today - datetime.timedelta(days=rng.randint(20, 700))
        children.append(Child(first_name=rng.choice(FIRST_NAMES), last_name=last,
                              birth_date=birth, expected_date=due,
                              disability=rng.random() < 0.03))  # fmt: skip
        # The family's desired start: a few months after the birth, and never before the
        # entry period of the next commission (it opens 30 days after the commission,
        # `next_commission_on` below): a family asks for the earliest start it can get.
        reference = max(
            (birth or due) + datetime.timedelta(days=rng.randint(90, 300)),
            today + datetime.timedelta(days=NEXT_COMMISSION_DAYS + ENTRY_AFTER_COMMISSION_DAYS),
        )
        deadline_kind, deadline = "", None
        if state == State.AWAITING_BIRTH:
            deadline_kind, deadline = DeadlineKind.BIRTH, due + datetime.timedelta(days=30)
            if deadline < today:
                deadline = today + datetime.timedelta(days=rng.randint(1, 30))
        elif state == State.TO_CONFIRM:
            deadline_kind = DeadlineKind.INTEREST
            deadline = today + datetime.timedelta(days=rng.randint(1, 30))
        elif state == State.OFFERED:
            deadline = today + datetime.timedelta(days=rng.randint(1, 10))
        to_place = state in PLACED_STATES
        applications.append(Application(
            number=f"CAR-{year}-{index:05d}", territory=group,
            state=State.WAITING if to_place else state,
            source=rng.choice([Source.FAMILY, Source.FAMILY, Source.COUNTER, Source.IMPORT]),
            external_reference=f"DEMO-{index:03d}", desired_start=max(reference, today),
            days_per_week=rng.choice([2, 3, 4, 4, 5, 5]),
            daily_hours=rng.choice([None, 7, 8, 9, 10]), atypical_hours=rng.random() < 0.08,
            accepts_childminder=rng.random() < 0.3, siblings_together=False,
            registered_on=None if state == State.DRAFT else registered,
            submitted_at=None if state == State.DRAFT else timezone.now(),
            interest_confirmed_on=registered if state == State.WAITING or to_place else None,
            deadline_kind=deadline_kind, deadline=deadline,
            archived_on=today - datetime.timedelta(days=5) if state == State.ARCHIVED else None,
            correction_reason="Justificatif de domicile manquant" if state == State.TO_CORRECT
            else "",
        ))  # fmt: skip
    Household.objects.bulk_create(households)
    for household, child in zip(households, children, strict=True):
        child.household = household
    Child.objects.bulk_create(children)
    for application, household, child in zip(applications, households, children, strict=True):
        application.household, application.child = household, child
    Application.objects.bulk_create(applications)
    wishes = []
    for application in applications:
        for rank, structure in enumerate(
            rng.sample(structures, rng.randint(1, min(5, len(structures)))), 1
        ):
            wishes.append(Wish(application=application, structure=structure, rank=rank))
    Wish.objects.bulk_create(wishes)
    targets = placement_targets()
    siblings = _demo_siblings([a for a in applications if a.external_reference not in targets])
    ApplicationCounter.objects.create(territory=group, year=year, last=len(applications))
    family = _family_application(group, rules, structures, communes)
    out.write(
        f"Guichet unique « {group.name} » : {len(structures)} EAJE participants, "
        f"{len(applications) + 1} demandes fictives dont {siblings} fratries ; demande de la "
        "famille de démonstration : "
        f"{family.number if family else 'compte absent'}."
    )


def _demo_siblings(applications, pairs: int = 6) -> int:
    """A few brothers and sisters: two open applications of neighbouring families become those
    of one household (the second family's household goes), linked, « ensemble seulement » for
    one pair in two."""
    from maillage.applications import services

    open_ones = [a for a in applications if a.state in (State.WAITING, State.SUBMITTED)]
    linked = 0
    for first, second in zip(open_ones[0::2], open_ones[1::2], strict=False):
        if linked == pairs:
            break
        together = linked % 2 == 0
        orphan = second.household
        Child.objects.filter(pk=second.child_id).update(
            household=first.household, last_name=first.child.last_name
        )
        Application.objects.filter(pk__in=[first.pk, second.pk]).update(
            household=first.household, siblings_together=together
        )
        second.household = first.household
        orphan.delete()
        services.link_siblings(second)
        linked += 1
    return linked


def _family_application(group, rules, structures, communes):
    from maillage.applications import services

    user = User.objects.filter(email=FAMILY_EMAIL).first()
    if user is None:
        return None
    today = timezone.localdate()
    household = Household.objects.create(
        territory=group, account=user, parent_first_name=user.first_name or "Emma",
        parent_last_name=user.last_name or "Famille", email=user.email,
        commune=next((c for c in communes if c.insee_code == "06033"), communes[0]),
        parents_working=2,
    )  # fmt: skip
    child = Child.objects.create(
        household=household, first_name="Lou", last_name=household.parent_last_name,
        birth_date=today - datetime.timedelta(days=120),
    )  # fmt: skip
    application = services.create_application(
        group, household, child,
        services.ApplicationData(desired_start=today + datetime.timedelta(days=150),
                                 days_per_week=4, daily_hours=9),
        structures[:3], actor=user,
    )  # fmt: skip
    application_workflow.apply(
        application, "submit", actor=user, extra_updates={"submitted_at": timezone.now(),
                                                          "registered_on": today},
    )  # fmt: skip
    return application
