"""Re-offers: a place left free (an offer refused or expired, a placed child who leaves, a child
who moved to a better place, a child no longer waiting at publication) is offered at once to the
next child of the ranking of the territory's last published session.

The rule (docs/commission.md, section 3):
- the ranking is the session's frozen one: the entry's points plus its bonus at the structure
  (`SessionEntry.points` + `bonus[structure]`), ties broken by application date then child id —
  the engine's published rule (allocation-format.md);
- candidates are the entries of the place's age group who wished the structure (frozen wishes,
  still wished today), whose application is waiting with no open offer — or who accepted a place
  ranked below it and asked to keep their better wishes; a child placed at a wish she prefers is
  never a candidate;
- a place counted in a reserve (fewer eligible children hold the reserve's places than it has)
  goes first to the best eligible child; a hard reserve without an eligible candidate stays for
  one, a soft one (`release_if_unused`) goes to the best child;
- a child of a joint family (siblings together) is offered the place only with her sibling's
  place of one of the family's options (the sibling already holds it, or it is free too, and then
  both are offered); otherwise she is skipped with the reason `siblings_joint_place`.
Each re-offer records why it went to that child (`Offer.reoffer_reason`, codes and numbers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from maillage.applications import services as guichet
from maillage.applications.enums import State
from maillage.applications.models import Wish
from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.commission.enums import OfferStatus, SessionStatus
from maillage.commission.instance import structure_key, structure_pk
from maillage.commission.models import Offer, Session, SessionEntry, SessionPlaces

# Why a candidate ranked above the chosen child was passed over (codes, rendered by letters).
SKIP_REASONS = {
    "open_offer": "Une autre place lui est déjà proposée",
    "placed_at_preferred_wish": "Elle a déjà une place à un vœu qu'elle préfère",
    "not_waiting": "Sa demande n'est plus en liste d'attente",
    "wish_cancelled": "Elle a renoncé à ce vœu",
    "refused_this_place": "Elle a refusé cette place",
    "reserved_place": "La place est réservée à une catégorie de familles dont elle ne fait pas partie",
    "siblings_joint_place": (
        "Sa famille demande une place pour chaque enfant ensemble et la place de son frère ou de "
        "sa sœur n'est pas libre"
    ),
}


def ranking_session(territory) -> Session | None:
    """The territory's last published session: its frozen ranking decides every re-offer."""
    return (
        Session.objects.filter(
            territory=territory, status__in=[SessionStatus.PUBLISHED, SessionStatus.CLOSED]
        )
        .exclude(published_at=None)
        .defer("instance")
        .order_by("-published_at", "-id")
        .first()
    )


@dataclass
class Candidate:
    entry: SessionEntry
    score: Decimal
    bonus: Decimal
    application_date: str
    tags: list[str]

    @property
    def sort_key(self):
        return (-self.score, self.application_date, self.entry.child_key)


def _bonus_at(entry: SessionEntry, key: str) -> Decimal:
    lines = (entry.bonus or {}).get(key) or []
    total = Decimal(0)
    for line in lines:
        value = line.get("points", 0) if isinstance(line, dict) else line
        total += Decimal(str(value))
    return total


_INSTANCES: dict[tuple[int, str], dict] = {}


def _instance(session: Session) -> dict:
    """The session's frozen instance, parsed once per process (it never changes once frozen:
    the cache is keyed by its SHA-256)."""
    cache_key = (session.pk, session.instance_sha256)
    if session.instance_sha256 and cache_key in _INSTANCES:
        return _INSTANCES[cache_key]
    text = Session.objects.filter(pk=session.pk).values_list("instance", flat=True).first()
    try:
        parsed = json.loads(text) if text else {}
    except ValueError:
        parsed = {}
    if session.instance_sha256:
        if len(_INSTANCES) > 8:
            _INSTANCES.clear()
        _INSTANCES[cache_key] = parsed
    return parsed


def ranked_candidates(session: Session, key: str, age_group: str, instance: dict) -> list:
    """Every entry of `session` of that age group who wished structure `key`, best first."""
    children = {c.get("id"): c for c in instance.get("children", [])}
    entries = SessionEntry.objects.filter(session=session, age_group=age_group, exclusion="")
    if connection.features.supports_json_field_contains:
        entries = entries.filter(wishes__contains=[key])  # PostgreSQL: jsonb containment
    entries = entries.select_related("application").order_by("child_key")
    candidates = []
    for entry in entries:
        if key not in (entry.wishes or []):
            continue
        child = children.get(entry.child_key, {})
        application = entry.application
        date = child.get("application_date") or (
            application.registered_on.isoformat() if application.registered_on else ""
        )
        bonus = _bonus_at(entry, key)
        candidates.append(
            Candidate(
                entry=entry,
                score=Decimal(entry.points) + bonus,
                bonus=bonus,
                application_date=str(date),
                tags=list(entry.tags or child.get("tags") or []),
            )
        )
    candidates.sort(key=lambda c: c.sort_key)
    return candidates


def _reserve(instance: dict, key: str, age_group: str) -> dict | None:
    for structure in instance.get("structures", []):
        if structure.get("id") != key:
            continue
        for reserve in structure.get("reserved") or []:
            if reserve.get("age_group") == age_group and reserve.get("places"):
                return reserve
    return None


def _joint_families(instance: dict) -> dict[str, dict]:
    """child id -> its joint family (families with `joint_wishes`)."""
    out = {}
    for family in instance.get("families", []):
        if family.get("joint_wishes"):
            for child in family.get("children", []):
                out[child] = family
    return out


class _Places:
    """Free places of one session (capacity declared minus places held), read per structure and
    age group when first needed, then kept up to date while one freed place is filled (a joint
    family may take two)."""

    def __init__(self, session: Session):
        self.session = session
        self.capacity: dict[tuple[int, str], int] = {}
        self.held: dict[tuple[int, str], int] = {}

    def _load(self, slot: tuple[int, str]) -> None:
        structure_id, age_group = slot
        self.capacity[slot] = (
            SessionPlaces.objects.filter(
                session=self.session, structure_id=structure_id, age_group=age_group
            )
            .values_list("places", flat=True)
            .first()
            or 0
        )
        self.held[slot] = (
            Offer.objects.held()
            .filter(session=self.session, structure_id=structure_id, age_group=age_group)
            .count()
        )

    def free(self, structure_id: int, age_group: str) -> int:
        slot = (structure_id, age_group)
        if slot not in self.capacity:
            self._load(slot)
        return self.capacity[slot] - self.held[slot]

    def take(self, structure_id: int, age_group: str) -> None:
        slot = (structure_id, age_group)
        if slot not in self.capacity:
            self._load(slot)
        self.held[slot] += 1


def _eligible_holders(session: Session, structure_id: int, age_group: str, tag: str) -> int:
    applications = list(
        Offer.objects.held()
        .filter(session=session, structure_id=structure_id, age_group=age_group)
        .values_list("application_id", flat=True)
    )
    count = 0
    for tags in SessionEntry.objects.filter(application_id__in=applications).values_list(
        "tags", flat=True
    ):
        if tag in (tags or []):
            count += 1
    # an application may have entries in several sessions: count each holder once at most
    return min(count, len(applications))


def _state_of(entry: SessionEntry, structure_id: int, cause_application_id: int | None):
    """Why this child cannot take the place now ("" when she can)."""
    application = entry.application
    wished = dict(Wish.objects.filter(application=application).values_list("structure_id", "rank"))
    if structure_id not in wished:
        return "wish_cancelled"
    if application.pk == cause_application_id:
        return "refused_this_place"
    if Offer.objects.open().filter(application=application).exists():
        return "open_offer"
    if application.state in (State.WAITING, State.TO_CONFIRM):
        return ""
    if application.state == State.ACCEPTED:
        held = (
            Offer.objects.filter(
                application=application, status=OfferStatus.ACCEPTED, left_at__isnull=True
            )
            .order_by("-answered_at")
            .first()
        )
        if held is None or not held.keep_better_wishes:
            return "placed_at_preferred_wish"
        held_rank = wished.get(held.structure_id)
        if held_rank is None or wished[structure_id] >= held_rank:
            return "placed_at_preferred_wish"
        return ""
    if application.state in (State.OFFERED,):
        return "open_offer"
    if application.state in (State.PLACED, State.LEFT):
        return "placed_at_preferred_wish"
    return "not_waiting"


def fill_place(
    session: Session,
    structure_id: int,
    age_group: str,
    *,
    cause: str,
    freed: Offer | None = None,
    actor=None,
) -> list[Offer]:
    """Offer every free place of (structure, age group) of `session` to the next children of
    the last published ranking. Returns the offers made (empty when nobody waits for it)."""
    made: list[Offer] = []
    with transaction.atomic():
        # one filler at a time per place (row lock; SQLite serialises writers anyway)
        list(
            SessionPlaces.objects.select_for_update()
            .filter(session=session, structure_id=structure_id, age_group=age_group)
            .values_list("pk", flat=True)
        )
        ranking = ranking_session(session.territory) or session
        instance = _instance(ranking)
        places = _Places(session)
        last = freed
        while places.free(structure_id, age_group) > 0:
            offers = _fill_one(
                session, ranking, instance, places, structure_id, age_group, cause, last, actor
            )
            if not offers:
                break
            made.extend(offers)
    return made


def _fill_one(session, ranking, instance, places, structure_id, age_group, cause, last, actor):
    key = structure_key(structure_id)
    candidates = ranked_candidates(ranking, key, age_group, instance)
    reserve = _reserve(instance, key, age_group)
    reserved_tag = None
    if reserve is not None:
        holders = _eligible_holders(session, structure_id, age_group, reserve["tag"])
        if holders < int(reserve["places"]):
            reserved_tag = reserve["tag"]
    joint = _joint_families(instance)
    by_key = {c.entry.child_key: c for c in candidates}
    cause_application = (
        last.application_id if last is not None and cause in ("refused", "expired") else None
    )
    passed_over: list[dict] = []
    chosen = None
    plan: list[tuple[SessionEntry, int]] = []
    release = False

    def try_candidates(require_tag: str | None):
        nonlocal chosen, plan
        for position, candidate in enumerate(candidates, 1):
            entry = candidate.entry
            if require_tag and require_tag not in candidate.tags:
                passed_over.append({"rank": position, "reason": "reserved_place"})
                continue
            why = _state_of(entry, structure_id, cause_application)
            if why:
                passed_over.append({"rank": position, "reason": why})
                continue
            family = joint.get(entry.child_key)
            if family is not None:
                sibling_plan = _joint_plan(family, entry, key, places, ranking, age_group, by_key)
                if sibling_plan is None:
                    passed_over.append({"rank": position, "reason": "siblings_joint_place"})
                    continue
                plan = sibling_plan
            else:
                plan = []
            chosen = (position, candidate)
            return

    if reserved_tag:
        try_candidates(reserved_tag)
        if chosen is None:
            if not reserve.get("release_if_unused"):
                _no_candidate(session, structure_id, age_group, cause, "reserve_no_eligible")
                return []
            passed_over.clear()
            release = True
    if chosen is None:
        try_candidates(None)
    if chosen is None:
        _no_candidate(session, structure_id, age_group, cause, "no_candidate")
        return []
    position, candidate = chosen
    reason = {
        "cause": cause,
        "ranking_session": ranking.slug,
        "place": {
            "structure": key,
            "age_group": age_group,
            "reserved": reserved_tag if not release else None,
            "reserve_released": release,
        },
        "rank": position,
        "points": float(candidate.entry.points),
        "bonus": float(candidate.bonus),
        "score": float(candidate.score),
        "application_date": candidate.application_date,
        "child": candidate.entry.child_key,
        "passed_over": passed_over[:50],
        "passed_over_count": len(passed_over),
        "joint": [e.child_key for e, _ in plan],
    }
    offers = [_make_offer(session, candidate.entry, structure_id, age_group, last, reason, actor)]
    places.take(structure_id, age_group)
    for sibling_entry, sibling_structure in plan:
        sibling_reason = dict(reason, sibling_of=candidate.entry.child_key)
        offers.append(
            _make_offer(
                session,
                sibling_entry,
                sibling_structure,
                sibling_entry.age_group,
                None,
                sibling_reason,
                actor,
            )
        )
        places.take(sibling_structure, sibling_entry.age_group)
    return offers


def _joint_plan(family, entry, key, places, ranking, age_group, by_key):
    """The siblings' offers needed for this child to take the place, or None when none of the
    family's options with her at `key` is possible now. [] when no new sibling offer is needed."""
    children = family["children"]
    me = children.index(entry.child_key)
    sibling_entries = {
        e.child_key: e
        for e in SessionEntry.objects.filter(
            session=ranking, child_key__in=[c for c in children if c != entry.child_key]
        ).select_related("application")
    }
    for option in family.get("joint_wishes") or []:
        if len(option) != len(children) or option[me] != key:
            continue
        need: list[tuple[SessionEntry, int]] = []
        extra: dict[tuple[int, str], int] = {}
        possible = True
        for index, child in enumerate(children):
            if index == me or option[index] is None:
                continue
            sibling = sibling_entries.get(child)
            if sibling is None:
                possible = False
                break
            sibling_structure = structure_pk(option[index])
            if (
                Offer.objects.held()
                .filter(application=sibling.application, structure_id=sibling_structure)
                .exists()
            ):
                continue
            if sibling.application.state not in (State.WAITING, State.TO_CONFIRM) or (
                Offer.objects.open().filter(application=sibling.application).exists()
            ):
                possible = False
                break
            slot = (sibling_structure, sibling.age_group)
            extra[slot] = extra.get(slot, 0) + 1
            need.append((sibling, sibling_structure))
        if not possible:
            continue
        own = (structure_pk(key), age_group)
        if all(
            places.free(*slot) - (1 if slot == own else 0) >= count for slot, count in extra.items()
        ):
            return need
    return None


def _make_offer(session, entry, structure_id, age_group, last, reason, actor) -> Offer:
    from maillage.commission.offers import deadline_for

    application = entry.application
    deadline = deadline_for(session.territory)
    start = (
        SessionPlaces.objects.filter(
            session=session, structure_id=structure_id, age_group=age_group
        )
        .values_list("start_date", flat=True)
        .first()
    )
    offer = Offer.objects.create(
        session=session,
        application=application,
        structure_id=structure_id,
        age_group=age_group,
        start_date=start,
        deadline=deadline,
        reoffer_of=last,
        reoffer_reason=reason,
    )
    if application.state == State.TO_CONFIRM:
        guichet.confirm_interest(application, actor=actor)  # the offer stands for it
    if application.state == State.WAITING:
        guichet.offer(application, actor=actor, answer_by=deadline)
    record(
        AuditAction.CREATE,
        actor=actor if getattr(actor, "pk", None) else None,
        obj=offer,
        changes={"fields": ["structure", "age_group", "deadline"]},
        message=f"Nouvelle proposition (place libérée : {reason['cause']}, rang {reason['rank']})",
    )
    guichet.notify_family(
        application,
        f"offer:{offer.pk}:new",
        f"Une place vous est proposée (demande {application.number})",
        f"Bonjour,\n\nUne place s'est libérée et vous est proposée à « {offer.structure.name} »"
        + (f", à partir du {start:%d/%m/%Y}" if start else "")
        + f". Répondez avant le {deadline:%d/%m/%Y} dans votre espace famille (demande "
        f"{application.number}) : sans réponse, la place sera proposée à une autre famille."
        "\n\nLa commission d'attribution des places\n"
        "(message automatique, merci de ne pas y répondre)",
    )
    return offer


def _no_candidate(session, structure_id, age_group, cause, code) -> None:
    record(
        AuditAction.UPDATE,
        actor=None,
        obj=session,
        changes={"fields": ["offers"]},
        message=(
            f"Place libérée ({cause}) de la structure {structure_key(structure_id)}, "
            f"tranche {age_group} : aucune nouvelle proposition ({code})."
        ),
    )


def describe(reason: dict) -> list[str]:
    """The reason of a re-offer in plain French (pages; the letters render their own)."""
    if not reason:
        return []
    causes = {
        "refused": "la famille à qui elle avait été proposée l'a refusée",
        "expired": "la famille à qui elle avait été proposée n'a pas répondu dans le délai",
        "left": "l'enfant qui l'occupait est parti",
        "upgraded": "l'enfant qui l'occupait a obtenu une place qu'elle préférait",
        "withdrawn": "la famille a accepté une autre place",
        "not_waiting": "la demande de l'enfant retenu n'était plus en attente à la publication",
    }
    lines = [f"La place s'est libérée : {causes.get(reason.get('cause'), 'place libérée')}."]
    lines.append(
        f"Vous étiez au rang {reason.get('rank')} des enfants qui avaient demandé cette structure "
        f"dans cette tranche d'âge, avec {reason.get('score'):g} points à cette structure "
        f"(classement de la commission « {reason.get('ranking_session')} »)."
    )
    if reason.get("place", {}).get("reserved"):
        lines.append(
            "La place fait partie des places réservées à une catégorie dont vous faites partie."
        )
    count = reason.get("passed_over_count") or 0
    if count:
        lines.append(
            f"{count} enfant(s) mieux classé(s) ne pouvai(en)t pas la prendre (déjà une place "
            "préférée, une autre proposition en cours, place réservée ou fratrie)."
        )
    return lines
