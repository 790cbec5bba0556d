"""Demo of the admission commission of the bassin de Carros: the commission's rules, a demo
points grid in two versions (values inspired by grids published by communes, marked as demo),
two reserves (integration pathway, AVIP) and the next session, in preparation, with its places
declared per structure and age group — ready to be frozen and run by a newcomer
(`maillage commission run --session carros-prochaine-commission`) — and one past session,
published, built through the real services (freeze, run, publish, answers, expiry, re-offers):
offers accepted, refused, expired and re-offered, letters queued. The demo family's application
(famille@maillage.example) was examined there: she reads her letter and « où en suis-je ? » (and
answers her offer if the ranking of the day gave her a place: it is left open).

Deterministic and idempotent: loading it again brings these objects back to their reference
state (dates are relative to today)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import ProtectedError
from django.utils import timezone

from maillage.applications.demo import ENTRY_AFTER_COMMISSION_DAYS
from maillage.commission.enums import (
    Criterion,
    GridStatus,
    ReserveKind,
    SessionKind,
    SessionStatus,
)
from maillage.commission.models import (
    CommissionSettings,
    GridCriterion,
    PointsGrid,
    Reserve,
    Session,
    SessionPlaces,
)
from maillage.territories.models import TerritoryGroup

TERRITORY = "bassin-de-vie-carros"
SESSION_SLUG = "carros-prochaine-commission"
PAST_SLUG = "carros-commission-passee"
EARLIER_SLUG = "carros-commission-precedente"
EARLIER_DAYS = 150
FAMILY_EMAIL = "famille@maillage.example"
AGENT_EMAIL = "agent@maillage.example"
# The past session sat PAST_DAYS ago; its offers were answered within the reply time (8 days).
PAST_DAYS = 10
# Places that opened at the past session, by structure rank (cycled).
PAST_PLACES = [
    {"bebe": 2, "moyen": 1, "grand": 1},
    {"bebe": 1, "moyen": 1, "grand": 1},
]
DEMO = "Grille de démonstration"
PESSAC = "inspiré de la grille publiée par la ville de Pessac (2022)"
TOULOUSE = "inspiré de la grille publiée par la ville de Toulouse"

# (criterion, points, cap, reason) — version 2, in force.
GRID_V2 = [
    (Criterion.ALL_PARENTS_WORKING, 40, None, f"{DEMO} — {PESSAC}"),
    (Criterion.JOB_SEEKING, 20, None, f"{DEMO} — {PESSAC} (un parent en recherche d'emploi)"),
    (Criterion.SINGLE_PARENT, 30, None, f"{DEMO} — {PESSAC}"),
    (
        Criterion.INTEGRATION_PATHWAY,
        30,
        None,
        f"{DEMO} — CASF art. L. 214-7 (accès des familles en parcours d'insertion)",
    ),
    (
        Criterion.DISABILITY,
        30,
        None,
        f"{DEMO} — accueil inclusif (CSP art. R. 2324-17), {PESSAC}",
    ),
    (Criterion.SIBLINGS_TOGETHER, 20, None, f"{DEMO} — {PESSAC} (fratrie, naissances multiples)"),
    (Criterion.SIBLING_IN_STRUCTURE, 20, None, f"{DEMO} — frère ou sœur déjà accueilli"),
    (Criterion.RESIDENCE_COMMUNE, 30, None, f"{DEMO} — priorité aux habitants de la commune"),
    (Criterion.SENIORITY_SESSION, 10, 50, f"{DEMO} — {PESSAC} (+10 par commission passée)"),
    (Criterion.SENIORITY_MONTH, 1, 24, f"{DEMO} — {TOULOUSE} (ancienneté de la demande)"),
    (Criterion.REFUSAL_PENALTY, -20, 40, f"{DEMO} — {PESSAC} (refus d'une place adaptée)"),
]
# Version 1, the year before: fewer criteria (to show the history).
GRID_V1 = [
    (Criterion.ALL_PARENTS_WORKING, 5, None, f"{DEMO} — {TOULOUSE}"),
    (Criterion.SINGLE_PARENT, 5, None, f"{DEMO} — {TOULOUSE}"),
    (Criterion.DISABILITY, 3, None, f"{DEMO} — {TOULOUSE}"),
    (Criterion.SIBLINGS_TOGETHER, 1, None, f"{DEMO} — {TOULOUSE}"),
    (Criterion.RESIDENCE_COMMUNE, 3, None, f"{DEMO} — priorité aux habitants de la commune"),
    (Criterion.SENIORITY_MONTH, Decimal("0.25"), 3, f"{DEMO} — {TOULOUSE}"),
]
COMPOSITION = (
    "Présidée par l'adjointe à la petite enfance de la commune de Carros. Membres : un élu de "
    "chaque commune du bassin (Gattières, Gilette, La Gaude, Le Broc, Saint-Jeannet), les "
    "directrices des établissements d'accueil du jeune enfant, une puéricultrice de la PMI du "
    "Département et la coordinatrice petite enfance de la Caf (voix consultative). Les dossiers "
    "sont présentés sans le nom des familles. (Composition de démonstration.)"
)
CALENDAR = (
    "Une commission principale au printemps pour les entrées de septembre, et des commissions "
    "intermédiaires pendant l'année pour les places qui se libèrent. La liste des demandes est "
    "arrêtée 15 jours avant chaque commission."
)
# Places opening at the next session per age group, by structure rank (cycled).
PLACES = [
    {"bebe": 3, "moyen": 2, "grand": 2},
    {"bebe": 2, "moyen": 3, "grand": 1},
    {"bebe": 2, "moyen": 2, "grand": 2},
    {"bebe": 1, "moyen": 2, "grand": 3},
]


def _settings(group, year: int) -> CommissionSettings:
    settings, _ = CommissionSettings.objects.update_or_create(
        territory=group,
        valid_from=datetime.date(year - 1, 1, 1),
        defaults={
            "name": "Commission d'admission aux modes d'accueil (CAMA) du bassin de Carros",
            "composition": COMPOSITION,
            "calendar_note": CALENDAR,
            "offer_reply_days": 8,
            "offer_reminder_days": [3, 1],
            "appeal_authority": "Monsieur le Maire de Carros",
            "appeal_address": "Mairie de Carros, guichet unique petite enfance, 06510 Carros",
            "administrative_court": "Tribunal administratif de Nice",
            "rules_contact": "au guichet unique petite enfance, en mairie de Carros ou en "
            "écrivant depuis votre espace",
            "source": "Règlement de la commission — document de démonstration",
        },
    )
    return settings


def _grid(group, version: int, lines, valid_from, title: str, deliberation: str) -> PointsGrid:
    grid, _ = PointsGrid.objects.update_or_create(
        territory=group,
        version=version,
        defaults={
            "title": title,
            "valid_from": valid_from,
            "status": GridStatus.ADOPTED,
            "adopted_at": timezone.make_aware(
                datetime.datetime.combine(
                    valid_from - datetime.timedelta(days=30), datetime.time(18)
                )
            ),
            "deliberation": deliberation,
            "is_demo": True,
            "notes": "Valeurs de démonstration inspirées de grilles publiées ; à remplacer par la "
            "grille adoptée par le territoire.",
        },
    )
    grid.criteria.all().delete()
    GridCriterion.objects.bulk_create(
        GridCriterion(
            grid=grid,
            criterion=criterion,
            points=Decimal(points),
            cap=None if cap is None else Decimal(cap),
            reason=reason,
            position=position,
        )
        for position, (criterion, points, cap, reason) in enumerate(lines)
    )
    return grid


def _structures(group):
    from maillage.commission.reserves import territory_structures

    return list(territory_structures(group).order_by("name", "pk"))


def _reserves(structures, valid_from: datetime.date) -> list[Reserve]:
    Reserve.objects.filter(structure__in=structures).delete()
    created = []
    if structures:
        created.append(
            Reserve.objects.create(
                structure=structures[0],
                age_group="bebe",
                kind=ReserveKind.INTEGRATION,
                places=1,
                release_if_unused=False,
                valid_from=valid_from,
                reason="CASF art. L. 214-7 — place garantie aux familles en parcours d'insertion "
                "(démonstration)",
            )
        )
    if len(structures) > 1:
        created.append(
            Reserve.objects.create(
                structure=structures[1],
                age_group="moyen",
                kind=ReserveKind.AVIP,
                places=2,
                release_if_unused=True,
                valid_from=valid_from,
                reason="Crèche à vocation d'insertion professionnelle, convention avec la Caf et "
                "France Travail (démonstration)",
            )
        )
    return created


def _session(group, structures, today: datetime.date) -> Session:
    from maillage.applications.models import GuichetSettings

    rules = (
        GuichetSettings.objects.in_force(today)
        .filter(territory=group)
        .order_by("-valid_from")
        .first()
    )
    date = (rules.next_commission_on if rules else None) or today + datetime.timedelta(days=60)
    freeze_days = rules.freeze_days if rules else 15
    freeze = max(date - datetime.timedelta(days=freeze_days), today)
    entry_from = date + datetime.timedelta(days=ENTRY_AFTER_COMMISSION_DAYS)
    existing = Session.objects.filter(slug=SESSION_SLUG).first()
    if existing is not None:
        try:
            existing.delete()
        except ProtectedError:
            existing.slug = f"{SESSION_SLUG}-{existing.pk}"
            existing.save(update_fields=["slug"])
    session = Session.objects.create(
        territory=group,
        slug=SESSION_SLUG,
        name=f"Commission du {date:%d/%m/%Y}",
        kind=SessionKind.INTERMEDIATE,
        date=date,
        freeze_date=freeze,
        reference_date=entry_from,
        entry_from=entry_from,
        entry_until=entry_from + datetime.timedelta(days=240),
    )
    SessionPlaces.objects.bulk_create(
        SessionPlaces(
            session=session,
            structure=structure,
            age_group=age_group,
            places=places,
            start_date=entry_from,
        )
        for index, structure in enumerate(structures)
        for age_group, places in PLACES[index % len(PLACES)].items()
    )
    return session


def load_commission_demo(today: datetime.date | None = None) -> dict | None:
    """Build the commission demo of the bassin de Carros; None when the territory is absent."""
    group = TerritoryGroup.objects.filter(slug=TERRITORY).first()
    if group is None:
        return None
    today = today or timezone.localdate()
    year = today.year
    settings = _settings(group, year)
    v1 = _grid(
        group, 1, GRID_V1, datetime.date(year - 1, 1, 1), "Grille 2025 (démonstration)",
        "Délibération de démonstration n° 1",
    )  # fmt: skip
    v2 = _grid(
        group, 2, GRID_V2, datetime.date(year, 1, 1), "Grille de démonstration",
        "Délibération de démonstration n° 2",
    )  # fmt: skip
    PointsGrid.objects.filter(territory=group, version__gt=2, sessions__isnull=True).delete()
    structures = _structures(group)
    reserves = _reserves(structures, datetime.date(year - 1, 1, 1))
    earlier = _earlier_placements(group, today)
    past = _past_session(group, structures, today)
    session = _session(group, structures, today)
    siblings = _siblings_on_the_list(group, session, today)
    employer = _employer_reserve(session, reserves, datetime.date(year - 1, 1, 1))
    if employer is not None:
        reserves.append(employer)
    return {
        "earlier": earlier,
        "siblings": siblings,
        "past": past,
        "settings": settings,
        "grids": [v1, v2],
        "reserves": reserves,
        "session": session,
        "structures": len(structures),
    }


def load(out, progress=None) -> None:
    built = load_commission_demo()
    if built is None:
        out.write("Commission : territoire de démonstration absent.")
        return
    places = sum(p.places for p in built["session"].places.all())
    if built["earlier"]:
        out.write(
            f"Commission : {built['earlier']} enfants placés lors de la séance « {EARLIER_SLUG} » "
            "(propositions acceptées, arrivées et départs enregistrés)."
        )
    past = built["past"]
    if past is not None:
        out.write(
            f"Commission : séance passée « {PAST_SLUG} » publiée ({past['offers']} places "
            f"proposées : {past['accepted']} acceptées, {past['refused']} refusées, "
            f"{past['expired']} expirées, {past['reoffers']} proposées à nouveau ; courriers "
            "envoyés)."
        )
    out.write(
        f"Commission : grille de démonstration v2 en vigueur, {len(built['reserves'])} réserves, "
        f"séance « {built['session'].slug} » en préparation ({places} places dans "
        f"{built['structures']} structures)."
    )


# -- the earlier session: the guichet demo's placed children -----------------------------------


def _drop_earlier_session() -> None:
    from maillage.commission.models import Offer

    for session in Session.objects.filter(slug=EARLIER_SLUG):
        Offer.objects.filter(session=session).delete()
        session.delete()


def _earlier_placements(group, today: datetime.date) -> int:
    """The guichet demo's children to be placed (`applications.demo.placement_targets`, left
    waiting by it) go through the real path: an offer of an earlier, published session at their
    first wish, the family's acceptance through `offers.accept` (the application moves to « place
    acceptée », lower wishes cancelled), then the arrival and, for some, the departure through
    the guichet's services. The offers' dates are then moved back to a plausible calendar (the
    services stamp "now"; the transition log, append-only, keeps today): the answer between 30
    and 200 days after the application. The observatory reads the delay to placement (the
    answer to the offer) and the commune of the structure."""
    import random

    from maillage.applications import demo as guichet_demo
    from maillage.applications import services as guichet
    from maillage.applications.enums import State
    from maillage.applications.models import Application
    from maillage.commission import offers as offer_services
    from maillage.commission import sessions
    from maillage.commission.grids import age_group_of
    from maillage.commission.models import Offer

    targets = guichet_demo.placement_targets()
    applications = list(
        Application.objects.filter(
            territory=group, external_reference__in=list(targets), state=State.WAITING
        )
        .select_related("child")
        .order_by("number")
    )
    if not applications:  # already placed (the commission demo loaded again): keep them
        return Offer.objects.filter(session__slug=EARLIER_SLUG).count()
    placed = 0
    _drop_earlier_session()
    agent = _demo_user(AGENT_EMAIL)
    sat = today - datetime.timedelta(days=EARLIER_DAYS)
    session = sessions.create_session(
        group, date=sat, freeze_date=sat - datetime.timedelta(days=15), reference_date=sat,
        entry_from=sat, entry_until=today + datetime.timedelta(days=200), kind=SessionKind.MAIN,
        name=f"Commission du {sat:%d/%m/%Y}", actor=agent,
    )  # fmt: skip
    Session.objects.filter(pk=session.pk).update(
        slug=EARLIER_SLUG, status=SessionStatus.PUBLISHED, published_at=_at(sat, 18)
    )
    bands = sessions.age_bands(session)
    rng = random.Random(2027)
    for application in applications:
        wish = application.wishes.select_related("structure").order_by("rank").first()
        if wish is None:
            continue
        offer = Offer.objects.create(
            session=session, application=application, structure=wish.structure,
            age_group=age_group_of(application.child.reference_date, application.desired_start,
                                   bands) or "bebe",
            start_date=application.desired_start, deadline=today + datetime.timedelta(days=8),
        )  # fmt: skip
        guichet.offer(application, actor=agent, answer_by=offer.deadline)
        offer_services.accept(offer, actor=agent, channel="counter")
        application.refresh_from_db()
        target = targets[application.external_reference]
        if target in (State.PLACED, State.LEFT):
            guichet.place(application, actor=agent)
        if target == State.LEFT:
            guichet.leave(application, actor=agent)
        # the calendar
        registered = application.registered_on or today
        answered = min(
            registered + datetime.timedelta(days=rng.randint(30, 200)),
            today - datetime.timedelta(days=5),
        )
        Offer.objects.filter(pk=offer.pk).update(
            created_at=_at(answered - datetime.timedelta(days=3), 18),
            deadline=answered + datetime.timedelta(days=5),
            answered_at=_at(answered, 11),
        )
        placed += 1
    return placed


# -- the upcoming session: siblings examined jointly, an employer's reserve ------------------

EMPLOYER = "Entreprise du parc d'activités de Carros (démonstration)"


def _siblings_on_the_list(group, session, today: datetime.date) -> int:
    """The guichet demo's brothers and sisters asked « together or not at all » are built from
    applications just submitted, whose desired start is today: at the upcoming session they
    were all left out (incomplete at the freeze, start before the entry window), so no family
    was examined jointly. Here the guichet declares them complete (yesterday) and their
    families move the start to the session's entry date. Returns the applications prepared."""
    from maillage.applications.enums import State
    from maillage.applications.models import Application
    from maillage.applications.workflow import application_workflow

    agent = _demo_user(AGENT_EMAIL)
    rows = list(
        Application.objects.filter(
            territory=group,
            siblings_together=True,
            siblings__isnull=False,
            state__in=[State.SUBMITTED, State.WAITING],
        )
        .select_related("child")
        .distinct()
        .order_by("number")
    )
    born = [
        a for a in rows if (a.child.birth_date or a.child.expected_date) <= session.reference_date
    ]
    by_household: dict[int, list] = {}
    for application in born:
        by_household.setdefault(application.household_id, []).append(application)
    prepared = [a for members in by_household.values() if len(members) >= 2 for a in members]
    moment = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(10))
    )
    for application in prepared:
        if application.state == State.SUBMITTED:
            application_workflow.apply(application, "complete", actor=agent)
        Application.objects.filter(pk=application.pk).update(
            completed_at=moment, desired_start=session.entry_from
        )
    return len(prepared)


def _employer_reserve(session, reserves, valid_from: datetime.date) -> Reserve | None:
    """An employer reserves one place where an application of the upcoming session asks first,
    and a parent of that application works for it (recorded by the guichet's agent): the
    session's run fills that reserve."""
    from maillage.commission import instance as instance_module
    from maillage.commission.employers import set_employer
    from maillage.commission.enums import EmployerSource

    taken = {(r.structure_id, r.age_group) for r in reserves}
    for entry in instance_module.build(session).entries:
        if entry.exclusion or entry.family_key or entry.siblings_apart or not entry.wishes:
            continue
        if entry.tags:  # keep the employer's place for a family of no other reserve
            continue
        key = (instance_module.structure_pk(entry.wishes[0]), entry.age_group)
        if key in taken:
            continue
        reserve = Reserve.objects.create(
            structure_id=key[0],
            age_group=entry.age_group,
            kind=ReserveKind.EMPLOYER,
            employer=EMPLOYER,
            places=1,
            release_if_unused=True,
            valid_from=valid_from,
            reason="Convention de réservation de places avec un employeur du territoire "
            "(démonstration)",
        )
        from maillage.applications.models import Application

        set_employer(
            Application.objects.get(pk=entry.application_id),
            EMPLOYER,
            source=EmployerSource.AGENT,
            actor=_demo_user(AGENT_EMAIL),
        )
        return reserve
    return None


# -- the past session, published ---------------------------------------------------------------


def _demo_user(email: str):
    from maillage.accounts.models import User

    return User.objects.filter(email=email).first()


def _family_on_the_list(group, agent, completed_on: datetime.date):
    """The demo family's application, declared complete by the guichet before the past session's
    freeze (the guichet demo leaves it submitted today)."""
    from maillage.applications.enums import State
    from maillage.applications.models import Application
    from maillage.applications.workflow import application_workflow

    application = (
        Application.objects.filter(territory=group, household__account__email=FAMILY_EMAIL)
        .select_related("child")
        .first()
    )
    if application is None:
        return None
    if application.state == State.SUBMITTED:
        application_workflow.apply(application, "complete", actor=agent)
    moment = timezone.make_aware(datetime.datetime.combine(completed_on, datetime.time(10)))
    Application.objects.filter(pk=application.pk).update(
        registered_on=completed_on - datetime.timedelta(days=20),
        submitted_at=moment - datetime.timedelta(days=20),
        completed_at=moment,
        interest_confirmed_on=completed_on,
    )
    application.refresh_from_db()
    return application


def _drop_past_session() -> None:
    from maillage.commission.models import Decision, Offer, Run

    for session in Session.objects.filter(slug=PAST_SLUG):
        Offer.objects.filter(session=session).delete()
        Session.objects.filter(pk=session.pk).update(validated_run=None)
        Decision.objects.filter(session=session).delete()
        Run.objects.filter(session=session).delete()
        session.delete()


def _at(day: datetime.date, hour: int = 10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _past_session(group, structures, today: datetime.date) -> dict | None:
    """A session that sat PAST_DAYS ago, frozen, run, validated and published through the real
    services, then answered: accepted, refused (the place goes to the next child), unanswered
    (expired by the daily deadline job, re-offered). Timestamps are then moved back to the
    session's calendar (the services stamp "now")."""
    from maillage.commission import offers as offer_services
    from maillage.commission import runs, sessions
    from maillage.commission.enums import OfferStatus
    from maillage.commission.models import Offer, Run

    _drop_past_session()
    if not structures:
        return None
    agent = _demo_user(AGENT_EMAIL)
    sat = today - datetime.timedelta(days=PAST_DAYS)
    frozen = sat - datetime.timedelta(days=15)
    family = _family_on_the_list(group, agent, frozen - datetime.timedelta(days=5))
    session = sessions.create_session(
        group,
        date=sat,
        freeze_date=frozen,
        reference_date=today,
        entry_from=today,
        entry_until=today + datetime.timedelta(days=300),
        kind=SessionKind.MAIN,
        name=f"Commission du {sat:%d/%m/%Y}",
        actor=agent,
    )
    Session.objects.filter(pk=session.pk).update(slug=PAST_SLUG)
    session.refresh_from_db()
    sessions.declare_places(
        session,
        [
            sessions.PlacesLine(structure, age_group, places, None)
            for index, structure in enumerate(structures)
            for age_group, places in PAST_PLACES[index % len(PAST_PLACES)].items()
        ],
        actor=agent,
    )
    sessions.freeze(session, agent, run_next=True)
    session.refresh_from_db()
    run, _output = runs.run_session(session, actor=agent)
    session.refresh_from_db()
    report = offer_services.publish(session, agent)
    first = list(
        Offer.objects.filter(session=session, reoffer_of__isnull=True)
        .select_related("application__household")
        .order_by("decision__entry__child_key")
    )
    others = [o for o in first if family is None or o.application_id != family.pk]
    # answers: most accept, two refuse (re-offered at once), two never answer (expired).
    refused = others[1:3]
    expired = others[3:5]
    accepted = [o for o in others if o not in refused and o not in expired]
    for offer in accepted:
        offer_services.accept(offer, actor=agent, channel="counter")
    for offer in refused:
        offer_services.refuse(offer, actor=agent, channel="counter", reason="Place trop loin")
    Offer.objects.filter(pk__in=[o.pk for o in expired]).update(
        deadline=today - datetime.timedelta(days=1)
    )
    expiry = offer_services.run_offer_deadlines(today)
    # the calendar: frozen, run, validated and published on the day of the sitting
    Session.objects.filter(pk=session.pk).update(
        frozen_at=_at(frozen, 18), validated_at=_at(sat, 17), published_at=_at(sat, 18)
    )
    Run.objects.filter(pk=run.pk).update(created_at=_at(sat, 15))
    reply_by = sat + datetime.timedelta(days=8)
    Offer.objects.filter(pk__in=[o.pk for o in others]).update(deadline=reply_by)
    Offer.objects.filter(pk__in=[o.pk for o in accepted]).update(
        answered_at=_at(sat + datetime.timedelta(days=2))
    )
    Offer.objects.filter(pk__in=[o.pk for o in refused]).update(
        answered_at=_at(sat + datetime.timedelta(days=3))
    )
    Offer.objects.filter(
        session=session, reoffer_of__in=[o.pk for o in refused], status=OfferStatus.OPEN
    ).update(
        created_at=_at(sat + datetime.timedelta(days=3)),
        deadline=sat + datetime.timedelta(days=11),
    )
    Offer.objects.filter(session=session, reoffer_of__in=[o.pk for o in expired]).update(
        created_at=_at(reply_by + datetime.timedelta(days=1), 6)
    )
    Offer.objects.filter(pk__in=[o.pk for o in expired]).update(
        answered_at=_at(reply_by + datetime.timedelta(days=1), 6)
    )
    return {
        "session": session,
        "offers": report.offers,
        "accepted": len(accepted),
        "refused": len(refused),
        "expired": expiry.expired,
        "reoffers": Offer.objects.filter(session=session, reoffer_of__isnull=False).count(),
        "family": family,
    }
