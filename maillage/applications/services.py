"""The domain services of the guichet unique: every change and every professional read of an
application goes through here, so the trail (audit entries, state history, e-mails) is complete.
Views and the API parse input, call one of these and render."""

import datetime
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from maillage.applications import perms
from maillage.applications.changes import queue_changed
from maillage.applications.enums import OPEN_STATES, DeadlineKind, RefusalRule, Source, State
from maillage.applications.models import (
    Application,
    ApplicationCounter,
    Child,
    Document,
    GuichetSettings,
    Household,
    Message,
    Note,
    SentNotice,
    Wish,
)
from maillage.applications.workflow import application_workflow
from maillage.audit.models import AuditAction
from maillage.audit.services import record, record_read
from maillage.audit.workflow import history

# The fields a professional sees when opening an application (recorded by name in the trail).
READ_FIELDS = [
    "child.first_name",
    "child.last_name",
    "child.birth_date",
    "child.expected_date",
    "child.disability",
    "household.parent_name",
    "household.email",
    "household.phone",
    "household.commune",
    "household.activity",
    "household.single_parent",
    "household.integration_pathway",
    "household.family_quotient",
    "application.needs",
    "application.wishes",
    "application.siblings",
    "application.documents",
    "application.notes",
    "application.messages",
]
REMINDER_DAYS = (15, 3)


class GuichetError(Exception):
    """A French message a person can act on."""


def rules_for(territory, on: datetime.date | None = None) -> GuichetSettings:
    """The guichet rules of `territory` in force on `on` (today by default)."""
    rules = (
        GuichetSettings.objects.in_force(on)
        .filter(territory=territory)
        .order_by("-valid_from")
        .first()
    )
    if rules is None:
        raise GuichetError(f"Le guichet unique du territoire « {territory} » n'est pas ouvert.")
    return rules


def open_territories():
    """The territories with a guichet whose rules in force say it is open."""
    from maillage.territories.models import TerritoryGroup

    today = datetime.date.today()
    ids = [
        t.pk
        for t in TerritoryGroup.objects.filter(guichet_settings__valid_from__lte=today).distinct()
        if rules_for(t, today).is_open
    ]
    return TerritoryGroup.objects.filter(pk__in=ids)


def guichets_for_structure(structure, on: datetime.date | None = None) -> list:
    """The territories whose guichet unique is open and, under the rules in force, counts
    `structure` among its participating structures: a family can ask for it there."""
    from maillage.territories.models import TerritoryGroup

    on = on or datetime.date.today()
    found = []
    candidates = TerritoryGroup.objects.filter(
        guichet_settings__participating_structures=structure
    ).distinct()
    for territory in candidates.order_by("name"):
        try:
            rules = rules_for(territory, on)
        except GuichetError:
            continue
        if rules.is_open and rules.participating_structures.filter(pk=structure.pk).exists():
            found.append(territory)
    return found


class TerritoryError(GuichetError):
    """The territory of an application registered by another software cannot be settled."""


def _territory_list(territories) -> str:
    return ", ".join(f"{t.name} (« {t.slug} »)" for t in territories)


def registration_territory(organisation, slug, wishes) -> object:
    """The territory of an application sent by another software (API) for `organisation`:
    - `slug` given (`territoire`): that territory (unknown: error; not operated by the
      organisation: the caller refuses, as for any registration);
    - the organisation operates one guichet: that one;
    - several: the one whose guichet, under the rules in force, counts every wish among its
      participating structures (`wishes`: Maillage ids or external identifiers, as in the
      import format) when exactly one does; otherwise a TerritoryError that lists the
      organisation's territories (`territoire` must be given).
    Never a guess: an ambiguous application is refused, not filed in the first territory."""
    from maillage.territories.models import TerritoryGroup

    if slug not in (None, ""):
        territory = TerritoryGroup.objects.filter(slug=str(slug).strip()).first()
        if territory is None:
            raise TerritoryError(f"Territoire « {slug} » inconnu.")
        return territory
    operated = list(
        TerritoryGroup.objects.filter(pk__in=perms.operated_territory_ids(organisation)).order_by(
            "name", "pk"
        )
    )
    if not operated:
        raise TerritoryError(
            "Votre organisation ne tient aucun guichet unique : seule l'organisation qui tient "
            "le guichet d'un territoire y enregistre des demandes."
        )
    if len(operated) == 1:
        return operated[0]
    if isinstance(wishes, str):
        wishes = wishes.split("|")
    if not isinstance(wishes, list):
        wishes = []
    identifiers = [str(w).strip() for w in wishes if str(w).strip()]
    choices = _territory_list(operated)
    if not identifiers:
        raise TerritoryError(
            "Indiquez le territoire (« territoire ») : votre organisation tient le guichet unique "
            f"de plusieurs territoires : {choices}."
        )
    matching = []
    for territory in operated:
        try:
            rules = rules_for(territory)
        except GuichetError:
            continue
        known = set()
        for pk, external_id in rules.participating_structures.values_list("pk", "external_id"):
            known.add(str(pk))
            if external_id:
                known.add(external_id)
        if all(identifier in known for identifier in identifiers):
            matching.append(territory)
    if len(matching) == 1:
        return matching[0]
    if matching:
        raise TerritoryError(
            "Indiquez le territoire (« territoire ») : les structures demandées participent au "
            f"guichet unique de plusieurs de vos territoires : {_territory_list(matching)}."
        )
    raise TerritoryError(
        "Indiquez le territoire (« territoire ») : les structures demandées ne participent pas "
        "toutes au guichet unique d'un même territoire de votre organisation. Ses territoires : "
        f"{choices}."
    )


def preselected_wish(rules, value) -> int | None:
    """The structure a family arrives with (`?structure=<n°>` from a directory page), when it
    takes part in this guichet; None otherwise (ignored, never an error)."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if rules.participating_structures.filter(pk=pk).exists() else None


# --- numbers ---------------------------------------------------------------------------------


def next_number(territory, prefix: str, year: int) -> str:
    """Next human-readable number, e.g. CAR-2026-00042, gapless per territory and year."""
    return reserve_numbers(territory, prefix, year, 1)[0]


def reserve_numbers(territory, prefix: str, year: int, count: int) -> list[str]:
    """`count` consecutive numbers in one update of the counter (bulk imports). The counter row
    stays locked until the caller's transaction ends, and is rolled back with it: no gap."""
    if count <= 0:
        return []
    with transaction.atomic():
        ApplicationCounter.objects.get_or_create(territory=territory, year=year)
        counter = ApplicationCounter.objects.filter(territory=territory, year=year)
        counter.update(last=F("last") + count)
        last = counter.values_list("last", flat=True).get()
    return [f"{prefix}-{year}-{n:05d}" for n in range(last - count + 1, last + 1)]


# --- validation --------------------------------------------------------------------------------


def check_wishes(rules: GuichetSettings, structures: list) -> None:
    if not structures:
        raise ValidationError("Choisissez au moins une structure.")
    if len(structures) > rules.max_wishes:
        raise ValidationError(
            f"Vous pouvez choisir au plus {rules.max_wishes} structures ; vous en avez choisi "
            f"{len(structures)}."
        )
    if len({s.pk for s in structures}) != len(structures):
        raise ValidationError("Une même structure ne peut être choisie qu'une fois.")
    allowed = set(rules.participating_structures.values_list("pk", flat=True))
    outside = [s.name for s in structures if s.pk not in allowed]
    if outside:
        raise ValidationError(
            "Ces structures ne participent pas au guichet unique : " + ", ".join(outside) + "."
        )


def earliest_preregistration(expected: datetime.date, month: int) -> datetime.date:
    """First day a family may pre-register: the start of the `month`-th month of pregnancy,
    counted back from the expected birth (a pregnancy is about 9 months)."""
    months_before = 10 - month
    year, m = expected.year, expected.month - months_before
    while m <= 0:
        m += 12
        year -= 1
    day = min(expected.day, 28)
    return datetime.date(year, m, day)


def check_preregistration(rules: GuichetSettings, child: Child, today: datetime.date) -> None:
    if child.is_born:
        return
    first_day = earliest_preregistration(child.expected_date, rules.preregistration_month)
    if today < first_day:
        raise GuichetError(
            f"La demande pour un enfant à naître peut être déposée à partir du "
            f"{rules.preregistration_month}e mois de grossesse, soit à partir du "
            f"{first_day:%d/%m/%Y}. Votre brouillon est conservé."
        )


# --- creation and edition ----------------------------------------------------------------------


@dataclass
class ApplicationData:
    desired_start: datetime.date
    days_per_week: int = 5
    daily_hours: float | None = None
    atypical_hours: bool = False
    radius_km: int | None = None
    accepts_childminder: bool = False
    siblings_together: bool = False
    sibling_structure: object | None = None
    external_reference: str = ""
    registered_on: datetime.date | None = None

    def apply_to(self, application: Application) -> None:
        for name, value in self.__dict__.items():
            setattr(application, name, value)


APPLICATION_FIELDS = list(ApplicationData.__dataclass_fields__)


def _set_wishes(application: Application, structures: list) -> None:
    """Replace the wishes (add, remove, reorder, change of structure): the queue changed."""
    application.wishes.all().delete()
    Wish.objects.bulk_create(
        Wish(application=application, structure=s, rank=i) for i, s in enumerate(structures, 1)
    )
    queue_changed()


@transaction.atomic
def create_application(
    territory,
    household: Household,
    child: Child,
    data: ApplicationData,
    structures: list,
    *,
    actor=None,
    organisation=None,
    source: str = Source.FAMILY,
    state: str = State.DRAFT,
) -> Application:
    """A new application (a draft by default; imports create waiting or awaiting_birth ones)."""
    rules = rules_for(territory)
    check_wishes(rules, structures)
    today = timezone.localdate()
    application = build_application(
        territory, household, child, data, rules=rules, today=today, actor=actor,
        number=next_number(territory, rules.number_prefix, today.year), source=source,
        state=state,
    )  # fmt: skip
    application.save()
    _set_wishes(application, structures)
    record(
        AuditAction.CREATE,
        actor=actor if getattr(actor, "pk", None) else None,
        organisation=organisation,
        obj=application,
        message=f"Demande créée ({Source(source).label.lower()})",
    )
    return application


def build_application(
    territory, household, child, data: ApplicationData, *, rules, today, actor, number, source,
    state,
) -> Application:  # fmt: skip
    """A new application, not saved yet (`create_application`; bulk imports save many at once):
    a submitted one gets its dates and the deadline of its state."""
    application = Application(
        number=number,
        territory=territory,
        household=household,
        child=child,
        state=state,
        source=source,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    data.apply_to(application)
    if state != State.DRAFT:
        application.submitted_at = application.completed_at = timezone.now()
        application.registered_on = application.registered_on or today
        _set_deadline_for_state(application, rules, today)
    return application


def _set_deadline_for_state(application, rules, today) -> None:
    if application.state == State.AWAITING_BIRTH:
        application.deadline_kind = DeadlineKind.BIRTH
        application.deadline = application.child.expected_date + datetime.timedelta(
            days=rules.birth_confirmation_days
        )
    elif application.state == State.WAITING:
        application.deadline_kind, application.deadline = "", None
        application.interest_confirmed_on = application.interest_confirmed_on or today


def can_family_edit(application: Application, today: datetime.date | None = None) -> bool:
    """A family edits its application while it is open and before the freeze date."""
    today = today or timezone.localdate()
    if application.state not in (
        State.DRAFT,
        State.SUBMITTED,
        State.TO_CORRECT,
        State.AWAITING_BIRTH,
        State.ON_HOLD,
        State.WAITING,
        State.TO_CONFIRM,
    ):
        return False
    freeze = rules_for(application.territory).freeze_date
    return freeze is None or today < freeze or application.state == State.DRAFT


@transaction.atomic
def update_application(
    application: Application,
    data: ApplicationData,
    structures: list,
    *,
    seen_version: int | None,
    actor=None,
    organisation=None,
    by_family: bool = False,
) -> Application:
    """Compare-and-set update of needs and wishes (ConcurrentEditError on conflict)."""
    from maillage.audit.services import diff, snapshot
    from maillage.core.concurrency import save_if_unchanged

    if by_family and not can_family_edit(application):
        raise GuichetError(
            "La demande ne peut plus être modifiée en ligne (date de gel avant la commission "
            "passée ou demande close). Écrivez au guichet par un message."
        )
    rules = rules_for(application.territory)
    check_wishes(rules, structures)
    before = snapshot(application, APPLICATION_FIELDS) | {
        "wishes": list(application.wishes.values_list("structure_id", flat=True))
    }
    data.apply_to(application)
    save_if_unchanged(application, seen_version, APPLICATION_FIELDS)
    queue_changed()  # desired start, days, hours, registration date
    _set_wishes(application, structures)
    after = snapshot(application, APPLICATION_FIELDS) | {"wishes": [s.pk for s in structures]}
    changes = diff(before, after)
    if changes:
        record(
            AuditAction.UPDATE,
            actor=actor,
            organisation=organisation,
            obj=application,
            changes={k: "modifié" for k in changes},
        )
    return application


# --- notices to the family ---------------------------------------------------------------------


def notify_family(application: Application, key: str, subject: str, body: str) -> SentNotice | None:
    """Queue one e-mail to the family (once per key); the worker sends it after commit."""
    try:
        with transaction.atomic():
            notice = SentNotice.objects.create(
                application=application, key=key[:120], subject=subject[:255], body=body
            )
    except IntegrityError:
        return None
    from maillage.applications.tasks import send_notice

    transaction.on_commit(lambda: send_notice.enqueue(notice.pk))
    return notice


def deliver_notice(notice_id: int) -> bool:
    """Send a queued e-mail (called by the worker). True when it went out."""
    from django.core.mail import send_mail

    notice = SentNotice.objects.select_related("application__household").get(pk=notice_id)
    if notice.sent_at is not None:
        return False
    email = notice.application.household.email
    if not email:
        SentNotice.objects.filter(pk=notice.pk).update(recipient_missing=True)
        return False
    send_mail(
        subject=f"[Maillage] {notice.subject}",
        message=notice.body,
        from_email=django_settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
    )
    SentNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
    return True


def _signature() -> str:
    return "\n\nLe guichet unique petite enfance\n(message automatique, merci de ne pas y répondre)"


# --- lifecycle ---------------------------------------------------------------------------------


def submit(application: Application, *, actor=None, organisation=None) -> Application:
    rules = rules_for(application.territory)
    today = timezone.localdate()
    check_preregistration(rules, application.child, today)
    if not application.wishes.exists():
        raise GuichetError("Choisissez au moins une structure avant de déposer la demande.")
    with transaction.atomic():
        application_workflow.apply(
            application,
            "submit",
            actor=actor,
            organisation=organisation,
            extra_updates={"submitted_at": timezone.now(), "registered_on": today},
        )
        notify_family(
            application,
            "receipt",
            f"Demande {application.number} bien reçue",
            receipt_text(application, rules),
        )
    return application


def next_steps(application: Application, rules: GuichetSettings) -> list[str]:
    """What happens next, in plain words, from the rules in force."""
    steps = [
        "Le guichet vérifie que votre demande est complète. S'il manque une pièce, il vous "
        "écrit et vous pouvez la corriger en ligne.",
    ]
    if not application.child.is_born:
        steps.append(
            "Après la naissance, confirmez-la en ligne au plus tard "
            f"{rules.birth_confirmation_days} jours après la date prévue, sinon la demande est "
            "mise en suspens."
        )
    steps.append(
        f"Tous les {rules.interest_period_months} mois, nous vous demanderons de confirmer "
        f"que vous cherchez toujours une place ; vous aurez {rules.interest_answer_days} jours "
        "pour répondre, avec des rappels 15 jours et 3 jours avant la date limite."
    )
    if rules.next_commission_on:
        steps.append(
            f"La prochaine commission d'attribution se réunit le "
            f"{rules.next_commission_on:%d/%m/%Y}. Vous pouvez modifier votre demande jusqu'au "
            f"{rules.freeze_date:%d/%m/%Y}."
        )
    return steps


def receipt_text(application: Application, rules: GuichetSettings) -> str:
    lines = [
        "Bonjour,",
        "",
        f"Votre demande de place d'accueil pour {application.child.first_name} est enregistrée "
        f"sous le numéro {application.number}, le {timezone.localdate():%d/%m/%Y}.",
        "",
        "Et maintenant ?",
        *[f"- {step}" for step in next_steps(application, rules)],
        "",
        "Vous suivez votre demande dans votre espace famille sur Maillage.",
    ]
    return "\n".join(lines) + _signature()


def request_correction(application, reason: str, *, actor, organisation) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise GuichetError("Indiquez à la famille ce qu'elle doit corriger ou compléter.")
    with transaction.atomic():
        application_workflow.apply(
            application,
            "request_correction",
            actor=actor,
            organisation=organisation,
            reason=reason,
            extra_updates={"correction_reason": reason},
        )
        Message.objects.create(application=application, author=actor, text=reason)
        notify_family(
            application,
            f"correction:{timezone.now():%Y%m%d%H%M%S%f}",
            f"Demande {application.number} : à compléter",
            "Bonjour,\n\nLe guichet unique vous demande de compléter ou corriger votre demande "
            f"{application.number} :\n\n{reason}\n\nConnectez-vous à votre espace famille pour "
            "la corriger puis la renvoyer." + _signature(),
        )
    return application


def resubmit(application, *, actor) -> Application:
    application_workflow.apply(
        application, "resubmit", actor=actor, extra_updates={"correction_reason": ""}
    )
    return application


def mark_complete(application, *, actor, organisation) -> Application:
    """The file is complete: waiting list (born child) or awaiting birth (expected child)."""
    rules = rules_for(application.territory)
    today = timezone.localdate()
    now = timezone.now()
    if application.child.is_born:
        application_workflow.apply(
            application,
            "complete",
            actor=actor,
            organisation=organisation,
            extra_updates={"completed_at": now, "interest_confirmed_on": today},
        )
    else:
        due = application.child.expected_date + datetime.timedelta(
            days=rules.birth_confirmation_days
        )
        application_workflow.apply(
            application,
            "complete_expected",
            actor=actor,
            organisation=organisation,
            extra_updates={
                "completed_at": now,
                "deadline_kind": DeadlineKind.BIRTH,
                "deadline": due,
            },
        )
    return application


def confirm_birth(application, birth_date: datetime.date, *, actor, organisation=None):
    today = timezone.localdate()
    if birth_date > today:
        raise GuichetError("La date de naissance ne peut pas être dans le futur.")
    if birth_date < today - datetime.timedelta(days=365):
        raise GuichetError("Vérifiez la date de naissance : elle date de plus d'un an.")
    with transaction.atomic():
        Child.objects.filter(pk=application.child_id).update(birth_date=birth_date)
        application.child.birth_date = birth_date
        application_workflow.apply(
            application,
            "confirm_birth",
            actor=actor,
            organisation=organisation,
            extra_updates={"deadline_kind": "", "deadline": None, "interest_confirmed_on": today},
        )
    return application


def confirm_interest(application, *, actor, organisation=None) -> Application:
    """The family still wants a place: back to the waiting list (or reactivated from the archive
    during the grace period)."""
    name = "reactivate" if application.state == State.ARCHIVED else "confirm_interest"
    application_workflow.apply(
        application,
        name,
        actor=actor,
        organisation=organisation,
        extra_updates={
            "deadline_kind": "",
            "deadline": None,
            "archived_on": None,
            "interest_confirmed_on": timezone.localdate(),
        },
    )
    return application


def withdraw(application, *, actor, reason: str = "") -> Application:
    application_workflow.apply(
        application,
        "withdraw",
        actor=actor,
        reason=reason,
        extra_updates={"deadline_kind": "", "deadline": None},
    )
    return application


def cancel(application, reason: str, *, actor, organisation) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise GuichetError("Indiquez le motif de l'annulation ; il sera communiqué à la famille.")
    with transaction.atomic():
        application_workflow.apply(
            application,
            "cancel",
            actor=actor,
            organisation=organisation,
            reason=reason,
            extra_updates={"deadline_kind": "", "deadline": None},
        )
        notify_family(
            application,
            "cancelled",
            f"Demande {application.number} annulée",
            f"Bonjour,\n\nVotre demande {application.number} a été annulée par le guichet unique."
            f"\n\nMotif : {reason}" + _signature(),
        )
    return application


def _same_child(a: Child, b: Child) -> bool:
    def name(text):
        import unicodedata

        text = unicodedata.normalize("NFKD", (text or "").strip().casefold())
        return "".join(c for c in text if not unicodedata.combining(c))

    dates_a = {d for d in (a.birth_date, a.expected_date) if d}
    dates_b = {d for d in (b.birth_date, b.expected_date) if d}
    return name(a.first_name) == name(b.first_name) and bool(dates_a & dates_b)


def possible_duplicates(application) -> list[Application]:
    """Other open applications of the territory for what looks like the same child (same first
    name, same birth or expected date), to be merged by the guichet."""
    child = application.child
    dates = [d for d in (child.birth_date, child.expected_date) if d]
    if not dates:
        return []
    candidates = (
        Application.objects.filter(territory=application.territory, state__in=OPEN_STATES)
        .exclude(pk=application.pk)
        .exclude(state=State.DRAFT)
        .filter(Q(child__birth_date__in=dates) | Q(child__expected_date__in=dates))
        .select_related("child")
    )
    return [c for c in candidates if _same_child(child, c.child)]


def merge(application, into: Application, *, actor, organisation) -> Application:
    """The guichet merges a duplicate (`application`, the same child applied twice) into the
    application it keeps (`into`): the duplicate goes to `merged` through the workflow and points
    to the kept one; its wishes (within the territory's maximum), documents and internal notes
    are carried over, its history and messages stay on it; the kept application keeps the
    earlier seniority; audited; the family is informed."""
    if into.pk == application.pk or into.territory_id != application.territory_id:
        raise GuichetError("Choisissez une autre demande du même territoire.")
    if not into.is_open or into.state == State.DRAFT:
        raise GuichetError(
            f"La demande conservée {into.number} doit être en cours (ni brouillon, ni close)."
        )
    if not _same_child(application.child, into.child):
        raise GuichetError(
            "Ces deux demandes ne concernent pas le même enfant (prénom et date de naissance "
            "différents) : elles ne peuvent pas être fusionnées."
        )
    rules = rules_for(application.territory)
    with transaction.atomic():
        kept_structures = list(into.wishes.order_by("rank").values_list("structure_id", flat=True))
        added, dropped = [], []
        for wish in application.wishes.select_related("structure").order_by("rank"):
            if wish.structure_id in kept_structures:
                continue
            if len(kept_structures) >= rules.max_wishes:
                dropped.append(wish.structure.name)
                continue
            kept_structures.append(wish.structure_id)
            Wish.objects.create(
                application=into, structure_id=wish.structure_id, rank=len(kept_structures)
            )
            added.append(wish.structure.name)
        documents = application.documents.update(application=into)
        notes = application.notes.update(application=into)
        # the duplicate's brothers and sisters become the kept application's
        into.siblings.add(*application.siblings.exclude(pk=into.pk).exclude(child=into.child))
        seniority = [d for d in (into.registered_on, application.registered_on) if d]
        if seniority and min(seniority) != into.registered_on:
            Application.objects.filter(pk=into.pk).update(registered_on=min(seniority))
            into.registered_on = min(seniority)
        application_workflow.apply(
            application,
            "merge",
            actor=actor,
            organisation=organisation,
            reason=f"Fusionnée dans la demande {into.number}",
            extra_updates={"merged_into": into, "deadline_kind": "", "deadline": None},
        )
        summary = (
            f"Demande {application.number} fusionnée dans celle-ci : "
            f"{len(added)} vœu(x) ajouté(s)"
            + (f" ({', '.join(added)})" if added else "")
            + (
                f", {len(dropped)} non repris faute de place ({', '.join(dropped)})"
                if dropped
                else ""
            )
            + f", {documents} pièce(s) et {notes} note(s) reprises."
        )
        Note.objects.create(
            application=into, author=actor, author_label=getattr(actor, "email", ""), text=summary
        )
        record(
            AuditAction.UPDATE,
            actor=actor,
            organisation=organisation,
            obj=into,
            changes={"merged": application.number, "wishes_added": len(added),
                     "wishes_dropped": len(dropped), "documents": documents, "notes": notes},
            message=f"Demande {application.number} fusionnée dans {into.number}",
        )  # fmt: skip
        body = (
            f"Bonjour,\n\nVotre enfant avait deux demandes auprès du guichet unique. La demande "
            f"{application.number} a été regroupée avec la demande {into.number}, qui est "
            "désormais la seule suivie : vos vœux et vos pièces y ont été repris, et la date "
            "d'ancienneté la plus ancienne est conservée." + _signature()
        )
        notify_family(into, f"merged-{application.number}", f"Demande {application.number} "
                      f"regroupée avec {into.number}", body)  # fmt: skip
        if application.household_id != into.household_id:
            notify_family(application, "merged", f"Demande {application.number} regroupée avec "
                          f"{into.number}", body)  # fmt: skip
    return application


def merge_duplicate(membership, number: str, other_number: str, *, keep_this: bool, actor):
    """An agent of the guichet merges two applications of the same child, choosing which one is
    kept; both must be visible to and instructed by her organisation."""
    this = perms.require_visible_application(membership, number)  # access first, then input
    perms.require_instruct(membership, this)
    other_number = (other_number or "").strip().upper()
    if not other_number:
        raise GuichetError("Indiquez le numéro de l'autre demande du même enfant.")
    try:
        other = perms.require_visible_application(membership, other_number)
    except Http404:
        raise GuichetError(f"Aucune demande n° {other_number} ne vous est accessible.") from None
    perms.require_instruct(membership, other)
    kept, duplicate = (this, other) if keep_this else (other, this)
    merge(duplicate, kept, actor=actor, organisation=membership.organisation)
    return kept


def offer(application, *, actor=None, organisation=None, answer_by: datetime.date | None = None):
    application_workflow.apply(
        application,
        "offer",
        actor=actor,
        organisation=organisation,
        extra_updates={"deadline_kind": "", "deadline": answer_by},
    )
    return application


def accept_offer(application, *, actor, organisation=None) -> Application:
    application_workflow.apply(
        application,
        "accept_offer",
        actor=actor,
        organisation=organisation,
        extra_updates={"deadline": None},
    )
    return application


def refuse_offer(application, *, actor, organisation=None, reason: str = "") -> Application:
    """Apply the territory's refusal rule: stay on the list, or archive after N refusals."""
    rules = rules_for(application.territory)
    refusals = application.refusals + 1
    archive = rules.refusal_rule == RefusalRule.ARCHIVE_AFTER and refusals >= rules.max_refusals
    application_workflow.apply(
        application,
        "refuse_offer_archive" if archive else "refuse_offer",
        actor=actor,
        organisation=organisation,
        reason=reason,
        extra_updates={
            "refusals": refusals,
            "deadline": None,
            "archived_on": timezone.localdate() if archive else None,
        },
    )
    return application


def place(application, *, actor, organisation=None) -> Application:
    application_workflow.apply(application, "place", actor=actor, organisation=organisation)
    return application


def leave(application, *, actor, organisation=None) -> Application:
    application_workflow.apply(application, "leave", actor=actor, organisation=organisation)
    return application


# --- deadlines (run daily by the worker) ------------------------------------------------------


@dataclass
class DeadlineReport:
    held: int = 0
    interest_requested: int = 0
    archived: int = 0
    reminders: int = 0


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier), the last day of a shorter month."""
    import calendar

    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def run_deadlines(today: datetime.date | None = None) -> DeadlineReport:
    """Move late applications along and send the D-15 and D-3 reminders, each at most once."""
    today = today or timezone.localdate()
    report = DeadlineReport()
    # 1. late birth confirmations → on hold
    for application in Application.objects.filter(
        state=State.AWAITING_BIRTH, deadline__lt=today
    ).select_related("child"):
        application_workflow.apply(
            application, "hold", reason="Naissance non confirmée dans le délai"
        )
        notify_family(
            application,
            f"hold:{application.deadline}",
            f"Demande {application.number} mise en suspens",
            "Bonjour,\n\nLa naissance n'a pas été confirmée dans le délai : votre demande "
            f"{application.number} est en suspens et n'est plus étudiée. Confirmez la naissance "
            "dans votre espace famille pour la remettre en liste d'attente." + _signature(),
        )
        report.held += 1
    # 2. periodic confirmation of interest → to_confirm
    rules_cache: dict[int, GuichetSettings] = {}

    def rules_of(application):
        if application.territory_id not in rules_cache:
            rules_cache[application.territory_id] = rules_for(application.territory, today)
        return rules_cache[application.territory_id]

    for application in Application.objects.filter(state=State.WAITING).select_related(
        "territory", "child"
    ):
        rules = rules_of(application)
        since = application.interest_confirmed_on or application.registered_on
        if since is None or add_months(since, rules.interest_period_months) > today:
            continue
        due = today + datetime.timedelta(days=rules.interest_answer_days)
        application_workflow.apply(
            application,
            "request_interest",
            reason="Confirmation périodique de l'intérêt",
            extra_updates={"deadline_kind": DeadlineKind.INTEREST, "deadline": due},
        )
        notify_family(
            application,
            f"interest:{due}",
            f"Demande {application.number} : confirmez que vous cherchez toujours une place",
            "Bonjour,\n\nCherchez-vous toujours une place d'accueil pour "
            f"{application.child.first_name} ? Confirmez-le dans votre espace famille avant le "
            f"{due:%d/%m/%Y}. Sans réponse, la demande {application.number} sera archivée ; vous "
            f"pourrez encore la réactiver pendant {rules.grace_days} jours." + _signature(),
        )
        report.interest_requested += 1
    # 3. silent families → archived
    for application in Application.objects.filter(state=State.TO_CONFIRM, deadline__lt=today):
        application_workflow.apply(
            application,
            "archive",
            reason="Intérêt non confirmé dans le délai",
            extra_updates={"archived_on": today},
        )
        report.archived += 1
    # 4. reminders D-15 and D-3, before the deadline, once each
    for application in Application.objects.filter(
        state__in=[State.AWAITING_BIRTH, State.TO_CONFIRM], deadline__gte=today
    ).select_related("child"):
        left = (application.deadline - today).days
        for days in sorted(REMINDER_DAYS):
            if left > days:
                continue
            what = (
                "confirmer la naissance"
                if application.deadline_kind == DeadlineKind.BIRTH
                else "confirmer que vous cherchez toujours une place"
            )
            sent = notify_family(
                application,
                f"reminder:{application.deadline_kind}:{application.deadline}:J-{days}",
                f"Rappel : demande {application.number}, plus que {left} jour(s)",
                f"Bonjour,\n\nIl vous reste {left} jour(s), jusqu'au "
                f"{application.deadline:%d/%m/%Y}, pour {what} (demande "
                f"{application.number}). Rendez-vous dans votre espace famille." + _signature(),
            )
            if sent is not None:
                report.reminders += 1
            break  # only the closest reminder is due
    return report


# --- documents, notes, messages ----------------------------------------------------------------

MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]


def sniff_content_type(head: bytes) -> str | None:
    """The type read from the first bytes of the file (the extension is not trusted)."""
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def add_document(application, kind: str, uploaded, *, actor, organisation=None) -> Document:
    rules = rules_for(application.territory)
    limit = rules.max_document_mb * 1024 * 1024
    if uploaded.size > limit:
        raise GuichetError(
            f"Le fichier dépasse {rules.max_document_mb} Mo. Envoyez une version plus légère "
            "(photo moins grande, PDF compressé)."
        )
    head = uploaded.read(16)
    uploaded.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise GuichetError(
            "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG. Envoyez l'un de ces formats."
        )
    document = Document(
        application=application,
        kind=kind,
        content_type=content_type,
        size=uploaded.size,
        uploaded_by=actor,
    )
    document.file.save(uploaded.name or "piece", uploaded, save=False)
    document.save()
    if application.state == State.DRAFT:  # a draft being completed is not abandoned
        Application.objects.filter(pk=application.pk).update(updated_at=timezone.now())
    record(
        AuditAction.CREATE,
        actor=actor,
        organisation=organisation,
        obj=application,
        message=f"Pièce ajoutée : {document.get_kind_display()}",
    )
    return document


def verify_document(document: Document, *, actor, organisation) -> Document:
    """The agent checked the document: the file is deleted, who and when are kept."""
    if document.verified_at is not None:
        return document
    now = timezone.now()
    if document.file:
        document.file.delete(save=False)
    document.verified_at = document.file_deleted_at = now
    document.verified_by = actor
    document.verified_by_label = actor.email
    document.save()
    record(
        AuditAction.UPDATE,
        actor=actor,
        organisation=organisation,
        obj=document.application,
        message=f"Pièce vérifiée puis supprimée : {document.get_kind_display()}",
    )
    return document


def missing_documents(application) -> list[str]:
    rules = rules_for(application.territory)
    have = set(application.documents.values_list("kind", flat=True))
    # a birth certificate cannot be asked before the birth
    required = [k for k in rules.required_documents if k != "birth" or application.child.is_born]
    return [k for k in required if k not in have]


def add_note(application, text: str, *, actor, organisation) -> Note:
    text = (text or "").strip()
    if not text:
        raise GuichetError("La note est vide.")
    note = Note.objects.create(
        application=application, author=actor, author_label=actor.email, text=text
    )
    record(AuditAction.UPDATE, actor=actor, organisation=organisation, obj=application,
           message="Note interne ajoutée")  # fmt: skip
    return note


def send_message(application, text: str, *, actor, from_family: bool, organisation=None):
    text = (text or "").strip()
    if not text:
        raise GuichetError("Le message est vide.")
    message = Message.objects.create(
        application=application, author=actor, text=text, from_family=from_family
    )
    if not from_family:
        notify_family(
            application,
            f"message:{message.pk}",
            f"Demande {application.number} : nouveau message du guichet",
            "Bonjour,\n\nLe guichet unique vous a écrit au sujet de votre demande "
            f"{application.number}. Lisez le message dans votre espace famille." + _signature(),
        )
    return message


# --- reads -------------------------------------------------------------------------------------


def open_application(membership, number: str, *, actor) -> Application:
    """THE way a professional reads an application: access check, then the read is recorded
    in the trail (field names, never values)."""
    application = perms.require_visible_application(membership, number)
    record_read(
        application,
        actor=actor,
        organisation=membership.organisation,
        fields=READ_FIELDS,
        message=f"Consultation de la demande {application.number}",
    )
    return application


# the columns of the queue listing (recorded by name when a page of it is read)
QUEUE_LIST_FIELDS = [
    "application.number",
    "child.first_name",
    "child.last_name",
    "application.state",
    "household.commune",
    "application.desired_start",
    "application.registered_on",
]


def queue_filters_used(filters) -> dict:
    """The filters of a queue page as the trail keeps them: which were used and their values,
    except the typed search (a name): only the fact that there was one."""
    used = {}
    for name in ("state", "commune", "structure", "start_month", "sort"):
        value = getattr(filters, name)
        if value:
            used[name] = value
    if filters.missing:
        used["missing"] = True
    if (filters.q or "").strip():
        used["search"] = True
    return used


def read_queue(membership, filters, *, page, actor, page_size: int):
    """ONE page of the agents' queue. The listing shows children's names: for the roles that
    read personal data, the page view is recorded once in the trail (columns by name, page,
    number of rows, filters without the searched text), as the CSV/XLSX export is."""
    from maillage.applications.queue import queue_page

    shown = queue_page(membership, filters, page, page_size)
    if perms.reads_personal(membership):
        rows = list(shown.object_list)  # read before the entry is written
        shown.object_list = rows
        record(
            AuditAction.VIEW,
            actor=actor,
            organisation=membership.organisation,
            changes={
                "fields": QUEUE_LIST_FIELDS,
                "page": shown.number,
                "rows": len(rows),
                "filters": queue_filters_used(filters),
            },
            message="Consultation de la file du guichet unique",
        )
    return shown


def open_document(membership, number: str, document_id: int, *, actor) -> Document:
    """An agent of the guichet opens a document to check it: access checked, read recorded."""
    application = perms.require_visible_application(membership, number)
    perms.require_instruct(membership, application)
    document = application.documents.filter(pk=document_id).first()
    if document is None or not document.file:
        from django.http import Http404

        raise Http404("Cette pièce n'existe pas ou a déjà été vérifiée puis supprimée.")
    record_read(
        application,
        actor=actor,
        organisation=membership.organisation,
        fields=[f"document.{document.kind}"],
        message=f"Consultation d'une pièce de la demande {application.number}",
    )
    return document


def timeline(application) -> list[dict]:
    """The application's history: state changes and e-mails, oldest first (shown to the family
    and to the guichet)."""
    items = [
        {
            "at": log.at,
            "label": f"{application_workflow.label_of(application, log.target)}",
            "kind": "state",
            "reason": log.reason,
        }
        for log in history(application)
    ]
    items += [
        {"at": n.created_at, "label": f"Courriel : {n.subject}", "kind": "email", "reason": ""}
        for n in application.notices.all()
    ]
    return sorted(items, key=lambda item: item["at"])


# --- family accounts and drafts (pages of the family and counter registration) ---------------

HOUSEHOLD_FIELDS = [
    "parent_first_name",
    "parent_last_name",
    "phone",
    "commune",
    "parents_working",
    "job_seeking",
    "integration_pathway",
    "single_parent",
    "other_children",
    "family_quotient",
]
CHILD_FIELDS = ["first_name", "last_name", "birth_date", "expected_date", "disability"]


def create_family_account(email: str, password: str):
    """A family account (e-mail + password); the account holds no other personal data."""
    from maillage.accounts.enums import UserKind
    from maillage.accounts.models import User

    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise GuichetError(
            "Un compte existe déjà avec cette adresse. Connectez-vous ou demandez un nouveau "
            "mot de passe."
        )
    user = User.objects.create_user(email, password, kind=UserKind.FAMILY)
    record(AuditAction.CREATE, actor=user, obj=user, message="Compte famille créé")
    return user


def household_for(account, territory) -> Household | None:
    if account is None:
        return None
    return Household.objects.filter(account=account, territory=territory).order_by("-id").first()


def family_applications(account) -> list[Application]:
    """The family's applications, newest first, each with `draft_fate` (when a draft will be
    deleted) and `can_renew` (a new application for the same child, prefilled, is possible:
    none of hers is open in that territory)."""
    applications = list(
        Application.objects.filter(household__account=account)
        .select_related("child", "territory")
        .order_by("-created_at")
    )
    busy = {
        (a.child_id, a.territory_id)
        for a in applications
        if a.state in BUSY_STATES or _reactivable(a)
    }
    rules_cache: dict[int, GuichetSettings] = {}
    for a in applications:
        a.draft_fate = None
        if a.state == State.DRAFT:
            if a.territory_id not in rules_cache:
                rules_cache[a.territory_id] = rules_for(a.territory)
            a.draft_fate = draft_fate(a, rules=rules_cache[a.territory_id])
        a.can_renew = (a.child_id, a.territory_id) not in busy
    return applications


# an application of the child that stops a new one: open, or the child is in care
BUSY_STATES = [*OPEN_STATES, State.PLACED]


def _reactivable(application) -> bool:
    """An archived application the family can still reactivate (grace period), keeping its
    seniority: better than a new one."""
    from maillage.applications.workflow import _within_grace

    return application.state == State.ARCHIVED and _within_grace(application) == ""


def check_renewal(source: Application, territory) -> None:
    """A new application for the child of `source` (next year, after a withdrawal or an
    archive): same territory, and no application of that child still open there."""
    if source.territory_id != territory.pk:
        raise GuichetError("Cette demande concerne un autre territoire.")
    mine = Application.objects.filter(child_id=source.child_id, territory=territory)
    current = mine.filter(state__in=BUSY_STATES).order_by("-created_at").first()
    if current is not None:
        raise GuichetError(
            f"{source.child.first_name} a déjà une demande en cours (n° {current.number}) : "
            "modifiez-la plutôt que d'en faire une nouvelle."
        )
    for archived in mine.filter(state=State.ARCHIVED):
        if _reactivable(archived):
            raise GuichetError(
                f"La demande {archived.number} peut encore être réactivée, avec son ancienneté : "
                "ouvrez-la et cliquez sur « Je cherche toujours une place »."
            )


def renewal_initial(source: Application, today: datetime.date | None = None) -> dict:
    """What a new application for the same child starts from: her needs and wishes (still
    participating ones are checked on saving), without a start date already past."""
    today = today or timezone.localdate()
    child = source.child
    initial = {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "born": "1" if child.is_born else "0",
        "birth_date": child.birth_date,
        "expected_date": child.expected_date,
        "disability": child.disability,
        "days_per_week": source.days_per_week,
        "daily_hours": source.daily_hours,
        "atypical_hours": source.atypical_hours,
        "radius_km": source.radius_km,
        "accepts_childminder": source.accepts_childminder,
        "siblings_together": source.siblings_together,
    }
    if source.desired_start >= today:
        initial["desired_start"] = source.desired_start
    for wish in source.wishes.all():
        initial[f"wish_{wish.rank}"] = wish.structure_id
    return initial


def link_siblings(*applications: Application, prune: bool = False) -> dict[int, list[int]]:
    """THE sibling rule, for every path (family pages, counter, API, waiting-list import):
    link each application (both ways) to the open applications of the OTHER children of the SAME
    household (`Household` row) in the same territory. Twins and siblings are then seen together
    by the guichet and the commission, with their `siblings_together` choice.

    A household is identified by the family account on the family's pages, by the application
    of a brother or sister the agent starts from at the counter, and by `famille` (the
    household's `external_reference`) in the API and the import. Links are kept when a
    sibling's application closes (placed, archived…). `prune`: first remove the links to
    applications of another household (an import moved the child to another `famille`).

    Bulk: two or three queries whatever the number of applications (the import calls it once
    per batch). Returns, by application id, the ids of the applications it is linked to."""
    applications = [a for a in applications if a.pk is not None]
    if not applications:
        return {}
    through = Application.siblings.through
    ids = {a.pk for a in applications}
    if prune:
        through.objects.filter(
            Q(from_application_id__in=ids) | Q(to_application_id__in=ids)
        ).exclude(from_application__household_id=F("to_application__household_id")).delete()
    by_household: dict[int, list[tuple[int, int, int]]] = {}
    for pk, household_id, territory_id, child_id in Application.objects.filter(
        household_id__in={a.household_id for a in applications}, state__in=OPEN_STATES
    ).values_list("pk", "household_id", "territory_id", "child_id"):
        by_household.setdefault(household_id, []).append((pk, territory_id, child_id))
    links, linked = set(), {}
    for a in applications:
        others = [
            pk
            for pk, territory_id, child_id in by_household.get(a.household_id, [])
            if pk != a.pk and child_id != a.child_id and territory_id == a.territory_id
        ]
        linked[a.pk] = others
        for other in others:
            links.add((a.pk, other))
            links.add((other, a.pk))
    if links:
        through.objects.bulk_create(
            [through(from_application_id=a, to_application_id=b) for a, b in sorted(links)],
            ignore_conflicts=True,
            batch_size=1000,
        )
    return linked


def open_household_applications(household, territory, renewal=None) -> list[Application]:
    """The open applications of a household in a territory (a new one for another child will be
    linked to them), without those of the child being applied for again (`renewal`)."""
    if household is None:
        return []
    found = Application.objects.filter(
        household=household, territory=territory, state__in=OPEN_STATES
    ).select_related("child")
    if renewal is not None:
        found = found.exclude(child_id=renewal.child_id)
    return list(found.order_by("number"))


def sibling_applications(application: Application):
    return application.siblings.select_related("child").order_by("number")


# --- wishes: near home or near work ---------------------------------------------------------


@dataclass
class WishCandidate:
    """A participating structure as the wish picker shows it, with its distance from home and
    from the place of work (None when unknown or farther than the search radius)."""

    structure: object
    home_km: float | None = None
    work_km: float | None = None

    @property
    def nearest_km(self) -> float | None:
        known = [d for d in (self.home_km, self.work_km) if d is not None]
        return min(known) if known else None

    @property
    def label(self) -> str:
        where = []
        if self.home_km is not None:
            where.append(f"{self.home_km:.0f} km de chez vous")
        if self.work_km is not None:
            where.append(f"{self.work_km:.0f} km du travail")
        suffix = f" ({', '.join(where)})" if where else ""
        return f"{self.structure.name} — {self.structure.commune.name}{suffix}"


def wish_candidates(rules: GuichetSettings, *, home=None, work=()) -> list[WishCandidate]:
    """The territory's participating structures for the wish picker, nearest first to home OR
    to work. `home` is the household's commune; `work` the commune(s) of the place of work
    typed by the family (several when a postal code is shared), searched with the directory's
    own search (same radius and distances as the public directory). Nothing is stored."""
    from maillage.directory.geo import haversine_km
    from maillage.directory.search import DEFAULT_RADIUS_KM, SearchCriteria, search

    candidates = {
        s.pk: WishCandidate(s) for s in rules.participating_structures.select_related("commune")
    }
    if home is not None and home.latitude is not None and home.longitude is not None:
        for candidate in candidates.values():
            s = candidate.structure
            if s.latitude is not None and s.longitude is not None:
                candidate.home_km = haversine_km(
                    home.latitude, home.longitude, s.latitude, s.longitude
                )
    work = [c for c in work if c is not None]
    if work:
        criteria = SearchCriteria(
            commune=work[0] if len(work) == 1 else None,
            communes=work if len(work) > 1 else [],
            radius_km=DEFAULT_RADIUS_KM,
            structures_only=True,
        )
        for hit in search(criteria).structures:
            if hit.obj.pk in candidates and hit.distance_km is not None:
                candidates[hit.obj.pk].work_km = hit.distance_km
    return sorted(
        candidates.values(),
        key=lambda c: (c.nearest_km is None, c.nearest_km or 0, c.structure.name, c.structure.pk),
    )


@transaction.atomic
def save_draft(
    *,
    territory,
    household_values: dict,
    child_values: dict,
    data: ApplicationData,
    structures: list,
    account=None,
    application: Application | None = None,
    seen_version: int | None = None,
    actor=None,
    organisation=None,
    source: str = Source.FAMILY,
    child: Child | None = None,
    household: Household | None = None,
) -> Application:
    """Create or update a family's household, child and application (a draft when new).

    A new application reuses the family's household (prefilled, edited here), or `household`
    (at the counter: the household of a brother's or sister's application the agent started
    from) and, for a renewal, the same `child` (one of the household's); it is linked to the
    open applications of the household's other children (`link_siblings`)."""
    if application is not None:
        household, child = application.household, application.child
    elif household is not None:
        if household.territory_id != territory.pk:
            raise GuichetError("Ce foyer est enregistré dans un autre territoire.")
    elif child is not None:
        household = child.household
        if account is None or household.account_id != account.pk:
            raise GuichetError("Cet enfant n'est pas rattaché à votre compte.")
    else:
        household = household_for(account, territory) if account is not None else None
    if household is None:
        household = Household(territory=territory, account=account)
    for name in HOUSEHOLD_FIELDS:
        if name in household_values:
            setattr(household, name, household_values[name])
    if "email" in household_values:
        household.email = household_values["email"]
    elif account is not None and not household.email:
        household.email = account.email
    household.save()
    if child is None:
        child = Child(household=household)
    for name in CHILD_FIELDS:
        setattr(child, name, child_values.get(name))
    child.disability = bool(child.disability)
    child.save()
    queue_changed()  # the household's commune, the child's dates: every application of theirs
    if application is None:
        created = create_application(
            territory, household, child, data, structures, actor=actor,
            organisation=organisation, source=source,
        )  # fmt: skip
        link_siblings(created)
        return created
    return update_application(
        application,
        data,
        structures,
        seen_version=seen_version,
        actor=actor,
        organisation=organisation,
        by_family=source == Source.FAMILY,
    )


# what the counter form shows of the household of a brother's or sister's application
COUNTER_SIBLING_FIELDS = [
    "application.number",
    "child.first_name",
    *(name for name in READ_FIELDS if name.startswith("household.")),
]


def counter_sibling(membership, territory, number: str, *, actor) -> Application:
    """The application of a brother or sister an agent starts a counter registration from
    (« Demande pour un frère ou une sœur ») : its household is reused and the new application
    is linked to it (`save_draft(household=…)`, `link_siblings`). Only an agent of the
    territory's operator; an application out of scope is not found; the read of the household
    is recorded in the trail (field names, never values)."""
    application = perms.require_visible_application(membership, number)
    if application.territory_id != territory.pk or not perms.can_register_at_counter(
        membership, territory
    ):
        raise Http404(perms.NOT_FOUND)
    record_read(
        application,
        actor=actor,
        organisation=membership.organisation,
        fields=COUNTER_SIBLING_FIELDS,
        message=f"Foyer de la demande {application.number} repris au guichet",
    )
    return application


def register_at_counter(*, actor, organisation, territory, **values) -> Application:
    """An agent registers an application for a family at the counter: saved and submitted."""
    values["source"] = Source.COUNTER
    with transaction.atomic():
        application = save_draft(
            territory=territory, actor=actor, organisation=organisation, **values
        )
        submit(application, actor=actor, organisation=organisation)
        email = (values.get("household_values") or {}).get("email")
        if email and application.household.account_id is None:
            from maillage.applications.invitations import invite_family

            invite_family(application, email, actor=actor, organisation=organisation)
    return application


# --- aggregates (the Caf and partners without access to files) ------------------------------

SMALL_COUNT = 5


def territory_counts(membership, territory) -> list[dict]:
    """Applications of a territory by state, counts under 5 masked; no personal data."""

    if not perms.can_see_aggregates(membership, territory):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Ces chiffres sont réservés aux partenaires du territoire.")
    return _territory_counts(territory)


def _territory_counts(territory) -> list[dict]:
    from django.db.models import Count

    rows = (
        Application.objects.filter(territory=territory)
        .exclude(state=State.DRAFT)
        .values("state")
        .annotate(n=Count("pk"))
    )
    counts = {row["state"]: row["n"] for row in rows}
    return [
        {
            "state": state.value,
            "label": str(state.label),
            "count": counts.get(state.value, 0),
            "masked": 0 < counts.get(state.value, 0) < SMALL_COUNT,
        }
        for state in State
        if state != State.DRAFT
    ]


def commune_counts(membership, territory) -> list[dict]:
    """Open applications of a territory by commune of residence, counts under 5 masked."""

    if not perms.can_see_aggregates(membership, territory):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Ces chiffres sont réservés aux partenaires du territoire.")
    return _commune_counts(territory)


def _commune_counts(territory) -> list[dict]:
    from django.db.models import Count

    rows = (
        Application.objects.filter(territory=territory)
        .exclude(state__in=[State.DRAFT, *CLOSED_STATES])
        .values("household__commune__name")
        .annotate(n=Count("pk"))
        .order_by("household__commune__name")
    )
    return [
        {
            "label": row["household__commune__name"],
            "count": row["n"],
            "masked": 0 < row["n"] < SMALL_COUNT,
        }
        for row in rows
    ]


AGGREGATES_SECONDS = 60


def queue_aggregates(membership) -> list[tuple]:
    """(territory, counts by state, open applications by commune) for each open guichet whose
    aggregates `membership` may see (the queue page: access checked once per territory).

    The counts of a territory are kept AGGREGATES_SECONDS in the cache (two grouped scans of
    every application of the territory, on each page of the queue, cost more than the page at
    20,000 applications): figures without personal data, at most a minute old."""
    from django.core.cache import cache

    territories = [t for t in open_territories() if perms.can_see_aggregates(membership, t)]
    keys = {t.pk: f"guichet:aggregates:{t.pk}" for t in territories}
    cached = cache.get_many(list(keys.values())) if keys else {}
    computed, found = {}, []
    for territory in territories:
        value = cached.get(keys[territory.pk])
        if value is None:
            value = (_territory_counts(territory), _commune_counts(territory))
            computed[keys[territory.pk]] = value
        found.append((territory, *value))
    if computed:
        cache.set_many(computed, AGGREGATES_SECONDS)
    return found


# --- retention ---------------------------------------------------------------------------------

CLOSED_STATES = [State.LEFT, State.ARCHIVED, State.WITHDRAWN, State.CANCELLED, State.MERGED]


def _closed_on(application) -> datetime.date:
    last = history(application).order_by("-at").values_list("at", flat=True).first()
    return timezone.localdate(last) if last else timezone.localdate(application.updated_at)


def _retention_months(territory, today: datetime.date, cache: dict) -> int:
    """The territory's retention period in force on `today` (its dated rules), or the default
    parameter `retention-applications-months` when it has no rules in force."""
    if territory.pk not in cache:
        try:
            cache[territory.pk] = rules_for(territory, today).retention_months
        except GuichetError:
            from maillage.core.models import parameter_at

            cache[territory.pk] = int(parameter_at("retention-applications-months", today).value)
    return cache[territory.pk]


def expired_applications(today: datetime.date | None = None):
    """The closed applications kept longer than their territory's retention period on `today`
    (each territory's own `retention_months`, read from its rules in force that day)."""
    today = today or timezone.localdate()
    cache: dict[int, int] = {}
    for application in Application.objects.filter(state__in=CLOSED_STATES).select_related(
        "territory"
    ):
        months = _retention_months(application.territory, today, cache)
        if _closed_on(application) < add_months(today, -months):
            yield application


def _delete_application(application, message: str) -> None:
    """Delete an application with its documents (files too), notes, messages, notices, and its
    child and household when nothing else uses them; the trail keeps the number only."""
    with transaction.atomic():
        record(AuditAction.DELETE, obj=application, message=message)
        for document in application.documents.all():
            if document.file:
                document.file.delete(save=False)
        child, household = application.child, application.household
        application.delete()
        queue_changed()  # a child who left is still counted as placed until then
        if not child.applications.exists():
            child.delete()
        if not household.applications.exists() and not household.children.exists():
            household.delete()


def count_expired(today: datetime.date | None = None) -> int:
    return sum(1 for _ in expired_applications(today))


def purge_expired(today: datetime.date | None = None) -> int:
    """Delete the closed applications kept longer than their territory's retention period,
    with their documents, notes, messages, child and household when nothing else uses them.
    The trail keeps that the deletion happened (number only). Run by the shared retention
    registry (`maillage purge_personal_data`, see applications/retention.py)."""
    deleted = 0
    for application in list(expired_applications(today)):
        _delete_application(
            application,
            f"Demande {application.number} supprimée : durée de conservation échue",
        )
        deleted += 1
    return deleted


# --- drafts never submitted ------------------------------------------------------------------

DRAFT_PARAMETER = "retention-application-drafts-days"


def draft_retention_days(rules: GuichetSettings, on: datetime.date | None = None) -> int:
    """How long a draft nobody submits is kept: the territory's own dated setting, else the
    dated parameter `retention-application-drafts-days` (with its source)."""
    if rules.draft_retention_days:
        return rules.draft_retention_days
    from maillage.core.models import parameter_at

    return int(parameter_at(DRAFT_PARAMETER, on or timezone.localdate()).value)


def _draft_warning_key(due: datetime.date) -> str:
    return f"draft-deletion:{due.isoformat()}"


@dataclass
class DraftFate:
    """When a draft will be deleted, and whether the family has been told."""

    due: datetime.date  # last change + the period
    deletes_on: datetime.date  # never before the warning's full notice
    warn_on: datetime.date
    warned_on: datetime.date | None


def draft_fate(application, today: datetime.date | None = None, rules=None) -> DraftFate | None:
    """The deletion date of a draft (None for anything else): `draft_retention_days` after its
    last change, but never sooner than `draft_warning_days` after the e-mail that warns the
    family (a draft is never deleted silently)."""
    if application.state != State.DRAFT:
        return None
    today = today or timezone.localdate()
    rules = rules or rules_for(application.territory, today)
    last = timezone.localdate(application.updated_at)
    due = last + datetime.timedelta(days=draft_retention_days(rules, today))
    notice_days = datetime.timedelta(days=rules.draft_warning_days)
    warned = (
        application.notices.filter(key=_draft_warning_key(due))
        .values_list("created_at", flat=True)
        .first()
    )
    warned_on = timezone.localdate(warned) if warned else None
    deletes_on = max(due, (warned_on or max(today, due - notice_days)) + notice_days)
    return DraftFate(due=due, deletes_on=deletes_on, warn_on=due - notice_days,
                     warned_on=warned_on)  # fmt: skip


@dataclass
class DraftReport:
    warned: int = 0
    deleted: int = 0


def _drafts_with_rules(today: datetime.date):
    cache: dict[int, GuichetSettings | None] = {}
    for application in Application.objects.filter(state=State.DRAFT).select_related(
        "territory", "child"
    ):
        if application.territory_id not in cache:
            try:
                cache[application.territory_id] = rules_for(application.territory, today)
            except GuichetError:
                cache[application.territory_id] = None
        rules = cache[application.territory_id]
        if rules is not None:
            yield application, rules


def expired_drafts(today: datetime.date | None = None) -> list[Application]:
    """The drafts past their deletion date whose family was warned long enough before."""
    today = today or timezone.localdate()
    found = []
    for application, rules in _drafts_with_rules(today):
        fate = draft_fate(application, today, rules)
        if fate.warned_on is not None and today >= fate.deletes_on:
            found.append(application)
    return found


def purge_expired_drafts(today: datetime.date | None = None) -> int:
    """Delete the drafts past their period whose family was warned (see `draft_fate`)."""
    deleted = 0
    for application in expired_drafts(today):
        _delete_application(
            application,
            f"Brouillon {application.number} supprimé : jamais déposé dans le délai",
        )
        deleted += 1
    return deleted


def run_draft_cleanup(today: datetime.date | None = None) -> DraftReport:
    """Daily: warn the family by e-mail `draft_warning_days` before a draft's deletion (once per
    deletion date), then delete the drafts past their date."""
    today = today or timezone.localdate()
    report = DraftReport()
    for application, rules in _drafts_with_rules(today):
        fate = draft_fate(application, today, rules)
        if fate.warned_on is None and today >= fate.warn_on:
            deletes_on = max(fate.due, today + datetime.timedelta(days=rules.draft_warning_days))
            sent = notify_family(
                application,
                _draft_warning_key(fate.due),
                f"Brouillon {application.number} : à déposer avant le {deletes_on:%d/%m/%Y}",
                f"Bonjour,\n\nVotre demande de place pour {application.child.first_name} "
                f"(n° {application.number}) est restée en brouillon : elle n'a pas été envoyée "
                f"au guichet. Sans dépôt de votre part, ce brouillon sera supprimé le "
                f"{deletes_on:%d/%m/%Y}.\n\nPour la garder, connectez-vous à votre espace "
                "famille, complétez-la et cliquez sur « Déposer ma demande ». Besoin d'aide ? "
                "Le relais petite enfance ou le service petite enfance de votre commune peut "
                "vous accompagner." + _signature(),
            )
            if sent is not None:
                report.warned += 1
    report.deleted = purge_expired_drafts(today)
    return report
