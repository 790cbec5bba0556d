"""Offers of places: publication of a session, answers (family online, agent at the counter,
API), expiry and reminders, departures. Every place left free is re-offered at once
(`reoffers.fill_place`).

Offer states (a contract: CLI, API, letters): open → accepted | refused | expired | withdrawn.
A state change goes through `offer_workflow` (compare-and-set on `status` in one transaction
with the row lock): of two concurrent answers to one offer exactly one has an effect, the other
gets `TransitionConflict` with a French message (409 in the API).

An "upgrade" offer is one made to a child who already accepted a place but asked to keep her
better-ranked wishes (`Offer.keep_better_wishes`): her application stays `accepted`; accepting
the better place frees the previous one (re-offered), refusing it changes nothing for her.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from maillage.applications import services as guichet
from maillage.applications.changes import queue_changed
from maillage.applications.enums import State
from maillage.applications.models import Application, Wish
from maillage.applications.workflow import QueueWorkflow, application_workflow
from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.audit.workflow import (
    Transition,
    TransitionConflict,
    TransitionNotAllowed,
    WorkflowError,
)
from maillage.commission.enums import (
    DecisionOutcome,
    OfferChannel,
    OfferStatus,
    SessionStatus,
)
from maillage.commission.grids import settings_in_force
from maillage.commission.models import (
    Decision,
    Offer,
    Run,
    Session,
    SessionPlaces,
)

# States of an application placed by the commission that can receive an offer: on the list
# (« à confirmer » included: the freeze examines it, the offer stands for the confirmation of
# interest), or holding a place accepted with better wishes kept.
OFFERABLE_STATES = (State.WAITING, State.TO_CONFIRM, State.ACCEPTED)


class OfferError(Exception):
    """A French message a person can act on."""


class OfferWorkflow(QueueWorkflow):
    field = "status"
    transitions = [
        Transition("accept", [OfferStatus.OPEN], OfferStatus.ACCEPTED, "Accepter la place"),
        Transition("refuse", [OfferStatus.OPEN], OfferStatus.REFUSED, "Refuser la place"),
        Transition(
            "expire", [OfferStatus.OPEN], OfferStatus.EXPIRED, "Constater l'absence de réponse"
        ),
        Transition("withdraw", [OfferStatus.OPEN], OfferStatus.WITHDRAWN, "Retirer la proposition"),
    ]


offer_workflow = OfferWorkflow()

NO_LONGER_OPEN = (
    "Cette proposition n'attend plus de réponse : elle est « {state} ». Rechargez la page pour "
    "voir la situation actuelle."
)


def deadline_for(territory, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=settings_in_force(territory, today).offer_reply_days)


def _signature() -> str:
    return "\n\nLa commission d'attribution des places\n(message automatique, merci de ne pas y répondre)"


# --- publication ------------------------------------------------------------------------------


@dataclass
class PublishReport:
    session: str
    offers: int = 0
    skipped: list[dict] = field(default_factory=list)
    reoffers: int = 0
    letters: str = "absent"  # "queued" when cletter's letters.queue_letters ran

    def as_dict(self) -> dict:
        return {
            "session": self.session,
            "offers": self.offers,
            "skipped": self.skipped,
            "reoffers": self.reoffers,
            "letters": self.letters,
        }


def _validate_latest_run(session: Session, actor) -> None:
    """Validate the latest run when nobody has: csess's `sessions.validate` when it exists,
    else a private minimal validation (the latest run becomes the validated one)."""
    if importlib.util.find_spec("maillage.commission.sessions") is not None:
        sessions = importlib.import_module("maillage.commission.sessions")
        if hasattr(sessions, "validate"):
            sessions.validate(session, actor)
            session.refresh_from_db()
            return
    run = Run.objects.filter(session=session).order_by("-created_at", "-id").first()
    if run is None:
        raise OfferError("Aucun calcul n'a été lancé pour cette séance : rien à publier.")
    changed = Session.objects.filter(
        pk=session.pk, status__in=[SessionStatus.RUN, SessionStatus.FROZEN]
    ).update(
        status=SessionStatus.VALIDATED,
        validated_run=run,
        validated_at=timezone.now(),
        validated_by=actor if getattr(actor, "pk", None) else None,
    )
    if changed != 1:
        session.refresh_from_db()
        raise OfferError(
            f"La séance est « {session.get_status_display()} » : elle ne peut pas être validée."
        )
    record(
        AuditAction.TRANSITION,
        actor=actor if getattr(actor, "pk", None) else None,
        obj=session,
        changes={"status": [SessionStatus.RUN, SessionStatus.VALIDATED]},
        message=f"Validation du calcul {run.pk} (à la publication)",
    )
    session.refresh_from_db()


def _queue_letters(session: Session) -> str:
    """cletter's `letters.queue_letters(session)` when it exists (until the merge it may not)."""
    if importlib.util.find_spec("maillage.commission.letters") is None:
        return "absent"
    letters = importlib.import_module("maillage.commission.letters")
    if not hasattr(letters, "queue_letters"):
        return "absent"
    letters.queue_letters(session)
    return "queued"


def publish(session: Session, actor, *, progress=None) -> PublishReport:
    """Publish a session: validate its latest run if nobody has, one open offer per placed
    decision (reply deadline from the territory's commission rules), applications → offered,
    session → published, then the letters are queued. A placed child whose application is no
    longer waiting (withdrawn since the freeze…) gets no offer: her place is re-offered."""
    from maillage.commission import reoffers

    session = Session.objects.select_related("territory").get(pk=session.pk)
    if session.status in (SessionStatus.PUBLISHED, SessionStatus.CLOSED):
        raise OfferError("Cette séance est déjà publiée.")
    if session.status in (SessionStatus.DRAFT,):
        raise OfferError("La liste de cette séance n'est pas encore arrêtée : rien à publier.")
    if session.validated_run_id is None:
        _validate_latest_run(session, actor)
    report = PublishReport(session=session.slug)
    today = timezone.localdate()
    deadline = deadline_for(session.territory, today)
    starts = {
        (p.structure_id, p.age_group): p.start_date
        for p in SessionPlaces.objects.filter(session=session)
    }
    decisions = list(
        Decision.objects.filter(
            session=session, outcome=DecisionOutcome.PLACED, structure__isnull=False
        )
        .select_related("entry__application")
        .order_by("entry__child_key")
    )
    with transaction.atomic():
        changed = Session.objects.filter(pk=session.pk, status=SessionStatus.VALIDATED).update(
            status=SessionStatus.PUBLISHED, published_at=timezone.now()
        )
        if changed != 1:
            raise TransitionConflict(
                "Quelqu'un a publié ou modifié cette séance juste avant vous. Rechargez la page."
            )
        record(
            AuditAction.TRANSITION,
            actor=actor if getattr(actor, "pk", None) else None,
            obj=session,
            changes={"status": [SessionStatus.VALIDATED, SessionStatus.PUBLISHED]},
            message="Publication des résultats",
        )
        freed: set[tuple[int, str]] = set()
        made: list[tuple[Offer, Application]] = []
        for decision in decisions:
            application = decision.entry.application
            age_group = decision.entry.age_group
            if application.state not in OFFERABLE_STATES:
                report.skipped.append(
                    {"child": decision.entry.child_key, "reason": f"state:{application.state}"}
                )
                freed.add((decision.structure_id, age_group))
                continue
            offer = Offer(
                session=session,
                application=application,
                decision=decision,
                structure_id=decision.structure_id,
                age_group=age_group,
                start_date=starts.get((decision.structure_id, age_group)),
                deadline=deadline,
            )
            made.append((offer, application))
        Offer.objects.bulk_create([offer for offer, _ in made], batch_size=2000)
        queue_changed()
        report.offers = len(made)
        for index, (_offer, application) in enumerate(made, 1):
            if application.state == State.TO_CONFIRM:
                # examined at the session (still on the list): the offer is her answer
                guichet.confirm_interest(application, actor=actor)
            if application.state == State.WAITING:
                guichet.offer(application, actor=actor, answer_by=deadline)
            if progress is not None and index % 200 == 0:
                progress(index, len(made))
        for structure_id, age_group in sorted(freed):
            report.reoffers += len(
                reoffers.fill_place(session, structure_id, age_group, cause="not_waiting")
            )
        report.letters = _queue_letters(session)
    return report


# --- answers ----------------------------------------------------------------------------------


def _conflict(offer: Offer) -> TransitionConflict:
    current = Offer.objects.filter(pk=offer.pk).values_list("status", flat=True).first()
    label = dict(OfferStatus.choices).get(current, "supprimée")
    return TransitionConflict(NO_LONGER_OPEN.format(state=str(label).lower()))


def _move(offer: Offer, name: str, *, actor, organisation, reason: str = "", extra=None):
    """The offer's transition; a stale or concurrent answer becomes a French conflict."""
    if offer.status != OfferStatus.OPEN:
        raise _conflict(offer)
    try:
        offer_workflow.apply(
            offer,
            name,
            actor=actor,
            organisation=organisation,
            reason=reason,
            extra_updates=extra or {},
        )
    except TransitionConflict:
        raise _conflict(offer) from None
    Offer.objects.filter(pk=offer.pk).update(version=offer.version + 1)
    offer.version += 1


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


def accept(
    offer: Offer,
    *,
    actor,
    channel: str = OfferChannel.FAMILY,
    keep_better_wishes: bool = False,
    organisation=None,
) -> Offer:
    """The family accepts (online, at the counter, through the API): the child is placed, her
    wishes ranked below are cancelled (those above too, unless she keeps them), her other open
    applications in the territory are cancelled; any place she held or was offered elsewhere is
    re-offered at once."""
    from maillage.commission import reoffers

    now = timezone.now()
    with transaction.atomic():
        _move(
            offer,
            "accept",
            actor=actor,
            organisation=organisation,
            extra={
                "answered_at": now,
                "answered_by": _actor(actor),
                "channel": channel,
                "keep_better_wishes": bool(keep_better_wishes),
            },
        )
        application = Application.objects.select_related("territory", "child").get(
            pk=offer.application_id
        )
        freed: list[tuple[Offer, str]] = []
        if application.state == State.ACCEPTED:
            # an upgrade: the better place replaces the one she held
            for previous in Offer.objects.filter(
                application=application, status=OfferStatus.ACCEPTED, left_at__isnull=True
            ).exclude(pk=offer.pk):
                Offer.objects.filter(pk=previous.pk).update(
                    left_at=now, left_reason="Place mieux classée acceptée"
                )
                freed.append((previous, "upgraded"))
        else:
            guichet.accept_offer(application, actor=_actor(actor), organisation=organisation)
        _cancel_wishes(application, offer, keep_better=bool(keep_better_wishes), actor=actor)
        for other in (
            Application.objects.filter(territory=application.territory, child=application.child)
            .open()
            .exclude(pk=application.pk)
        ):
            for open_offer in Offer.objects.open().filter(application=other):
                offer_workflow.apply(
                    open_offer,
                    "withdraw",
                    actor=_actor(actor),
                    organisation=organisation,
                    reason="Place acceptée par une autre demande de l'enfant",
                )
                freed.append((open_offer, "withdrawn"))
            for held in Offer.objects.filter(
                application=other, status=OfferStatus.ACCEPTED, left_at__isnull=True
            ):
                Offer.objects.filter(pk=held.pk).update(
                    left_at=now, left_reason="Place acceptée par une autre demande de l'enfant"
                )
                freed.append((held, "withdrawn"))
            guichet.cancel(
                other,
                f"Une place a été acceptée pour la demande {application.number}.",
                actor=_actor(actor),
                organisation=organisation,
            )
        for place, cause in freed:
            reoffers.fill_place(
                place.session, place.structure_id, place.age_group, cause=cause, freed=place
            )
    offer.refresh_from_db()
    return offer


def _cancel_wishes(application: Application, offer: Offer, *, keep_better: bool, actor) -> None:
    wishes = list(Wish.objects.filter(application=application).order_by("rank"))
    rank = next((w.rank for w in wishes if w.structure_id == offer.structure_id), None)
    if rank is None:
        cancelled = [w for w in wishes if w.structure_id != offer.structure_id]
        if keep_better:
            cancelled = []
    else:
        cancelled = [w for w in wishes if w.rank > rank or (w.rank < rank and not keep_better)]
    if not cancelled:
        return
    Wish.objects.filter(pk__in=[w.pk for w in cancelled]).delete()
    queue_changed()
    record(
        AuditAction.UPDATE,
        actor=_actor(actor),
        obj=application,
        changes={"fields": ["wishes"]},
        message=f"Place acceptée : {len(cancelled)} vœu(x) annulé(s)",
    )


def refuse(
    offer: Offer,
    *,
    actor,
    channel: str = OfferChannel.FAMILY,
    organisation=None,
    reason: str = "",
) -> Offer:
    """The family refuses: the territory's refusal rule applies (stay on the list or archive
    after N refusals; an upgrade offer refused leaves her place as it is); the place is
    re-offered at once."""
    from maillage.commission import reoffers

    with transaction.atomic():
        _move(
            offer,
            "refuse",
            actor=actor,
            organisation=organisation,
            reason=reason,
            extra={"answered_at": timezone.now(), "answered_by": _actor(actor), "channel": channel},
        )
        application = Application.objects.select_related("territory").get(pk=offer.application_id)
        if application.state == State.OFFERED:
            guichet.refuse_offer(
                application,
                actor=_actor(actor),
                organisation=organisation,
                reason=reason or "Place refusée",
            )
        reoffers.fill_place(
            offer.session, offer.structure_id, offer.age_group, cause="refused", freed=offer
        )
    offer.refresh_from_db()
    return offer


def record_departure(offer: Offer, *, actor, organisation=None, reason: str = "") -> Offer:
    """An agent records that a child who accepted a place leaves (or never comes): her
    application is closed and the place is re-offered at once."""
    from maillage.commission import reoffers

    with transaction.atomic():
        changed = Offer.objects.filter(
            pk=offer.pk, status=OfferStatus.ACCEPTED, left_at__isnull=True
        ).update(
            left_at=timezone.now(),
            left_reason=(reason or "Départ de l'enfant")[:255],
            version=offer.version + 1,
        )
        if changed != 1:
            current = Offer.objects.filter(pk=offer.pk).first()
            if current is not None and current.left_at is not None:
                raise TransitionConflict(
                    "Le départ de l'enfant est déjà enregistré pour cette place : la place a été "
                    "proposée à nouveau. Rechargez la page."
                )
            raise TransitionNotAllowed(
                "Seule une place acceptée peut être libérée par le départ de l'enfant."
            )
        application = Application.objects.get(pk=offer.application_id)
        name = {State.ACCEPTED: "give_up_place", State.PLACED: "leave"}.get(application.state)
        if name is not None:
            application_workflow.apply(
                application,
                name,
                actor=_actor(actor),
                organisation=organisation,
                reason=reason or "Départ de l'enfant",
            )
        reoffers.fill_place(
            offer.session, offer.structure_id, offer.age_group, cause="left", freed=offer
        )
    offer.refresh_from_db()
    return offer


# --- expiry and reminders (daily, see core/schedule.py) ---------------------------------------


@dataclass
class ExpiryReport:
    expired: int = 0
    reminders: int = 0
    reoffers: int = 0


def run_offer_deadlines(today: datetime.date | None = None) -> ExpiryReport:
    """Expire the open offers past their deadline (the refusal rule applies, the place is
    re-offered) and send the reminders before it (CommissionSettings.offer_reminder_days),
    each at most once (SentNotice key)."""
    from maillage.commission import reoffers

    today = today or timezone.localdate()
    report = ExpiryReport()
    for offer in Offer.objects.open().filter(deadline__lt=today).select_related("session"):
        try:
            with transaction.atomic():
                _move(
                    offer,
                    "expire",
                    actor=None,
                    organisation=None,
                    reason="Pas de réponse dans le délai",
                    extra={"answered_at": timezone.now(), "channel": OfferChannel.SYSTEM},
                )
                application = Application.objects.select_related("territory").get(
                    pk=offer.application_id
                )
                if application.state == State.OFFERED:
                    guichet.refuse_offer(
                        application, actor=None, reason="Pas de réponse dans le délai"
                    )
                report.reoffers += len(
                    reoffers.fill_place(
                        offer.session,
                        offer.structure_id,
                        offer.age_group,
                        cause="expired",
                        freed=offer,
                    )
                )
        except WorkflowError:
            continue  # answered meanwhile
        report.expired += 1
    settings_cache: dict[int, list[int]] = {}
    for offer in (
        Offer.objects.open()
        .filter(deadline__gte=today)
        .select_related("application", "structure", "session")
    ):
        territory_id = offer.session.territory_id
        if territory_id not in settings_cache:
            rules = settings_in_force(offer.session.territory, today)
            settings_cache[territory_id] = sorted(int(d) for d in rules.offer_reminder_days or [])
        left = (offer.deadline - today).days
        for days in settings_cache[territory_id]:
            if left > days:
                continue
            sent = guichet.notify_family(
                offer.application,
                f"offer:{offer.pk}:J-{days}",
                f"Rappel : place proposée, plus que {left} jour(s) pour répondre",
                f"Bonjour,\n\nUne place vous est proposée à « {offer.structure.name} » (demande "
                f"{offer.application.number}). Il vous reste {left} jour(s), jusqu'au "
                f"{offer.deadline:%d/%m/%Y}, pour l'accepter ou la refuser dans votre espace "
                "famille. Sans réponse, la place sera proposée à une autre famille." + _signature(),
            )
            if sent is not None:
                report.reminders += 1
            break  # only the closest reminder is due
    return report


# --- reads ------------------------------------------------------------------------------------


def open_offer_of(application: Application) -> Offer | None:
    return (
        Offer.objects.open()
        .filter(application=application)
        .select_related("structure__commune", "session")
        .first()
    )


def session_offers(session: Session):
    return (
        Offer.objects.filter(session=session)
        .select_related("application", "structure")
        .order_by("structure__name", "age_group", "created_at", "id")
    )


def payload(offer: Offer) -> dict:
    """An offer in the API and `--format json` (codes, no personal values but the number)."""
    return {
        "id": offer.pk,
        "status": offer.status,
        "session": offer.session.slug,
        "application": offer.application.number,
        "structure": offer.structure_id,
        "structure_name": offer.structure.name,
        "age_group": offer.age_group,
        "start_date": offer.start_date.isoformat() if offer.start_date else None,
        "deadline": offer.deadline.isoformat(),
        "reoffer_of": offer.reoffer_of_id,
        "keep_better_wishes": offer.keep_better_wishes,
        "left": offer.left_at is not None,
        "version": offer.version,
    }
