"""Who may read and change what in a convention. Views call the fetch-and-check helpers at the
bottom (`get_convention`, `get_convention_for_edit`, `get_action_for_edit`, …): they load the
object and raise Http404 / PermissionDenied (French) in one call, so no view re-codes a rule.

- Reading: any member (admin, agent, reader, elected) of an organisation that is a party to the
  convention (signatory, co-signatory or associated partner). Anyone else: refused.
- An action, its indicators and their measurements: admin or agent of the action's lead
  organisation, or of the Caf party (the Caf co-pilots the whole convention).
- Convention-wide content (status, clauses, amendments, governance rules, funding): admin or agent
  of the Caf party.
- Secretariat (meetings, minutes, decisions, evaluation reports and their conclusions): admin or
  agent of any signatory party — the chargé de coopération works for a commune.
- Adding to the action plan (an axis, a fiche action): admin or agent of any party while the
  plan is open — the same people who edit fiches: a fiche added by a partner is led by that
  partner; the Caf party chooses the lead among the parties.
- Means of one partner: admin or agent of that partner, or of the Caf party.

The party of the acting organisation is looked up once per convention and kept on the membership
object (which lives for one request): a page listing 30 actions asks the database once, not 30
times.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from maillage.accounts.enums import OrganisationKind, Role
from maillage.conventions.enums import PartyRole, ReportKind, ReportState
from maillage.conventions.models import (
    Action,
    Convention,
    EvaluationReport,
    GeneratedDocument,
    Indicator,
    Party,
)
from maillage.territories.models import TerritoryGroup

EDITOR_ROLES = (Role.ADMIN, Role.AGENT)

VIEW_REFUSED = "Cette convention n'est consultable que par les membres des organisations parties."
EDIT_CONVENTION_REFUSED = (
    "Seuls les administrateurs et agents de la Caf partie modifient la convention."
)
EDIT_ACTION_REFUSED = "Seul le pilote de l'action (ou la Caf) peut modifier la fiche."
MEASUREMENT_REFUSED = (
    "Seul le pilote de l'action (ou la Caf) peut saisir une mesure de cet indicateur."
)
SECRETARIAT_REFUSED = (
    "Seuls les administrateurs et agents des parties signataires assurent le secrétariat "
    "(réunions, rapports, conclusions)."
)
MEANS_REFUSED = "Seuls les administrateurs et agents des parties saisissent leurs moyens."
PLAN_LOCKED = (
    "Le plan d'actions est clos : l'évaluation de fin de convention a été adoptée. Les fiches, "
    "leur avancement et leurs indicateurs ne se modifient plus ; préparez la convention suivante "
    "pour poursuivre une action."
)
CREATE_REFUSED = (
    "Seuls les administrateurs et agents d'une organisation couvrant une commune du territoire "
    "(Caf, commune, intercommunalité, Département) créent une convention."
)
EXTEND_PLAN_REFUSED = (
    "Seuls les administrateurs et agents des parties ajoutent des axes et des fiches actions."
)
PREPARE_NEXT_REFUSED = (
    "Seuls les administrateurs et agents des parties signataires préparent la convention suivante."
)
CREATOR_KINDS = (
    OrganisationKind.CAF,
    OrganisationKind.COMMUNE,
    OrganisationKind.EPCI,
    OrganisationKind.DEPARTEMENT,
)


def _convention_id(obj) -> int:
    """The convention of a convention, an action (through its axis) or any object with one."""
    if isinstance(obj, Convention):
        return obj.pk
    if isinstance(obj, Action):
        return obj.perspective.axis.convention_id
    return obj.convention_id


def _party(membership, convention_or_id) -> Party | None:
    if membership is None:
        return None
    convention_id = (
        convention_or_id if isinstance(convention_or_id, int) else _convention_id(convention_or_id)
    )
    cache = membership.__dict__.setdefault("_convention_parties", {})
    if convention_id not in cache:
        cache[convention_id] = (
            Party.objects.filter(
                convention_id=convention_id, organisation_id=membership.organisation_id
            )
            .select_related("organisation")
            .first()
        )
    return cache[convention_id]


def _is_editor(membership) -> bool:
    return membership is not None and membership.role in EDITOR_ROLES


def is_caf_party(membership, convention) -> bool:
    party = _party(membership, convention)
    return party is not None and party.organisation.kind == OrganisationKind.CAF


def can_view_convention(membership, convention) -> bool:
    return _party(membership, convention) is not None


def require_view_convention(membership, convention) -> None:
    if not can_view_convention(membership, convention):
        raise PermissionDenied(VIEW_REFUSED)


def can_edit_convention(membership, convention) -> bool:
    return _is_editor(membership) and is_caf_party(membership, convention)


def can_run_secretariat(membership, convention) -> bool:
    party = _party(membership, convention)
    return (
        _is_editor(membership)
        and party is not None
        and party.role in (PartyRole.SIGNATORY, PartyRole.CO_SIGNATORY)
    )


def plan_locked(membership, convention_or_id) -> bool:
    """The action plan is closed once the convention's final evaluation is adopted: no fiche,
    progress or action indicator changes after that. Looked up once per convention and request
    (kept on the membership object, like the party)."""
    convention_id = (
        convention_or_id if isinstance(convention_or_id, int) else _convention_id(convention_or_id)
    )
    cache = {} if membership is None else membership.__dict__.setdefault("_plan_locked", {})
    if convention_id not in cache:
        cache[convention_id] = is_plan_locked(convention_id)
    return cache[convention_id]


def is_plan_locked(convention_id: int) -> bool:
    return EvaluationReport.objects.filter(
        convention_id=convention_id, kind=ReportKind.FINAL, state=ReportState.ADOPTED
    ).exists()


def can_edit_action(membership, action) -> bool:
    if not _is_editor(membership):
        return False
    if plan_locked(membership, action):
        return False
    if membership.organisation_id == action.lead_id:
        return can_view_convention(membership, action)
    return is_caf_party(membership, action)


def can_extend_plan(membership, convention) -> bool:
    """Adding an axis or a fiche action (see the module's docstring)."""
    return (
        _is_editor(membership)
        and can_view_convention(membership, convention)
        and not plan_locked(membership, convention)
    )


def plan_leads(membership, convention, parties=None) -> list:
    """The organisations a member may name lead of a new fiche: every party for the Caf, else
    their own organisation (so that they can go on editing the fiche). `parties`: the
    convention's parties with their organisations, when the caller has them loaded."""
    if not can_extend_plan(membership, convention):
        return []
    if is_caf_party(membership, convention):
        if parties is None:
            parties = convention.parties.select_related("organisation")
        return [p.organisation for p in parties]
    return [_party(membership, convention).organisation]


def can_record_measurement(membership, indicator) -> bool:
    if indicator.action_id:
        return can_edit_action(membership, indicator.action)
    return can_run_secretariat(membership, indicator)


def can_edit_means(membership, entry) -> bool:
    if not _is_editor(membership):
        return False
    if membership.organisation_id == entry.organisation_id:
        return can_view_convention(membership, entry)
    return is_caf_party(membership, entry)


def means_organisations(membership, convention) -> list:
    """The partners whose means (and chargé de coopération posts) the member may record: all
    parties for the Caf, else their own organisation when it is a party."""
    parties = [p.organisation for p in convention.parties.select_related("organisation")]
    if can_edit_convention(membership, convention):
        return parties
    if _is_editor(membership):
        return [o for o in parties if o.pk == membership.organisation_id]
    return []


def creatable_territories(membership):
    """The territory groups a member may create a convention for: an admin or agent of a Caf,
    commune, intercommunality or Département covering at least one commune of the group, or
    named party for the group (`Organisation.territory_groups`)."""
    if not _is_editor(membership) or membership.organisation.kind not in CREATOR_KINDS:
        return TerritoryGroup.objects.none()
    organisation = membership.organisation
    return (
        TerritoryGroup.objects.filter(
            Q(communes__in=organisation.communes.all()) | Q(parties=organisation)
        )
        .distinct()
        .order_by("name")
    )


def can_create_convention(membership) -> bool:
    return creatable_territories(membership).exists()


def can_prepare_next(membership, convention) -> bool:
    """Preparing the next convention: the secretariat (admin or agent of a signatory party)."""
    return can_run_secretariat(membership, convention)


def require(allowed: bool, message: str = "Vous ne pouvez pas modifier cet élément.") -> None:
    if not allowed:
        raise PermissionDenied(message)


# -- fetch and check in one call ------------------------------------------------------------------
def get_convention(membership, slug: str) -> Convention:
    """The convention if the member's organisation is a party to it (404 / 403 otherwise)."""
    convention = Convention.objects.select_related("territory").filter(slug=slug).first()
    if convention is None:
        raise Http404("Convention introuvable.")
    require_view_convention(membership, convention)
    return convention


def get_convention_for_edit(membership, slug: str, message: str = EDIT_CONVENTION_REFUSED):
    convention = get_convention(membership, slug)
    require(can_edit_convention(membership, convention), message)
    return convention


def get_convention_for_secretariat(membership, slug: str, message: str = SECRETARIAT_REFUSED):
    convention = get_convention(membership, slug)
    require(can_run_secretariat(membership, convention), message)
    return convention


def get_action(membership, slug: str, code: str) -> tuple[Convention, Action]:
    convention = get_convention(membership, slug)
    action = (
        Action.objects.of(convention)
        .select_related("lead", "perspective__axis")
        .filter(code=code)
        .first()
    )
    if action is None:
        raise Http404("Fiche action introuvable.")
    return convention, action


def get_action_for_edit(
    membership, slug: str, code: str, message: str = EDIT_ACTION_REFUSED
) -> tuple[Convention, Action]:
    convention, action = get_action(membership, slug, code)
    if _is_editor(membership) and plan_locked(membership, convention):
        raise PermissionDenied(PLAN_LOCKED)
    require(can_edit_action(membership, action), message)
    return convention, action


def get_convention_for_plan(membership, slug: str) -> Convention:
    """The convention whose action plan the member may extend (PLAN_LOCKED once closed)."""
    convention = get_convention(membership, slug)
    if _is_editor(membership) and plan_locked(membership, convention):
        raise PermissionDenied(PLAN_LOCKED)
    require(can_extend_plan(membership, convention), EXTEND_PLAN_REFUSED)
    return convention


def get_indicator_for_measurement(membership, slug: str, pk: int) -> tuple[Convention, Indicator]:
    convention = get_convention(membership, slug)
    indicator = (
        Indicator.objects.select_related("action__perspective__axis")
        .filter(pk=pk, convention=convention)
        .first()
    )
    if indicator is None:
        raise Http404("Indicateur introuvable.")
    if indicator.action_id and _is_editor(membership) and plan_locked(membership, convention):
        raise PermissionDenied(PLAN_LOCKED)
    require(can_record_measurement(membership, indicator), MEASUREMENT_REFUSED)
    return convention, indicator


def get_report(membership, slug: str, pk: int) -> tuple[Convention, EvaluationReport]:
    convention = get_convention(membership, slug)
    report = EvaluationReport.objects.filter(pk=pk, convention=convention).first()
    if report is None:
        raise Http404("Rapport introuvable.")
    return convention, report


def get_convention_for_next(membership, slug: str) -> Convention:
    convention = get_convention(membership, slug)
    require(can_prepare_next(membership, convention), PREPARE_NEXT_REFUSED)
    return convention


def require_create_convention(membership) -> None:
    require(can_create_convention(membership), CREATE_REFUSED)


def get_report_for_secretariat(
    membership, slug: str, pk: int, message: str = SECRETARIAT_REFUSED
) -> tuple[Convention, EvaluationReport]:
    convention, report = get_report(membership, slug, pk)
    require(can_run_secretariat(membership, convention), message)
    return convention, report


def get_means_organisations(membership, slug: str, message: str = MEANS_REFUSED):
    """The convention and the partners the member records means for (403 when none)."""
    convention = get_convention(membership, slug)
    organisations = means_organisations(membership, convention)
    require(bool(organisations), message)
    return convention, organisations


def get_document(membership, slug: str, pk: int) -> tuple[Convention, GeneratedDocument]:
    """A generated document of the convention (readers of the convention may download it)."""
    convention = get_convention(membership, slug)
    document = (
        GeneratedDocument.objects.select_related("job").filter(pk=pk, convention=convention).first()
    )
    if document is None:
        raise Http404("Document introuvable.")
    return convention, document
