"""Import of a convention from a YAML file (format documented in docs/conventions.md).

Validation is strict and complete: every problem is reported at once, each with the file, the
path of the value (`axes[2].actions[0].deadline`) and what is expected, in French. Nothing is
written unless the whole file is valid.
"""

import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.db import transaction

from maillage.accounts.models import Organisation
from maillage.conventions.enums import (
    ActionStatus,
    AutoSource,
    BodyKind,
    BonusRule,
    ClauseKind,
    ConventionKind,
    ConventionStatus,
    Frequency,
    FundingNature,
    MeansKind,
    PartyRole,
    RenewalRule,
)
from maillage.conventions.models import (
    RESERVED_SLUGS,
    Action,
    Axis,
    Body,
    BonusBeneficiary,
    Clause,
    CommuneCompetence,
    CompetenceItem,
    Convention,
    CooperationPost,
    Equipment,
    EvaluationQuestion,
    Indicator,
    MeansEntry,
    Objective,
    Party,
    Perspective,
    TerritoryBonus,
    Zone,
)
from maillage.territories.models import TerritoryGroup

FORMAT = "maillage-convention/1"


class ConventionImportError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


class _Checker:
    def __init__(self, filename: str):
        self.filename = filename
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{self.filename} : {path or '(racine)'} : {message}")

    @staticmethod
    def join(path: str, key) -> str:
        if isinstance(key, int):
            return f"{path}[{key}]"
        return f"{path}.{key}" if path else key

    def mapping(self, value, path: str, required=(), optional=()) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, f"dictionnaire (clé : valeur) attendu, reçu {_kind(value)}.")
            return None
        allowed = set(required) | set(optional)
        for key in value:
            if key not in allowed:
                self.error(
                    self.join(path, key),
                    f"clé inconnue « {key} » ; clés permises : {', '.join(sorted(allowed))}.",
                )
        for key in required:
            if key not in value or value[key] in (None, ""):
                self.error(self.join(path, key), "valeur obligatoire manquante.")
        return value

    def string(self, data, key, path, *, required=False, max_length=None, default="") -> str:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.error(self.join(path, key), f"texte attendu, reçu {_kind(value)}.")
            return default
        value = value.strip()
        if max_length and len(value) > max_length:
            self.error(self.join(path, key), f"{max_length} caractères au plus ({len(value)}).")
        return value

    def strings(self, data, key, path) -> list[str]:
        """A list of texts; a single text is accepted as a one-item list."""
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        if not isinstance(value, list):
            self.error(self.join(path, key), f"liste de textes attendue, reçu {_kind(value)}.")
            return []
        out = []
        for index, item in enumerate(value):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str):
                self.error(
                    self.join(self.join(path, key), index), f"texte attendu, reçu {_kind(item)}."
                )
                continue
            out.append(item.strip())
        return out

    def integer(self, data, key, path, *, minimum=None, maximum=None, default=None):
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(self.join(path, key), f"nombre entier attendu, reçu « {value} ».")
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f"entre {minimum} et {maximum}" if maximum is not None else f"≥ {minimum}"
            self.error(self.join(path, key), f"nombre {bounds} attendu, reçu {value}.")
            return default
        return value

    def decimal(self, data, key, path, *, minimum=None, default=None):
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            self.error(self.join(path, key), f"nombre attendu, reçu « {value} ».")
            return default
        try:
            number = Decimal(str(value).replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            self.error(self.join(path, key), f"nombre attendu (ex. 1250.50), reçu « {value} ».")
            return default
        if minimum is not None and number < minimum:
            self.error(self.join(path, key), f"nombre ≥ {minimum} attendu, reçu {value}.")
            return default
        return number

    def date(self, data, key, path, *, default=None):
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(self.join(path, key), f"date attendue au format AAAA-MM-JJ, reçu « {value} ».")
        return default

    def choice(self, data, key, path, choices, *, default=None):
        value = data.get(key)
        if value is None:
            return default
        if value not in choices.values:
            options = ", ".join(f"{v} ({label})" for v, label in choices.choices)
            self.error(self.join(path, key), f"valeur « {value} » inconnue ; attendu : {options}.")
            return default
        return value

    def items(self, data, key, path, *, required=False) -> list[tuple[str, object]]:
        value = data.get(key)
        if value is None:
            if required:
                self.error(self.join(path, key), "liste obligatoire manquante.")
            return []
        if not isinstance(value, list):
            self.error(self.join(path, key), f"liste attendue, reçu {_kind(value)}.")
            return []
        return [(self.join(self.join(path, key), i), item) for i, item in enumerate(value)]


def _kind(value) -> str:
    if value is None:
        return "une valeur vide"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, (int, float)):
        return f"le nombre {value}"
    if isinstance(value, str):
        return f"le texte « {value[:40]} »"
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "un dictionnaire"
    return type(value).__name__


TOP_REQUIRED = ("format", "slug", "kind", "title", "territory", "period", "parties")
TOP_OPTIONAL = (
    "status",
    "signed_on",
    "signed_place",
    "renewal",
    "notice_months",
    "summary",
    "clauses",
    "competences",
    "objectives",
    "zones",
    "axes",
    "indicators",
    "evaluation",
    "governance",
    "equipment",
    "means",
    "bonus_territoire",
    "cooperation",
)
ACTION_REQUIRED = ("code", "title", "perspective", "lead")
ACTION_OPTIONAL = (
    "status",
    "progress",
    "partner_organisations",
    "communes",
    "zone",
    "diagnosis",
    "target_public",
    "operational_objectives",
    "implementation",
    "deadline",
    "deadline_label",
    "services",
    "partners",
    "expected_results",
    "indicators",
)
INDICATOR_OPTIONAL = (
    "unit",
    "baseline",
    "baseline_date",
    "target",
    "frequency",
    "source",
    "auto_source",
    "commune",
)


def validate(data, filename: str) -> tuple[dict, list[str]]:
    """Checks the whole document; returns the cleaned plan and the list of errors."""
    c = _Checker(filename)
    plan: dict = {}
    root = c.mapping(data, "", TOP_REQUIRED, TOP_OPTIONAL)
    if root is None:
        return plan, c.errors
    if root.get("format") not in (None, "") and root.get("format") != FORMAT:
        c.error("format", f"« {FORMAT} » attendu, reçu « {root.get('format')} ».")
    plan["slug"] = c.string(root, "slug", "", max_length=120)
    if plan["slug"] and not all(ch.isalnum() or ch == "-" for ch in plan["slug"]):
        c.error("slug", "identifiant en minuscules, chiffres et tirets attendu.")
    if plan["slug"] in RESERVED_SLUGS:
        c.error(
            "slug",
            f"l'identifiant « {plan['slug']} » est réservé par le site (adresse d'une page) : "
            "choisissez-en un autre.",
        )
    plan["kind"] = c.choice(root, "kind", "", ConventionKind)
    plan["title"] = c.string(root, "title", "", max_length=300)
    plan["status"] = c.choice(root, "status", "", ConventionStatus, default=ConventionStatus.DRAFT)
    plan["signed_on"] = c.date(root, "signed_on", "")
    plan["signed_place"] = c.string(root, "signed_place", "", max_length=120)
    plan["renewal"] = c.choice(root, "renewal", "", RenewalRule, default=RenewalRule.EXPRESS)
    plan["notice_months"] = c.integer(root, "notice_months", "", minimum=0, maximum=24, default=6)
    plan["summary"] = c.string(root, "summary", "")

    territory = None
    slug = c.string(root, "territory", "")
    if slug:
        territory = TerritoryGroup.objects.filter(slug=slug).first()
        if territory is None:
            c.error("territory", f"territoire « {slug} » introuvable (identifiant d'un groupe).")
    plan["territory"] = territory
    communes = {co.insee_code: co for co in territory.communes.all()} if territory else {}

    def commune(value, path):
        code = str(value).strip()
        if territory is not None and code not in communes:
            c.error(
                path,
                f"commune « {code} » hors du territoire ; codes INSEE attendus : "
                f"{', '.join(sorted(communes))}.",
            )
            return None
        return communes.get(code)

    def commune_list(data, key, path):
        out = []
        for subpath, value in c.items(data, key, path):
            found = commune(value, subpath)
            if found:
                out.append(found)
        return out

    organisations: dict[str, Organisation] = {}

    def organisation(value, path):
        slug = str(value or "").strip()
        if slug not in organisations:
            organisations[slug] = Organisation.objects.filter(slug=slug).first()
        if organisations[slug] is None:
            c.error(path, f"organisation « {slug} » introuvable (identifiant attendu).")
        return organisations[slug]

    period = (
        c.mapping(root.get("period"), "period", ("start", "years")) if "period" in root else None
    )
    plan["start"] = c.date(period, "start", "period") if period else None
    plan["years"] = c.integer(period, "years", "period", minimum=1, maximum=5) if period else None
    if period and period.get("years") is not None and plan["years"] is None:
        pass  # already reported: "nombre entre 1 et 5 attendu"

    plan["parties"] = []
    party_orgs = set()
    for path, item in c.items(root, "parties", "", required=True):
        item = c.mapping(
            item, path, ("organisation",), ("role", "signatories", "designation", "deliberation")
        )
        if item is None:
            continue
        org = organisation(item.get("organisation"), c.join(path, "organisation"))
        if org and org.pk in party_orgs:
            c.error(c.join(path, "organisation"), f"organisation « {org.slug} » déjà partie.")
        if org:
            party_orgs.add(org.pk)
        signatories = []
        for spath, s in c.items(item, "signatories", path):
            s = c.mapping(s, spath, ("name",), ("title",))
            if s is not None:
                signatories.append(
                    {"name": c.string(s, "name", spath), "title": c.string(s, "title", spath)}
                )
        plan["parties"].append(
            {
                "organisation": org,
                "role": c.choice(item, "role", path, PartyRole, default=PartyRole.SIGNATORY),
                "signatories": signatories,
                "designation": c.string(item, "designation", path, max_length=200),
                "deliberation": c.string(item, "deliberation", path, max_length=300),
            }
        )

    plan["clauses"] = []
    for path, item in c.items(root, "clauses", ""):
        item = c.mapping(item, path, ("title", "text"), ("number", "kind"))
        if item is not None:
            plan["clauses"].append(
                {
                    "number": c.string(item, "number", path, max_length=40),
                    "title": c.string(item, "title", path, max_length=300),
                    "kind": c.choice(item, "kind", path, ClauseKind, default=ClauseKind.GENERAL),
                    "text": c.string(item, "text", path),
                }
            )

    plan["competence_items"], plan["competences"] = [], []
    comp = root.get("competences")
    if comp is not None:
        comp = c.mapping(comp, "competences", ("items",), ("communes",))
    if comp:
        keys = set()
        for path, item in c.items(comp, "items", "competences"):
            item = c.mapping(item, path, ("key", "theme", "label"))
            if item is None:
                continue
            key = c.string(item, "key", path, max_length=60)
            if key in keys:
                c.error(c.join(path, "key"), f"clé « {key} » en double.")
            keys.add(key)
            plan["competence_items"].append(
                {
                    "key": key,
                    "theme": c.string(item, "theme", path, max_length=100),
                    "label": c.string(item, "label", path, max_length=300),
                }
            )
        per_commune = comp.get("communes") or {}
        if not isinstance(per_commune, dict):
            c.error("competences.communes", "dictionnaire code INSEE → compétences attendu.")
            per_commune = {}
        for code, entry in per_commune.items():
            path = f"competences.communes.{code}"
            found = commune(code, path)
            entry = c.mapping(entry, path, (), ("exercised", "details"))
            if entry is None:
                continue
            details = entry.get("details") or {}
            if not isinstance(details, dict):
                c.error(c.join(path, "details"), "dictionnaire clé → précision attendu.")
                details = {}
            for i, key in enumerate(c.strings(entry, "exercised", path)):
                if key not in keys:
                    c.error(
                        f"{path}.exercised[{i}]",
                        f"compétence « {key} » absente de competences.items.",
                    )
                elif found:
                    plan["competences"].append((found, key, str(details.get(key) or "")))
            for key in details:
                if key not in keys:
                    c.error(f"{path}.details.{key}", f"compétence « {key} » inconnue.")

    plan["objectives"] = []
    for path, item in c.items(root, "objectives", ""):
        item = c.mapping(item, path, ("theme", "objectives"))
        if item is not None:
            theme = c.string(item, "theme", path, max_length=100)
            for text in c.strings(item, "objectives", path):
                plan["objectives"].append({"theme": theme, "text": text})

    plan["zones"] = []
    zone_names = set()
    for path, item in c.items(root, "zones", ""):
        item = c.mapping(item, path, ("name",), ("communes", "diagnosis", "target"))
        if item is None:
            continue
        name = c.string(item, "name", path, max_length=200)
        zone_names.add(name)
        plan["zones"].append(
            {
                "name": name,
                "communes": commune_list(item, "communes", path),
                "diagnosis": c.string(item, "diagnosis", path),
                "target": c.string(item, "target", path),
            }
        )

    def indicator(item, path) -> dict | None:
        if isinstance(item, str):
            return {"label": item.strip()}
        item = c.mapping(item, path, ("label",), INDICATOR_OPTIONAL)
        if item is None:
            return None
        found_commune = (
            commune(item["commune"], c.join(path, "commune")) if item.get("commune") else None
        )
        return {
            "label": c.string(item, "label", path, max_length=400),
            "unit": c.string(item, "unit", path, max_length=60),
            "baseline": c.decimal(item, "baseline", path),
            "baseline_date": c.date(item, "baseline_date", path),
            "target": c.decimal(item, "target", path),
            "frequency": c.choice(item, "frequency", path, Frequency, default=Frequency.YEARLY),
            "source": c.string(item, "source", path, max_length=300),
            "auto_source": c.choice(item, "auto_source", path, AutoSource, default=""),
            "commune": found_commune,
        }

    plan["axes"] = []
    action_codes: set[str] = set()
    for path, item in c.items(root, "axes", ""):
        item = c.mapping(
            item, path, ("code", "title"), ("theme", "diagnosis", "perspectives", "actions")
        )
        if item is None:
            continue
        axis = {
            "code": c.string(item, "code", path, max_length=10),
            "title": c.string(item, "title", path, max_length=300),
            "theme": c.string(item, "theme", path, max_length=100),
            "diagnosis": c.string(item, "diagnosis", path),
            "perspectives": [],
            "actions": [],
        }
        codes = set()
        for ppath, p in c.items(item, "perspectives", path):
            p = c.mapping(p, ppath, ("code", "title"), ("operational",))
            if p is None:
                continue
            code = c.string(p, "code", ppath, max_length=10)
            codes.add(code)
            axis["perspectives"].append(
                {
                    "code": code,
                    "title": c.string(p, "title", ppath, max_length=300),
                    "operational": c.strings(p, "operational", ppath),
                }
            )
        for apath, a in c.items(item, "actions", path):
            a = c.mapping(a, apath, ACTION_REQUIRED, ACTION_OPTIONAL)
            if a is None:
                continue
            code = c.string(a, "code", apath, max_length=12)
            if code in action_codes:
                c.error(c.join(apath, "code"), f"action « {code} » en double.")
            action_codes.add(code)
            perspective = c.string(a, "perspective", apath)
            if perspective and perspective not in codes:
                c.error(
                    c.join(apath, "perspective"),
                    f"perspective « {perspective} » absente de {path}.perspectives "
                    f"(codes : {', '.join(sorted(codes)) or 'aucun'}).",
                )
            lead = organisation(a.get("lead"), c.join(apath, "lead")) if a.get("lead") else None
            if lead and lead.pk not in party_orgs:
                c.error(c.join(apath, "lead"), f"le pilote « {lead.slug} » doit être une partie.")
            zone = c.string(a, "zone", apath)
            if zone and zone not in zone_names:
                c.error(c.join(apath, "zone"), f"zone « {zone} » absente de zones.")
            partners = []
            for ppath, slug in c.items(a, "partner_organisations", apath):
                org = organisation(slug, ppath)
                if org:
                    partners.append(org)
            indicators = []
            for ipath, i in c.items(a, "indicators", apath):
                found = indicator(i, ipath)
                if found:
                    indicators.append(found)
            axis["actions"].append(
                {
                    "code": code,
                    "title": c.string(a, "title", apath, max_length=400),
                    "perspective": perspective,
                    "lead": lead,
                    "status": c.choice(a, "status", apath, ActionStatus, default=ActionStatus.NEW),
                    "progress": c.integer(a, "progress", apath, minimum=0, maximum=100, default=0),
                    "partner_organisations": partners,
                    "communes": commune_list(a, "communes", apath),
                    "zone": zone,
                    "deadline": c.date(a, "deadline", apath),
                    "deadline_label": c.string(a, "deadline_label", apath, max_length=100),
                    "indicators": indicators,
                    **{
                        key: c.strings(a, key, apath)
                        for key in (
                            "diagnosis",
                            "target_public",
                            "operational_objectives",
                            "implementation",
                            "services",
                            "partners",
                            "expected_results",
                        )
                    },
                }
            )
        plan["axes"].append(axis)

    plan["indicators"] = []
    for path, item in c.items(root, "indicators", ""):
        found = indicator(item, path)
        if found:
            plan["indicators"].append(found)

    plan["evaluation_method"], plan["questions"] = "", []
    evaluation = root.get("evaluation")
    if evaluation is not None:
        evaluation = c.mapping(evaluation, "evaluation", (), ("method", "questions"))
    if evaluation:
        plan["evaluation_method"] = c.string(evaluation, "method", "evaluation")
        for path, q in c.items(evaluation, "questions", "evaluation"):
            q = c.mapping(q, path, ("text",), ("indicators",))
            if q is None:
                continue
            indicators = []
            for ipath, i in c.items(q, "indicators", path):
                found = indicator(i, ipath)
                if found:
                    indicators.append(found)
            plan["questions"].append({"text": c.string(q, "text", path), "indicators": indicators})

    plan["bodies"] = []
    governance = root.get("governance")
    if governance is not None:
        governance = c.mapping(governance, "governance", ("bodies",))
    if governance:
        body_codes = [b.get("code") for b in governance.get("bodies") or [] if isinstance(b, dict)]
        for path, b in c.items(governance, "bodies", "governance"):
            b = c.mapping(
                b,
                path,
                ("code", "kind", "name"),
                (
                    "missions",
                    "members",
                    "member_organisations",
                    "meetings_per_year",
                    "first_month",
                    "day",
                    "relative_to",
                    "offset_months",
                    "offset_days",
                    "documents_days_before",
                ),
            )
            if b is None:
                continue
            relative_to = c.string(b, "relative_to", path)
            if relative_to and relative_to not in body_codes:
                c.error(c.join(path, "relative_to"), f"instance « {relative_to} » inconnue.")
            if relative_to and b.get("meetings_per_year"):
                c.error(
                    c.join(path, "meetings_per_year"),
                    "une instance relative à une autre (relative_to) n'a pas de nombre de "
                    "réunions par an propre.",
                )
            members = []
            for mpath, slug in c.items(b, "member_organisations", path):
                org = organisation(slug, mpath)
                if org:
                    members.append(org)
            plan["bodies"].append(
                {
                    "code": c.string(b, "code", path, max_length=30),
                    "kind": c.choice(b, "kind", path, BodyKind),
                    "name": c.string(b, "name", path, max_length=200),
                    "missions": c.strings(b, "missions", path),
                    "members": c.strings(b, "members", path),
                    "member_organisations": members,
                    "meetings_per_year": c.integer(
                        b, "meetings_per_year", path, minimum=0, maximum=12, default=0
                    ),
                    "first_month": c.integer(
                        b, "first_month", path, minimum=1, maximum=12, default=6
                    ),
                    "day": c.integer(b, "day", path, minimum=1, maximum=31, default=15),
                    "relative_to": relative_to,
                    "offset_months": c.integer(
                        b, "offset_months", path, minimum=0, maximum=12, default=0
                    ),
                    "offset_days": c.integer(
                        b, "offset_days", path, minimum=0, maximum=365, default=0
                    ),
                    "documents_days_before": c.integer(
                        b, "documents_days_before", path, minimum=0, maximum=365, default=0
                    ),
                }
            )

    plan["equipment"] = []
    for path, e in c.items(root, "equipment", ""):
        e = c.mapping(e, path, ("commune", "kind", "name"), ("address", "opened_year", "places"))
        if e is None:
            continue
        plan["equipment"].append(
            {
                "commune": commune(e.get("commune"), c.join(path, "commune")),
                "kind": c.string(e, "kind", path, max_length=100),
                "name": c.string(e, "name", path, max_length=300),
                "address": c.string(e, "address", path, max_length=300),
                "opened_year": c.integer(e, "opened_year", path, minimum=1900, maximum=2100),
                "places": c.integer(e, "places", path, minimum=0, maximum=10000),
            }
        )

    plan["means"] = []
    for path, m in c.items(root, "means", ""):
        m = c.mapping(
            m, path, ("organisation", "kind", "label", "year", "amount", "nature"), ("action",)
        )
        if m is None:
            continue
        action = c.string(m, "action", path)
        if action and action not in action_codes:
            c.error(c.join(path, "action"), f"action « {action} » absente du plan.")
        plan["means"].append(
            {
                "organisation": organisation(m.get("organisation"), c.join(path, "organisation")),
                "kind": c.choice(m, "kind", path, MeansKind),
                "label": c.string(m, "label", path, max_length=300),
                "action": action,
                "year": c.integer(m, "year", path, minimum=1990, maximum=2100),
                "amount": c.decimal(m, "amount", path, minimum=0),
                "nature": c.choice(m, "nature", path, FundingNature),
            }
        )

    plan["bonus"] = None
    bonus = root.get("bonus_territoire")
    if bonus is not None:
        bonus = c.mapping(
            bonus,
            "bonus_territoire",
            ("reference_year",),
            ("reference_amount", "rule", "note", "beneficiaries"),
        )
    if bonus:
        beneficiaries = []
        for path, b in c.items(bonus, "beneficiaries", "bonus_territoire"):
            b = c.mapping(b, path, ("name",), ("commune", "places"))
            if b is not None:
                beneficiaries.append(
                    {
                        "name": c.string(b, "name", path, max_length=300),
                        "commune": commune(b["commune"], c.join(path, "commune"))
                        if b.get("commune")
                        else None,
                        "places": c.integer(b, "places", path, minimum=0, maximum=10000, default=0),
                    }
                )
        plan["bonus"] = {
            "reference_year": c.integer(
                bonus, "reference_year", "bonus_territoire", minimum=1990, maximum=2100
            ),
            "reference_amount": c.decimal(bonus, "reference_amount", "bonus_territoire", minimum=0),
            "rule": c.choice(
                bonus, "rule", "bonus_territoire", BonusRule, default=BonusRule.PRO_RATA_PLACES
            ),
            "note": c.string(bonus, "note", "bonus_territoire"),
            "beneficiaries": beneficiaries,
        }

    plan["cooperation"] = []
    for path, p in c.items(root, "cooperation", ""):
        p = c.mapping(
            p, path, ("organisation", "person", "year", "fte", "caf_amount", "local_amount")
        )
        if p is None:
            continue
        plan["cooperation"].append(
            {
                "organisation": organisation(p.get("organisation"), c.join(path, "organisation")),
                "person": c.string(p, "person", path, max_length=200),
                "year": c.integer(p, "year", path, minimum=1990, maximum=2100),
                "fte": c.decimal(p, "fte", path, minimum=0),
                "caf_amount": c.decimal(p, "caf_amount", path, minimum=0),
                "local_amount": c.decimal(p, "local_amount", path, minimum=0),
            }
        )
    return plan, c.errors


def _create_indicator(convention, data, *, action=None, order=0) -> Indicator:
    return Indicator.objects.create(
        convention=convention,
        action=action,
        order=order,
        **{k: v for k, v in data.items() if k in ("label",) + INDICATOR_OPTIONAL and v is not None},
    )


@transaction.atomic
def import_plan(plan: dict, *, source: str, replace: bool) -> Convention:
    convention = Convention.objects.filter(slug=plan["slug"]).first()
    if convention is not None and not replace:
        raise ConventionImportError(
            [
                f"{source} : slug : la convention « {plan['slug']} » existe déjà ; "
                "relancez avec --remplacer pour la remplacer (ses mesures, réunions et avenants "
                "seront supprimés)."
            ]
        )
    if convention is not None:
        convention.delete()
    convention = Convention.objects.create(
        slug=plan["slug"],
        kind=plan["kind"],
        title=plan["title"],
        territory=plan["territory"],
        start_date=plan["start"],
        duration_years=plan["years"],
        status=plan["status"],
        signed_on=plan["signed_on"],
        signed_place=plan["signed_place"],
        renewal=plan["renewal"],
        notice_months=plan["notice_months"],
        summary=plan["summary"],
        evaluation_method=plan["evaluation_method"],
        source=source,
    )
    for order, p in enumerate(plan["parties"]):
        Party.objects.create(convention=convention, order=order, **p)
    for order, clause in enumerate(plan["clauses"]):
        Clause.objects.create(convention=convention, order=order, **clause)
    items = {}
    for order, item in enumerate(plan["competence_items"]):
        items[item["key"]] = CompetenceItem.objects.create(
            convention=convention, order=order, **item
        )
    for commune, key, detail in plan["competences"]:
        CommuneCompetence.objects.create(item=items[key], commune=commune, detail=detail)
    for order, objective in enumerate(plan["objectives"]):
        Objective.objects.create(convention=convention, order=order, **objective)
    zones = {}
    for z in plan["zones"]:
        zone = Zone.objects.create(
            convention=convention, name=z["name"], diagnosis=z["diagnosis"], target=z["target"]
        )
        zone.communes.set(z["communes"])
        zones[z["name"]] = zone
    actions = []
    for axis_order, a in enumerate(plan["axes"]):
        axis = Axis.objects.create(
            convention=convention,
            code=a["code"],
            title=a["title"],
            theme=a["theme"],
            diagnosis=a["diagnosis"],
            order=axis_order,
        )
        perspectives = {}
        for order, p in enumerate(a["perspectives"]):
            perspectives[p["code"]] = Perspective.objects.create(axis=axis, order=order, **p)
        for order, data in enumerate(a["actions"]):
            simple = {
                k: v
                for k, v in data.items()
                if k
                not in ("perspective", "partner_organisations", "communes", "zone", "indicators")
            }
            action = Action.objects.create(
                perspective=perspectives[data["perspective"]],
                zone=zones.get(data["zone"]),
                order=order,
                **simple,
            )
            action.partner_organisations.set(data["partner_organisations"])
            action.communes.set(data["communes"])
            for i, ind in enumerate(data["indicators"]):
                _create_indicator(convention, ind, action=action, order=i)
            actions.append(action)
    for action in actions:
        action.refresh_references()
    for i, ind in enumerate(plan["indicators"]):
        _create_indicator(convention, ind, order=100 + i)
    for order, q in enumerate(plan["questions"]):
        question = EvaluationQuestion.objects.create(
            convention=convention, text=q["text"], order=order
        )
        question.indicators.set(
            [
                _create_indicator(convention, ind, order=200 + i)
                for i, ind in enumerate(q["indicators"])
            ]
        )
    bodies = {}
    for order, b in enumerate(plan["bodies"]):
        data = {k: v for k, v in b.items() if k not in ("relative_to", "member_organisations")}
        bodies[b["code"]] = Body.objects.create(convention=convention, order=order, **data)
        bodies[b["code"]].member_organisations.set(b["member_organisations"])
    for b in plan["bodies"]:
        if b["relative_to"]:
            body = bodies[b["code"]]
            body.relative_to = bodies[b["relative_to"]]
            body.save(update_fields=["relative_to"])
    for order, e in enumerate(plan["equipment"]):
        Equipment.objects.create(convention=convention, order=order, **e)
    by_code = {a.code: a for a in actions}
    for m in plan["means"]:
        MeansEntry.objects.create(
            convention=convention, **{**m, "action": by_code.get(m["action"])}
        )
    if plan["bonus"]:
        data = dict(plan["bonus"])
        beneficiaries = data.pop("beneficiaries")
        bonus = TerritoryBonus.objects.create(convention=convention, **data)
        for b in beneficiaries:
            BonusBeneficiary.objects.create(bonus=bonus, **b)
    for p in plan["cooperation"]:
        CooperationPost.objects.create(convention=convention, **p)
    return convention


MAX_YAML_CHARS = 2_000_000  # a convention is a few hundred lines
MAX_YAML_DEPTH = 40
MAX_YAML_NODES = 200_000
MAX_YAML_ALIASES = 100
MAX_YAML_INT = 10**15


class _Refused(Exception):
    """A YAML document the guarded loader refuses (message in French)."""


class GuardedLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` with limits, so that a hostile file fails fast with a French message:
    alias bombs (« billion laughs »: a few aliases repeated exponentially), nesting deeper
    than MAX_YAML_DEPTH (the composer is recursive), too many nodes, integers beyond ±10^15
    (Python refuses more than 4 300 digits with an English message), .inf and .nan."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise _Refused(
                    f"plus de {MAX_YAML_ALIASES} alias (*nom) : un fichier de convention n'en a "
                    "pas besoin"
                )
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise _Refused(f"plus de {MAX_YAML_NODES} éléments")
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(f"plus de {MAX_YAML_DEPTH} niveaux d'imbrication")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node):
        digits = node.value.replace("_", "").lstrip("+-")
        if len(digits) > 20:
            raise _Refused(f"nombre de {len(digits)} chiffres, bien trop grand")
        value = super().construct_yaml_int(node)
        if abs(value) > MAX_YAML_INT:
            raise _Refused(f"nombre {value} trop grand (au plus 10^15)")
        return value

    def construct_yaml_float(self, node):
        value = super().construct_yaml_float(node)
        if value != value or value in (float("inf"), float("-inf")):
            raise _Refused(f"« {node.value} » n'est pas un nombre admis")
        return value


def _check_expanded_size(data) -> None:
    """Refuse a document whose aliases, once expanded, make more than MAX_YAML_NODES elements
    (the loader shares aliased nodes, but every later walk would visit each copy), or that
    contains itself (an anchor used inside its own node)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(value) -> int:
        if not isinstance(value, dict | list):
            return 1
        key = id(value)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _Refused("un alias se contient lui-même (structure sans fin)")
        active.add(key)
        children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_YAML_NODES:
                raise _Refused(
                    f"plus de {MAX_YAML_NODES} éléments une fois les alias (*nom) développés"
                )
        active.discard(key)
        sizes[key] = total
        return total

    size(data)


GuardedLoader.add_constructor("tag:yaml.org,2002:int", GuardedLoader.construct_yaml_int)
GuardedLoader.add_constructor("tag:yaml.org,2002:float", GuardedLoader.construct_yaml_float)


def load_text(text: str, filename: str):
    """The YAML document, read by the guarded safe loader; ConventionImportError (French)
    for anything unreadable or hostile."""
    if len(text) > MAX_YAML_CHARS:
        raise ConventionImportError(
            [f"{filename} : fichier trop volumineux (plus de {MAX_YAML_CHARS:,} caractères)."
             .replace(",", " ")]
        )  # fmt: skip
    try:
        data = yaml.load(text, Loader=GuardedLoader)  # noqa: S506 - a SafeLoader subclass
        _check_expanded_size(data)
        return data
    except _Refused as exc:
        raise ConventionImportError([f"{filename} : YAML refusé : {exc}."]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else "position inconnue"
        raise ConventionImportError(
            [f"{filename} : YAML illisible ({where}) : syntaxe incorrecte (guillemet, crochet "
             "ou indentation)."]
        ) from None  # fmt: skip
    except (yaml.YAMLError, ValueError, RecursionError):
        raise ConventionImportError(
            [f"{filename} : YAML illisible : ce n'est pas un fichier de convention."]
        ) from None


def import_text(text: str, *, filename: str, replace: bool = False) -> Convention:
    data = load_text(text, filename)
    plan, errors = validate(data, filename)
    if errors:
        raise ConventionImportError(errors)
    return import_plan(plan, source=filename, replace=replace)


def import_file(path, *, replace: bool = False) -> Convention:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConventionImportError([f"{path} : fichier introuvable."]) from exc
    except UnicodeDecodeError as exc:
        raise ConventionImportError([f"{path} : encodage UTF-8 attendu."]) from exc
    return import_text(text, filename=path.name, replace=replace)
