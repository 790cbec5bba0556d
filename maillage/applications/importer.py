"""Import of an existing waiting list (CSV or XLSX), format v1: docs/guichet.md and the
specification of the import format. Two steps: `check()` validates every line (French,
line-numbered errors: the header is line 1), `apply()` writes the valid rows through the domain
services. Re-importing a `reference` updates that application, never duplicates it."""

import datetime
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from maillage.applications import services
from maillage.applications.changes import queue_changed
from maillage.applications.enums import Source, State
from maillage.applications.models import Application, Child, Household, Wish
from maillage.audit.models import AuditAction
from maillage.audit.services import record, record_many
from maillage.core.imports import IMPORT_CHUNK, ImportLimitError, chunked, iter_table
from maillage.directory.importers import ImportFileError
from maillage.directory.models import Structure
from maillage.territories.models import Commune

__all__ = ["ImportFileError", "ImportResult", "check", "apply", "run_import"]

REQUIRED = [
    "reference",
    "famille",
    "enfant_prenom",
    "enfant_nom",
    "commune_residence",
    "date_demande",
    "date_entree_souhaitee",
    "jours_par_semaine",
    "voeux",
    "parents_en_activite",
    "famille_monoparentale",
    "parcours_insertion",
]
OPTIONAL = [
    "date_naissance",
    "date_naissance_prevue",
    "fratrie_ensemble",
    "accepte_assistant_maternel",
    "handicap_enfant",
    "fratrie_accueillie",
    "quotient_familial",
    "courriel",
    "telephone",
]
HOUSEHOLD_COLUMNS = [
    "commune_residence",
    "parents_en_activite",
    "famille_monoparentale",
    "parcours_insertion",
    "quotient_familial",
    "courriel",
    "telephone",
]
PHONE = re.compile(r"^\+?[0-9 .\-()]{6,20}$")
MAX_ROWS = 50_000


@dataclass
class Row:
    line: int
    raw: dict
    values: dict = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "warnings": self.warnings,
        }


DATE_FR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _date(raw: str) -> datetime.date | None:
    raw = raw.strip()
    # the two usual forms without strptime (a third of the check of a long list)
    if match := DATE_FR.match(raw):
        day, month, year = match.groups()
        return datetime.date(int(year), int(month), int(day))  # ValueError if not a real date
    if match := DATE_ISO.match(raw):
        year, month, day = match.groups()
        return datetime.date(int(year), int(month), int(day))
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ValueError


def _yes_no(row: Row, column: str, default: bool | None = None) -> bool | None:
    raw = row.raw.get(column, "").strip().lower()
    if not raw:
        if default is None:
            row.error(column, "Valeur obligatoire : « oui » ou « non ».")
        return default
    if raw in ("oui", "non"):
        return raw == "oui"
    row.error(column, f"« {row.raw[column]} » : attendu « oui » ou « non ».")
    return default


def _structure(identifier: str, structures_by_id, structures_by_ext):
    identifier = identifier.strip()
    if identifier.isdigit():
        found = structures_by_id.get(int(identifier))
        if found is not None:
            return found
    return structures_by_ext.get(identifier)


def _parse_row(row: Row, ctx: dict) -> None:
    raw = row.raw
    v = row.values
    today = ctx["today"]
    for column in ("reference", "famille"):
        text = raw.get(column, "").strip()
        if not text:
            row.error(column, "Valeur obligatoire.")
        elif len(text) > 60:
            row.error(column, "60 caractères au plus.")
        v[column] = text
    for column in ("enfant_prenom", "enfant_nom"):
        text = raw.get(column, "").strip()
        if not text:
            row.error(column, "Valeur obligatoire.")
        elif len(text) > 100:
            row.error(column, "100 caractères au plus.")
        v[column] = text
    dates = {}
    for column in (
        "date_naissance",
        "date_naissance_prevue",
        "date_demande",
        "date_entree_souhaitee",
    ):
        text = raw.get(column, "").strip()
        if not text:
            dates[column] = None
            if column in ("date_demande", "date_entree_souhaitee"):
                row.error(column, "Date obligatoire (JJ/MM/AAAA ou AAAA-MM-JJ).")
            continue
        try:
            dates[column] = _date(text)
        except ValueError:
            dates[column] = None
            row.error(
                column, f"« {text} » n'est pas une date réelle au format JJ/MM/AAAA ou AAAA-MM-JJ."
            )
    born, expected = dates["date_naissance"], dates["date_naissance_prevue"]
    has_born = bool(raw.get("date_naissance", "").strip())
    has_expected = bool(raw.get("date_naissance_prevue", "").strip())
    if has_born and has_expected:
        row.error(
            "date_naissance_prevue",
            "Indiquez la date de naissance ou la date prévue, pas les deux.",
        )
    elif not has_born and not has_expected:
        row.error("date_naissance", "Indiquez la date de naissance ou la date prévue de naissance.")
    if born is not None:
        if born > today:
            row.error(
                "date_naissance",
                "La date de naissance est dans le futur : utilisez date_naissance_prevue.",
            )
        elif born < services.add_months(today, -72):
            row.error("date_naissance", "L'enfant a plus de 6 ans.")
    if expected is not None and expected > services.add_months(today, 10):
        row.error("date_naissance_prevue", "La naissance prévue est à plus de 10 mois.")
    start = dates["date_entree_souhaitee"]
    reference_date = born or expected
    if start is not None and reference_date is not None and start < reference_date:
        row.error("date_entree_souhaitee", "L'entrée souhaitée est avant la naissance.")
    if dates["date_demande"] is not None and dates["date_demande"] > today:
        row.error("date_demande", "La date de la demande est dans le futur.")
    v.update(dates)
    # commune
    insee = raw.get("commune_residence", "").strip()
    if insee.isdigit() and len(insee) == 4:
        insee = insee.zfill(5)  # a spreadsheet drops the leading zero of 01… to 09…
    commune = ctx["communes"].get(insee)
    if not insee:
        row.error("commune_residence", "Code INSEE obligatoire.")
    elif len(insee) != 5:
        row.error("commune_residence", f"« {insee} » : un code INSEE a 5 caractères.")
    elif commune is None:
        row.error("commune_residence", f"Commune de code INSEE « {insee} » inconnue.")
    v["commune"] = commune
    # integers
    days = raw.get("jours_par_semaine", "").strip()
    if days in {"1", "2", "3", "4", "5"}:
        v["days"] = int(days)
    else:
        row.error("jours_par_semaine", f"« {days} » : un nombre entier de 1 à 5.")
    working = raw.get("parents_en_activite", "").strip()
    if working in {"0", "1", "2"}:
        v["parents_working"] = int(working)
    else:
        row.error("parents_en_activite", f"« {working} » : 0, 1 ou 2.")
    qf = raw.get("quotient_familial", "").strip()
    v["quotient"] = None
    if qf:
        if qf.isdigit():
            v["quotient"] = int(qf)
        else:
            row.error("quotient_familial", f"« {qf} » : un nombre entier d'euros.")
    # yes / no
    v["single_parent"] = _yes_no(row, "famille_monoparentale")
    v["pathway"] = _yes_no(row, "parcours_insertion")
    v["siblings_together"] = _yes_no(row, "fratrie_ensemble", False)
    v["childminder"] = _yes_no(row, "accepte_assistant_maternel", False)
    v["disability"] = _yes_no(row, "handicap_enfant", False)
    # contact
    email = raw.get("courriel", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            row.error("courriel", f"« {email} » n'est pas une adresse électronique valide.")
    v["email"] = email
    phone = raw.get("telephone", "").strip()
    if phone and not PHONE.match(phone):
        row.error("telephone", f"« {phone} » n'est pas un numéro de téléphone.")
    v["phone"] = phone
    # wishes
    wishes_raw = [w.strip() for w in raw.get("voeux", "").split("|") if w.strip()]
    rules = ctx["rules"]
    structures = []
    if not wishes_raw:
        row.error("voeux", "Au moins un vœu est obligatoire.")
    for identifier in wishes_raw:
        structure = _structure(identifier, ctx["participating_by_id"], ctx["participating_by_ext"])
        if structure is None:
            row.error(
                "voeux",
                f"« {identifier} » n'est pas une structure participant au guichet unique du "
                "territoire.",
            )
        else:
            structures.append(structure)
    if len(wishes_raw) > rules.max_wishes:
        row.error(
            "voeux", f"{len(wishes_raw)} vœux : {rules.max_wishes} au plus sur ce territoire."
        )
    if len({s.pk for s in structures}) != len(structures):
        row.error("voeux", "Une même structure apparaît deux fois dans les vœux.")
    v["structures"] = structures
    sibling = raw.get("fratrie_accueillie", "").strip()
    v["sibling_structure"] = None
    if sibling:
        v["sibling_structure"] = _structure(sibling, ctx["all_by_id"], ctx["all_by_ext"])
        if v["sibling_structure"] is None:
            row.error("fratrie_accueillie", f"Structure « {sibling} » inconnue.")


class _Lookup:
    """A dict-like lookup that queries the database one key at a time (single records)."""

    def __init__(self, fetch):
        self.fetch = fetch

    def get(self, key):
        return self.fetch(key)


def _context(territory, *, preload: bool) -> dict:
    rules = services.rules_for(territory)
    participating = list(rules.participating_structures.all())
    ctx = {
        "today": timezone.localdate(),
        "rules": rules,
        "participating_by_id": {s.pk: s for s in participating},
        "participating_by_ext": {s.external_id: s for s in participating if s.external_id},
    }
    if preload:
        structures = list(Structure.objects.only("pk", "external_id", "name"))
        ctx["communes"] = {
            c.insee_code: c for c in Commune.objects.only("pk", "insee_code", "name")
        }
        ctx["all_by_id"] = {s.pk: s for s in structures}
        ctx["all_by_ext"] = {s.external_id: s for s in structures if s.external_id}
    else:
        ctx["communes"] = _Lookup(lambda code: Commune.objects.filter(insee_code=code).first())
        ctx["all_by_id"] = _Lookup(lambda pk: Structure.objects.filter(pk=pk).first())
        ctx["all_by_ext"] = _Lookup(
            lambda ext: Structure.objects.filter(external_id=ext).first() if ext else None
        )
    return ctx


def _household_signature(row: Row) -> dict:
    v = row.values
    return {
        "commune_residence": v["commune"].pk if v["commune"] else None,
        "parents_en_activite": v.get("parents_working"),
        "famille_monoparentale": v["single_parent"],
        "parcours_insertion": v["pathway"],
        "quotient_familial": v["quotient"],
        "courriel": v["email"].lower(),
        "telephone": v["phone"],
    }


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """Rows of a CSV or XLSX waiting list, with the bounded, French-speaking readers of imports."""
    try:
        return list(iter_table(io.BytesIO(content), filename))
    except ImportLimitError as exc:
        raise ImportFileError(str(exc)) from exc


def check(content: bytes, filename: str, territory) -> ImportResult:
    """Parse and validate every line; nothing is written."""
    result = ImportResult()
    table = read_table(content, filename)
    table = [r for r in table if any((c or "").strip() for c in r)] if table else []
    if not table:
        result.errors.append({"line": 1, "column": "", "message": "Le fichier est vide."})
        return result
    header = [(c or "").strip().lstrip("\ufeff") for c in table[0]]
    for column in REQUIRED:
        if column not in header:
            result.errors.append(
                {
                    "line": 1,
                    "column": column,
                    "message": f"Colonne obligatoire « {column} » absente.",
                }
            )
    for column in header:
        if column and column not in REQUIRED + OPTIONAL:
            result.warnings.append(
                {
                    "line": 1,
                    "column": column,
                    "message": f"Colonne « {column} » inconnue : ignorée.",
                }
            )
    if result.errors:
        return result
    if len(table) - 1 > MAX_ROWS:
        result.errors.append(
            {
                "line": 1,
                "column": "",
                "message": f"Plus de {MAX_ROWS} lignes : découpez le fichier.",
            }
        )
        return result
    ctx = _context(territory, preload=True)
    seen_references: dict[str, int] = {}
    families: dict[str, tuple[int, dict]] = {}
    for index, cells in enumerate(table[1:], start=2):
        raw = {name: (cells[i] if i < len(cells) else "") or "" for i, name in enumerate(header)}
        row = Row(line=index, raw={k: str(val) for k, val in raw.items()})
        _parse_row(row, ctx)
        if not row.errors:
            reference = row.values["reference"]
            if reference in seen_references:
                row.error(
                    "reference",
                    f"Référence « {reference} » déjà utilisée ligne {seen_references[reference]}.",
                )
            family = row.values["famille"]
            signature = _household_signature(row)
            if not row.errors and family in families:
                first_line, first = families[family]
                for column, value in signature.items():
                    if first[column] != value:
                        row.error(
                            column,
                            f"Contredit la ligne {first_line} pour la même famille "
                            f"« {family} » (les enfants d'une famille partagent cette valeur).",
                        )
            if not row.errors:
                seen_references[reference] = index
                families.setdefault(family, (index, signature))
        for column, message in row.errors:
            result.errors.append({"line": row.line, "column": column, "message": message})
        result.rows.append(row)
    return result


def _application_data(v: dict) -> services.ApplicationData:
    return services.ApplicationData(
        desired_start=v["date_entree_souhaitee"],
        days_per_week=v["days"],
        accepts_childminder=v["childminder"],
        siblings_together=v["siblings_together"],
        sibling_structure=v["sibling_structure"],
        external_reference=v["reference"],
        registered_on=v["date_demande"],
    )


def _household_values(v: dict) -> dict:
    return {
        "commune": v["commune"],
        "parents_working": v["parents_working"],
        "single_parent": v["single_parent"],
        "integration_pathway": v["pathway"],
        "family_quotient": v["quotient"],
        "email": v["email"],
        "phone": v["phone"],
    }


def _household_changes(household: Household, wanted: dict) -> list[str]:
    return [
        key
        for key, value in wanted.items()
        if (
            household.commune_id != value.pk
            if key == "commune"
            else getattr(household, key) != value
        )
    ]


def _child_values(v: dict) -> dict:
    return {
        "first_name": v["enfant_prenom"],
        "last_name": v["enfant_nom"],
        "birth_date": v["date_naissance"],
        "expected_date": v["date_naissance_prevue"],
        "disability": v["disability"],
    }


class _Writer:
    """Writes the valid rows of a checked file by chunks, in bulk: the households, children,
    applications and wishes of a chunk are read in a few queries and created by `bulk_create`,
    the numbers of the new applications reserved by one update of the counter, their audit
    entries written in one statement. Applications already imported (same `reference`) that
    changed go through the domain services one by one (re-imports change few rows)."""

    def __init__(self, territory, result: ImportResult, *, actor, organisation):
        self.territory = territory
        self.result = result
        self.actor = actor if getattr(actor, "pk", None) else None
        self.organisation = organisation
        self.rules = services.rules_for(territory)
        self.today = timezone.localdate()
        self.households: dict[str, Household] = {}  # by family reference, across chunks
        self.seen_families: set[str] = set()

    def write_chunk(self, rows: list[Row]) -> None:
        queue_changed()  # applications, households, children and wishes of the chunk
        families = {row.values["famille"] for row in rows} - set(self.households)
        if families:
            for household in Household.objects.filter(
                territory=self.territory, external_reference__in=families
            ):
                self.households.setdefault(household.external_reference, household)
        existing = {
            a.external_reference: a
            for a in Application.objects.filter(
                territory=self.territory,
                external_reference__in=[row.values["reference"] for row in rows],
            ).select_related("child", "household", "territory")
        }
        wishes: dict[int, list[int]] = {}
        for application_id, structure_id in (
            Wish.objects.filter(application__in=list(existing.values()))
            .order_by("application_id", "rank")
            .values_list("application_id", "structure_id")
        ):
            wishes.setdefault(application_id, []).append(structure_id)
        with transaction.atomic():
            changed_family = self._write_households(rows)
            to_create, to_update = [], []
            for row in rows:
                v = row.values
                household = self.households[v["famille"]]
                household_changed = changed_family.pop(v["famille"], False)
                application = existing.get(v["reference"])
                if application is None:
                    to_create.append((v, household))
                    continue
                child = application.child
                child_changed = any(
                    getattr(child, k) != value for k, value in _child_values(v).items()
                )
                data = _application_data(v)
                app_changed = application.household_id != household.pk or any(
                    (
                        application.sibling_structure_id != (value.pk if value else None)
                        if k == "sibling_structure"
                        else getattr(application, k) != value
                    )
                    for k, value in data.__dict__.items()
                )
                wishes_changed = wishes.get(application.pk, []) != [s.pk for s in v["structures"]]
                if child_changed or app_changed or wishes_changed or household_changed:
                    to_update.append((v, household, application, household_changed))
                else:
                    self.result.unchanged += 1
            moved = []
            for v, household, application, household_changed in to_update:
                if application.household_id != household.pk:
                    moved.append(application)
                _update_row(v, household, application, household_changed, self.actor)
                self.result.updated += 1
            # last: the counter row stays locked from the reservation of the numbers to the
            # commit, and families submitting meanwhile wait for it
            created = self._create(to_create)
            # the children of one `famille` (one household) are linked, across batches and
            # with the family's applications already known (`services.link_siblings`); a
            # re-import also links rows imported before this rule
            if moved:
                services.link_siblings(*moved, prune=True)
            services.link_siblings(*existing.values(), *created)

    def _write_households(self, rows: list[Row]) -> dict[str, bool]:
        """Create the new households, update the known ones whose values changed; returns, for
        each family of the chunk seen for the first time in this import, whether its household
        changed (a change counts once, on the family's first row, as a row-by-row write would)."""
        new, updated, changed = [], [], {}
        now = timezone.now()
        for row in rows:
            family = row.values["famille"]
            if family in changed or family in self.seen_families:
                continue
            wanted = _household_values(row.values)
            household = self.households.get(family)
            if household is None:
                household = Household(territory=self.territory, external_reference=family, **wanted)
                self.households[family] = household
                new.append(household)
                changed[family] = True
                continue
            differences = _household_changes(household, wanted)
            for key in differences:
                setattr(household, key, wanted[key])
            if differences:
                household.updated_at = now
                updated.append(household)
            changed[family] = bool(differences)
        self.seen_families.update(changed)
        Household.objects.bulk_create(new, batch_size=500)
        if updated:
            Household.objects.bulk_update(
                updated, [*_household_values_fields(), "updated_at"], batch_size=500
            )
        return changed

    def _create(self, to_create: list[tuple[dict, Household]]) -> list[Application]:
        if not to_create:
            return []
        children = [Child(household=household, **_child_values(v)) for v, household in to_create]
        Child.objects.bulk_create(children, batch_size=500)
        applications = [
            services.build_application(
                self.territory, household, child, _application_data(v), rules=self.rules,
                today=self.today, actor=self.actor, number="", source=Source.IMPORT,
                state=State.WAITING if child.is_born else State.AWAITING_BIRTH,
            )
            for (v, household), child in zip(to_create, children, strict=True)
        ]  # fmt: skip
        numbers = services.reserve_numbers(
            self.territory, self.rules.number_prefix, self.today.year, len(applications)
        )
        for application, number in zip(applications, numbers, strict=True):
            application.number = number
        Application.objects.bulk_create(applications, batch_size=500)
        _insert_wishes(
            (application.pk, structure.pk, rank)
            for (v, _household), application in zip(to_create, applications, strict=True)
            for rank, structure in enumerate(v["structures"], 1)
        )
        record_many(
            AuditAction.CREATE,
            applications,
            actor=self.actor,
            organisation=self.organisation,
            message=f"Demande créée ({Source.IMPORT.label.lower()})",
        )
        self.result.created += len(applications)
        return applications


def _insert_wishes(rows) -> None:
    """(application id, structure id, rank) rows in one parameterised statement: three wishes a
    row on average, the most numerous records of an import, without a model instance each."""
    table = connection.ops.quote_name(Wish._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (application_id, structure_id, rank) VALUES (%s, %s, %s)",
            list(rows),
        )


def _household_values_fields() -> list[str]:
    return ["commune", "parents_working", "single_parent", "integration_pathway",
            "family_quotient", "email", "phone"]  # fmt: skip


def _update_row(v: dict, household, application, household_changed: bool, actor) -> None:
    """An application already imported whose row changed: through the domain services (audit
    of the changed fields, birth confirmed by the workflow)."""
    child = application.child
    child_values = _child_values(v)
    child_changed = [k for k, value in child_values.items() if getattr(child, k) != value]
    data = _application_data(v)
    app_changed = [k for k, value in data.__dict__.items() if getattr(application, k) != value] + (
        ["household"] if application.household_id != household.pk else []
    )
    wishes_changed = list(
        application.wishes.order_by("rank").values_list("structure_id", flat=True)
    ) != [s.pk for s in v["structures"]]
    if child_changed:
        for key in child_changed:
            setattr(child, key, child_values[key])
        child.household = household
        child.save()
    if application.household_id != household.pk:
        Application.objects.filter(pk=application.pk).update(household=household)
        application.household = household
    services.update_application(application, data, v["structures"], seen_version=None, actor=actor)
    if child.is_born and application.state in (State.AWAITING_BIRTH, State.ON_HOLD):
        services.confirm_birth(application, child.birth_date, actor=actor)
    elif household_changed and not (child_changed or app_changed or wishes_changed):
        record(
            AuditAction.UPDATE, actor=actor, obj=application, message="Foyer mis à jour (import)"
        )


def _import_summary(result: ImportResult, valid: list[Row]) -> dict:
    return {"created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "skipped": len(result.rows) - len(valid)}  # fmt: skip


def apply(
    result: ImportResult, territory, *, actor=None, skip_invalid=False, filename=""
) -> ImportResult:
    """Write the valid rows (all or nothing unless `skip_invalid`), in one transaction."""
    if result.errors and not skip_invalid:
        return result
    valid = [row for row in result.rows if not row.errors]
    with transaction.atomic():
        writer = _Writer(territory, result, actor=actor, organisation=None)
        for rows in chunked(valid, IMPORT_CHUNK):
            writer.write_chunk(rows)
        record(
            AuditAction.IMPORT,
            actor=actor,
            obj=territory,
            changes=_import_summary(result, valid),
            message=f"Import de liste d'attente {filename}"[:500],
        )
    return result


def write_valid_rows(
    result: ImportResult,
    territory,
    *,
    actor,
    organisation,
    filename="",
    progress=None,
    chunk_size: int = IMPORT_CHUNK,
) -> ImportResult:
    """Write the valid rows of a checked file by chunks (one transaction per chunk, so that the
    site keeps answering and progress can be shown); a chunk interrupted is rolled back and
    re-importing the file completes it (references are updated, never duplicated)."""
    valid = [row for row in result.rows if not row.errors]
    writer = _Writer(territory, result, actor=actor, organisation=organisation)
    done = 0
    for rows in chunked(valid, chunk_size):
        writer.write_chunk(rows)
        done += len(rows)
        if progress is not None:
            progress(done, len(valid))
    record(
        AuditAction.IMPORT,
        actor=actor,
        organisation=organisation,
        obj=territory,
        changes=_import_summary(result, valid),
        message=f"Import de liste d'attente {filename}"[:500],
    )
    return result


def error_lines(result: ImportResult) -> int:
    return len({e["line"] for e in result.errors})


def run_import(
    content: bytes, filename: str, territory, *, dry_run=False, skip_invalid=False, actor=None
) -> ImportResult:
    result = check(content, filename, territory)
    if dry_run:
        return result  # counts are rows written: none
    return apply(result, territory, actor=actor, skip_invalid=skip_invalid, filename=filename)


# --- one record from the API ------------------------------------------------------------------


def _as_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return "|".join(_as_cell(v) for v in value)
    return str(value)


def create_from_record(territory, record_values: dict, *, actor, organisation):
    """One application sent by another software, with the fields of the import format (`voeux`
    as a list). A `reference` already known for the territory returns the existing application.
    Returns (application, created, errors): errors is a list of {"field", "message"}."""
    reference = str(record_values.get("reference") or "").strip()
    if reference:
        existing = Application.objects.filter(
            territory=territory, external_reference=reference
        ).first()
        if existing is not None:
            return existing, False, []
    raw = {k: _as_cell(v) for k, v in record_values.items()}
    if not raw.get("date_demande"):
        raw["date_demande"] = timezone.localdate().isoformat()
    row = Row(line=1, raw=raw)
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL) - {"territoire"})
    for name in unknown:
        row.error(name, f"Champ « {name} » inconnu.")
    for name in REQUIRED:
        if name not in raw:
            row.error(name, "Champ obligatoire.")
    if not row.errors:
        _parse_row(row, _context(territory, preload=False))
    if row.errors:
        return None, False, [{"field": c, "message": m} for c, m in row.errors]
    v = row.values
    with transaction.atomic():
        household = Household.objects.filter(
            territory=territory, external_reference=v["famille"]
        ).first() or Household.objects.create(
            territory=territory,
            external_reference=v["famille"],
            commune=v["commune"],
            parents_working=v["parents_working"],
            single_parent=v["single_parent"],
            integration_pathway=v["pathway"],
            family_quotient=v["quotient"],
            email=v["email"],
            phone=v["phone"],
        )
        child = Child.objects.create(
            household=household,
            first_name=v["enfant_prenom"],
            last_name=v["enfant_nom"],
            birth_date=v["date_naissance"],
            expected_date=v["date_naissance_prevue"],
            disability=v["disability"],
        )
        data = _application_data(v)
        application = services.create_application(
            territory, household, child, data, v["structures"], actor=actor,
            organisation=organisation, source=Source.API,
        )  # fmt: skip
        try:
            services.submit(application, actor=actor, organisation=organisation)
        except services.GuichetError as exc:
            transaction.set_rollback(True)
            return None, False, [{"field": "date_naissance_prevue", "message": str(exc)}]
        Application.objects.filter(pk=application.pk).update(registered_on=v["date_demande"])
        application.registered_on = v["date_demande"]
        # same `famille` = same household: linked to the open applications of its other children
        services.link_siblings(application)
    return application, True, []
