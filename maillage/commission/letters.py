"""Decision letters of a published session: one per application that received a decision.

A letter is rendered with templates (`commission/letter_*.html`) from the structured
explanation of the decision (`outputs.explanation_of`: the engine's explanation of the child
read from the run's output, the cutoffs of her wishes, the exclusion code, the commission's
override) and the `SessionEntry` (points line by line). This
module only gathers the facts in plain values (`letter_context`); the sentences are in the
templates. The family reads it on her page, receives it by e-mail (`queue_letters`) and
downloads it as PDF; agents of the guichet's operator open it (an audited read).

Rules (docs/commission.md): every letter carries the mention of article L. 311-3-1 CRPA, the
points line by line, for each wish ranked above what she got why not (cutoff and tie-break of
the last child admitted, never who; places reserved for a category; her siblings' joint
option), the commission's decision quoted when it changed the proposal, the reason of an
exclusion, what next for unplaced families (next session, childminders with declared
availability near home, the relais petite enfance) and the ways and time limits of appeal.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from maillage.applications import perms as application_perms
from maillage.applications.models import Application
from maillage.audit.services import record_read
from maillage.commission.allocation.letters import format_date, format_score
from maillage.commission.enums import DecisionOutcome, Exclusion, ReserveKind, SessionStatus
from maillage.commission.grids import settings_in_force
from maillage.commission.instance import structure_key, structure_pk
from maillage.commission.models import (
    CommissionSettings,
    Decision,
    Session,
    SessionEntry,
    SessionPlaces,
)
from maillage.commission.outputs import explanation_of

MAX_CHILDMINDERS = 5
# sessions whose letters the families read (after publication)
PUBLISHED_STATES = (SessionStatus.PUBLISHED, SessionStatus.CLOSED)
NO_LETTER = "Aucun courrier de la commission n'est disponible pour cette demande."


def age_group_labels(rules: CommissionSettings) -> dict[str, str]:
    return {band["code"]: band.get("label", band["code"]) for band in rules.age_bands or []}


def reserve_label(tag: str) -> str:
    """How a letter names the category of a reserve (the engine's tag); an employer's reserve
    is named after the employer (the territory publishes its reserves)."""
    if tag.startswith("employer:"):
        from maillage.commission.employers import employer_names

        name = employer_names([tag]).get(tag, "")
        if name:
            return f"enfants des salariés de {name}, employeur qui a réservé ces places"
        return "enfants des salariés d'un employeur qui a réservé des places"
    labels = {
        ReserveKind.INTEGRATION: "familles en parcours d'insertion (article L. 214-7 du CASF)",
        ReserveKind.AVIP: "parents en recherche d'emploi (crèche à vocation d'insertion"
        " professionnelle, AVIP)",
        ReserveKind.DISABILITY: "enfants en situation de handicap",
    }
    return labels.get(tag, f"critère « {tag} »")


def _score(value) -> str:
    if isinstance(value, Decimal):
        value = float(value)
    return format_score(value)


def _plain_date(value: str) -> str:
    return format_date(value) if value else ""


# --- the facts of one letter ----------------------------------------------------------------


def _cutoff_facts(info) -> dict | None:
    """The last admitted child as a letter may state it: score and date, or rank — never who."""
    if not info:
        return None
    if "position" in info:
        return {"position": info["position"], "score": "", "date": ""}
    return {
        "position": None,
        "score": _score(info["score"]),
        "date": _plain_date(info.get("application_date", "")),
        "raw_score": info["score"],
        "raw_date": info.get("application_date", ""),
    }


def reason_facts(facts: dict, parameters: dict, groups: dict[str, str]) -> dict:
    """One refusal of the engine (reason code + numbers) as the values a template states."""
    code = facts.get("reason", "cutoff")
    group = facts.get("age_group", parameters.get("age_group", ""))
    own = facts.get("own") or {}
    own_date = own.get("application_date", parameters.get("application_date", ""))
    last_info = facts["last"] if "last" in facts else facts.get("cutoff")
    last = _cutoff_facts(last_info)
    tie = ""
    if last and last["position"] is None and "score" in own:
        if last["raw_score"] == own["score"]:
            tie = "date" if last["raw_date"] != own_date else "number"
    reserve = facts.get("reserve")
    if reserve:
        reserve = {
            "label": reserve_label(reserve["tag"]),
            "places": reserve["places"],
            "hard": reserve["hard"],
            "filled": reserve["filled"],
        }
    places = facts.get("places", 0)
    general = places
    if reserve:
        general = places - (reserve["places"] if reserve["hard"] else reserve["filled"])
    return {
        "code": code,
        "places": places,
        "general_places": max(0, general),
        "group": groups.get(group, group),
        "last": last,
        "reserve_last": _cutoff_facts(facts.get("reserve_last")),
        "own_score": _score(own["score"]) if "score" in own else "",
        "own_position": own.get("position"),
        "own_date": _plain_date(own_date),
        "tie": tie,
        "reserve": reserve,
        "eligible": bool(facts.get("eligible")),
    }


@dataclass
class Names:
    """How a letter names structures (their public name) and the family's own children."""

    structures: dict[str, str]
    children: dict[str, str]

    def structure(self, key: str | None) -> str:
        if key is None:
            return "aucune place"
        return self.structures.get(key, key)

    def child(self, key: str) -> str:
        return self.children.get(key, "votre autre enfant")


def _wishes_not_obtained(engine: dict, names: Names, groups: dict, own_key: str) -> list[dict]:
    parameters = engine.get("parameters", {})
    lines = []
    if engine.get("family") is None:
        for refusal in engine.get("not_obtained", []):
            lines.append(
                {
                    "kind": "wish",
                    "rank": refusal["wish_rank"],
                    "structure": names.structure(refusal["structure"]),
                    "reason": reason_facts(refusal, parameters, groups),
                }
            )
        return lines
    children = engine["family"]["children"]
    for refusal in engine.get("not_obtained", []):
        option = [
            {
                "child": "votre enfant" if cid == own_key else names.child(cid),
                "structure": names.structure(sid),
            }
            for cid, sid in zip(children, refusal["option"], strict=False)
        ]
        details = [
            {
                "child": "votre enfant" if d["child"] == own_key else names.child(d["child"]),
                "own": d["child"] == own_key,
                "structure": names.structure(d["structure"]),
                "reason": reason_facts(d, parameters, groups),
            }
            for d in refusal.get("refusals", [])
        ]
        lines.append(
            {
                "kind": "option",
                "rank": refusal["option_rank"],
                "structure": names.structure(refusal.get("structure")),
                "option": option,
                "code": refusal["reason"],
                "details": details,
                "sibling_only": bool(details) and not any(d["own"] for d in details),
            }
        )
    return lines


def _names(session, entry, explanation, decision=None) -> Names:
    from maillage.directory.models import Structure

    keys = set(entry.wishes or [])
    if decision is not None:
        keys |= {
            structure_key(pk)
            for pk in (decision.structure_id, decision.proposed_structure_id)
            if pk is not None
        }
    engine = explanation.get("engine") or {}
    for refusal in engine.get("not_obtained", []):
        if refusal.get("structure"):
            keys.add(refusal["structure"])
        for sid in refusal.get("option", []) or []:
            if sid:
                keys.add(sid)
    if (engine.get("obtained") or {}).get("structure"):
        keys.add(engine["obtained"]["structure"])
    proposed = (explanation.get("override") or {}).get("proposed")
    if proposed:
        keys.add(proposed)
    pks = [structure_pk(k) for k in keys if k and k[1:].isdigit()]
    structures = {
        structure_key(s.pk): s.name for s in Structure.objects.filter(pk__in=pks).only("pk", "name")
    }
    children = {}
    family = engine.get("family")
    if family:
        siblings = SessionEntry.objects.filter(
            session=session, child_key__in=family["children"]
        ).values_list("child_key", "application__child__first_name")
        children = {key: first_name for key, first_name in siblings}
    return Names(structures, children)


def _points_lines(entry: SessionEntry, names: Names) -> tuple[list[dict], list[dict]]:
    lines = [
        {
            "label": line.get("label") or line.get("criterion", ""),
            "units": line.get("units"),
            "points": _score(line.get("points", 0)),
            "reason": line.get("reason", ""),
        }
        for line in entry.points_detail or []
    ]
    bonus = []
    for key in entry.wishes or []:
        for line in (entry.bonus or {}).get(key, []):
            bonus.append(
                {
                    "structure": names.structure(key),
                    "label": line.get("label") or line.get("criterion", ""),
                    "points": _score(line.get("points", 0)),
                }
            )
    return lines, bonus


def next_session(session: Session) -> Session | None:
    return (
        Session.objects.filter(territory_id=session.territory_id, date__gt=session.date)
        .exclude(status=SessionStatus.CLOSED)
        .order_by("date")
        .first()
    )


def childminders_near(application, start: datetime.date, radius_km: float) -> list[dict]:
    """Up to five assistants maternels of the directory with a declared availability for the
    start date near home (from the centre of the family's commune). Their contact details are
    shown only with their consent (`Childminder.public_name`, `public_location`)."""
    from maillage.directory.search import CHILDMINDER, SearchCriteria, age_in_months, search

    child = application.child
    birth = child.birth_date or child.expected_date
    criteria = SearchCriteria(
        commune=application.household.commune,
        radius_km=radius_km,
        kinds=[CHILDMINDER],
        age_months=age_in_months(birth, start) if birth else None,
        only_available=True,
    )
    found = []
    for hit in search(criteria).childminders:
        availability = hit.availability
        if availability is None or availability.available_from > start:
            continue
        minder = hit.obj
        found.append(
            {
                "name": minder.public_name,
                "commune": minder.commune.name,
                "mam": minder.mam.name if minder.mam_id else "",
                "distance": (
                    f"{hit.distance_km:.1f}".replace(".", ",")
                    if hit.distance_km is not None
                    else ""
                ),
                "approximate": minder.is_approximate,
                "places": availability.places,
                "days": availability.days_label,
                "hours": availability.hours_label,
                "phone": minder.phone if minder.contact_consent else "",
                "email": minder.email if minder.contact_consent else "",
                "from": availability.available_from,
            }
        )
        if len(found) >= MAX_CHILDMINDERS:
            break
    return found


def relais_for(application) -> list[dict]:
    from maillage.directory.search import helpers_for

    return [
        {
            "name": s.name,
            "commune": s.commune.name,
            "phone": s.phone,
            "email": s.email,
            "address": s.address,
        }
        for s in helpers_for(application.household.commune)
    ]


def _start_date(decision: Decision, entry: SessionEntry) -> datetime.date | None:
    if decision.structure_id is None:
        return None
    found = (
        SessionPlaces.objects.filter(
            session_id=decision.session_id,
            structure_id=decision.structure_id,
            age_group=entry.age_group,
        )
        .values_list("start_date", flat=True)
        .first()
    )
    return found


def _offer(decision: Decision):
    return decision.offers.order_by("-created_at", "-id").first()


def letter_context(decision: Decision, with_directory: bool = True) -> dict:
    """Everything the letter templates state, in plain values (no sentence here)."""
    session = decision.session
    entry = decision.entry
    application = entry.application
    rules = settings_in_force(session.territory, session.date)
    groups = age_group_labels(rules)
    explanation = explanation_of(decision)
    engine = explanation.get("engine") or {}
    names = _names(session, entry, explanation, decision)
    points_lines, bonus_lines = _points_lines(entry, names)
    override = explanation.get("override") or {}
    if decision.overridden and not override:
        override = {"reason": decision.override_reason, "proposed": None}
    proposed_key = override.get("proposed") if override else None
    if override and proposed_key is None and decision.proposed_structure_id:
        proposed_key = structure_key(decision.proposed_structure_id)
    exclusion = explanation.get("exclusion") or entry.exclusion or ""
    placed = decision.outcome == DecisionOutcome.PLACED
    unplaced = decision.outcome == DecisionOutcome.UNPLACED
    excluded = decision.outcome == DecisionOutcome.EXCLUDED
    later = next_session(session) if not placed else None
    start = application.desired_start
    childminders = []
    relais = []
    if not placed and with_directory:
        childminders = childminders_near(application, start, rules.childminder_radius_km)
        relais = relais_for(application)
    wishes = [names.structure(k) for k in entry.wishes or []]
    family = engine.get("family")
    return {
        "decision": decision,
        "session": session,
        "entry": entry,
        "application": application,
        "child_first_name": application.child.first_name,
        "rules": rules,
        "age_group": groups.get(entry.age_group, entry.age_group),
        "placed": placed,
        "unplaced": unplaced,
        "excluded": excluded,
        "structure": names.structure(structure_key(decision.structure_id))
        if decision.structure_id
        else "",
        "wish_rank": decision.wish_rank,
        "start_date": _start_date(decision, entry) if placed else None,
        "offer": _offer(decision) if placed else None,
        "wishes": wishes,
        "points_total": _score(entry.points),
        "points_lines": points_lines,
        "bonus_lines": bonus_lines,
        "application_date": _plain_date(
            (engine.get("parameters") or {}).get("application_date", "")
        ),
        "not_obtained": [
            line
            for line in _wishes_not_obtained(engine, names, groups, entry.child_key)
            if not (placed and decision.wish_rank and line["kind"] == "wish")
            or line["rank"] < decision.wish_rank
        ],
        "joint": family is not None,
        # asked together with a brother or sister, but no wish in common: examined separately
        "siblings_apart": entry.siblings_apart and family is None,
        "siblings": [
            names.child(c) for c in (family or {}).get("children", []) if c != entry.child_key
        ],
        "override": (
            {
                "reason": override.get("reason") or decision.override_reason,
                "proposed": names.structure(proposed_key) if proposed_key else "aucune place",
            }
            if override or decision.overridden
            else None
        ),
        "exclusion": exclusion,
        "exclusion_label": Exclusion(exclusion).label if exclusion in Exclusion.values else "",
        "next_session": later,
        "childminders": childminders,
        "relais": relais,
        "radius_km": rules.childminder_radius_km,
        "generated_on": timezone.localdate(),
    }


# --- reading a letter (family, agents) ------------------------------------------------------


# the large columns a letter never reads (the frozen instance, the run's output: megabytes on a
# main session)
HEAVY = ("session__instance", "run__output")


def _decisions():
    return Decision.objects.select_related(
        "session__territory",
        "entry__application__household__commune",
        "entry__application__child",
        "entry__application__territory",
        "run",
    ).defer(*HEAVY)


def family_decisions(application):
    """The decisions of published sessions about this application, latest session first."""
    return (
        Decision.objects.filter(
            entry__application=application, session__status__in=PUBLISHED_STATES
        )
        .select_related("session")
        .defer("session__instance")
        .order_by("-session__date", "-id")
    )


def open_family_letter(application, session_slug: str = "") -> Decision:
    """The family's decision (of the given session, else the latest published); 404 if none."""
    qs = _decisions().filter(entry__application=application, session__status__in=PUBLISHED_STATES)
    if session_slug:
        qs = qs.filter(session__slug=session_slug)
    decision = qs.order_by("-session__date", "-id").first()
    if decision is None:
        raise Http404(NO_LETTER)
    return decision


def can_read_letters(membership, territory) -> bool:
    """Agents and administrators of the organisation operating the territory's guichet."""
    return application_perms.reads_personal(membership) and application_perms.operates(
        membership, territory
    )


def open_agent_letter(membership, session_slug: str, number: str, actor) -> Decision:
    """An agent opens a family's letter: the guichet operator's agents only; audited read."""
    application_perms.require_personal_reader(membership)
    session = (
        Session.objects.filter(slug=session_slug)
        .select_related("territory")
        .defer("instance")
        .first()
    )
    if session is None:
        raise Http404("Séance inconnue.")
    if not can_read_letters(membership, session.territory):
        raise PermissionDenied(
            "Les courriers des familles sont ouverts par les agents de l'organisation qui tient"
            " le guichet unique du territoire."
        )
    decision = _decisions().filter(session=session, entry__application__number=number).first()
    if decision is None:
        raise Http404(NO_LETTER)
    record_read(
        decision.entry.application,
        actor=actor,
        organisation=membership.organisation,
        fields=["courrier de la commission", "points", "vœux", "décision"],
        message=f"Courrier de la commission ({session.slug})",
    )
    return decision


# --- rendering --------------------------------------------------------------------------------


def render_letter_html(decision: Decision, context: dict | None = None) -> str:
    return render_to_string("commission/letter_pdf.html", context or letter_context(decision))


def render_letter_pdf(decision: Decision, context: dict | None = None) -> bytes:
    """The letter as PDF (WeasyPrint, as the guichet's receipt)."""
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from weasyprint import HTML

    return HTML(string=render_letter_html(decision, context)).write_pdf()


def letter_filename(decision: Decision) -> str:
    return f"{decision.entry.application.number}.pdf"


# --- e-mail -----------------------------------------------------------------------------------


def letter_key(session: Session) -> str:
    return f"commission-courrier-{session.slug}"[:120]


NUMBER_MARK, NAME_MARK = "\x00number\x00", "\x00name\x00"


def _email_bodies(session: Session, rules) -> dict[str, str]:
    """The e-mail's text per outcome, rendered once by the template with markers for the
    application's number and the child's first name (a main session has thousands)."""
    link = reverse("web:guichet_family_letter", kwargs={"number": NUMBER_MARK})
    link = link.replace(quote(NUMBER_MARK), NUMBER_MARK)
    template = get_template("commission/letter_email.txt")
    return {
        outcome: template.render(
            {
                "outcome": outcome,
                "session": session,
                "application": {"number": NUMBER_MARK, "child": {"first_name": NAME_MARK}},
                "rules": rules,
                "link": f"{settings.MAILLAGE_SITE_URL}{link}?seance={session.slug}",
            }
        )
        for outcome in DecisionOutcome.values
    }


def queue_letters(session: Session) -> int:
    """One e-mail per application with a decision in this session (key per session, a link to
    the letter page), written as the applications' `SentNotice` rows (in bulk) and sent by the
    worker (one task for the session, after commit); sets `Decision.letter_queued_at`.
    Idempotent: a second call queues nothing. Returns how many e-mails were queued now."""
    from maillage.applications.models import SentNotice
    from maillage.commission.letter_tasks import send_letter_notices

    rules = settings_in_force(session.territory, session.date)
    key = letter_key(session)
    now = timezone.now()
    with transaction.atomic():
        decisions = list(
            Decision.objects.select_for_update()
            .filter(session=session, letter_queued_at__isnull=True)
            .values_list("pk", "outcome", "entry__application_id")
        )
        if not decisions:
            return 0
        already = set(SentNotice.objects.filter(key=key).values_list("application_id", flat=True))
        wanted = [d[2] for d in decisions if d[2] not in already]
        applications = {
            pk: (number, first_name)
            for pk, number, first_name in Application.objects.filter(pk__in=wanted).values_list(
                "pk", "number", "child__first_name"
            )
        }
        bodies = _email_bodies(session, rules)
        subject = f"{rules.name} : décision pour la demande "
        notices = []
        for _pk, outcome, application_id in decisions:
            found = applications.get(application_id)
            if found is None:
                continue
            number, first_name = found
            body = bodies[outcome].replace(NUMBER_MARK, number).replace(NAME_MARK, first_name)
            notices.append(
                SentNotice(
                    application_id=application_id,
                    key=key,
                    subject=(subject + number)[:255],
                    body=body,
                )
            )
        SentNotice.objects.bulk_create(notices, batch_size=1000, ignore_conflicts=True)
        Decision.objects.filter(pk__in=[d[0] for d in decisions]).update(letter_queued_at=now)
        if notices:
            transaction.on_commit(lambda: send_letter_notices.enqueue(key))
    return len(notices)
