"""Services of the conventions domain: content snapshots and versions, amendments and their
diff, evaluation report data, the bonus territoire computation, equipment per commune."""

import datetime
import difflib
import html
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from maillage.conventions.enums import (
    ActionStatus,
    BonusRule,
    ClauseKind,
    ReportKind,
)
from maillage.conventions.models import (
    Action,
    Amendment,
    Clause,
    Convention,
    ConventionVersion,
    Decision,
    Equipment,
    EvaluationReport,
    Meeting,
)
from maillage.core.concurrency import save_if_unchanged

CENT = Decimal("0.01")


# -- content snapshot and versions -------------------------------------------------------------
def snapshot_content(convention: Convention) -> dict:
    """The content of the convention as plain JSON: what an avenant may change."""
    axes = []
    for axis in convention.axes.prefetch_related("perspectives__actions__lead"):
        axes.append(
            {
                "code": axis.code,
                "title": axis.title,
                "perspectives": [
                    {
                        "code": p.code,
                        "title": p.title,
                        "actions": [
                            {
                                "code": a.code,
                                "title": a.title,
                                "lead": a.lead.slug,
                                "deadline": a.deadline.isoformat() if a.deadline else None,
                                "operational_objectives": a.operational_objectives,
                                "expected_results": a.expected_results,
                            }
                            for a in p.actions.all()
                        ],
                    }
                    for p in axis.perspectives.all()
                ],
            }
        )
    return {
        "format": 1,
        "title": convention.title,
        "kind": convention.kind,
        "period": {
            "start": convention.start_date.isoformat(),
            "years": convention.duration_years,
            "end": convention.end_date.isoformat(),
        },
        "renewal": convention.renewal,
        "notice_months": convention.notice_months,
        "parties": [
            {"organisation": p.organisation.slug, "name": p.organisation.name, "role": p.role}
            for p in convention.parties.select_related("organisation")
        ],
        "clauses": [
            {"number": c.number, "title": c.title, "kind": c.kind, "text": c.text}
            for c in convention.clauses.all()
        ],
        "objectives": [{"theme": o.theme, "text": o.text} for o in convention.objectives.all()],
        "axes": axes,
        "equipment": [
            {"commune": e.commune.name, "kind": e.kind, "name": e.name, "address": e.address}
            for e in convention.equipment.select_related("commune")
        ],
        "means": [
            {
                "organisation": m.organisation.slug,
                "label": m.label,
                "year": m.year,
                "amount": str(m.amount),
                "nature": m.nature,
            }
            for m in convention.means.select_related("organisation")
        ],
        "bodies": [
            {"code": b.code, "name": b.name, "rule": b.rule_text()}
            for b in convention.bodies.select_related("relative_to")
        ],
    }


def content_lines(content: dict) -> list[str]:
    """A readable, line-based rendering of a snapshot (what the diff compares)."""
    period = content["period"]
    lines = [
        f"# {content['title']}",
        f"Période : du {period['start']} au {period['end']} ({period['years']} ans)",
        f"Reconduction : {content['renewal']} ; préavis : {content['notice_months']} mois",
        "",
        "## Parties",
    ]
    lines += [f"- {p['name']} ({p['role']})" for p in content["parties"]]
    lines += ["", "## Clauses"]
    for clause in content["clauses"]:
        lines.append(f"### {clause['number']} {clause['title']}".rstrip())
        lines += clause["text"].splitlines()
    lines += ["", "## Objectifs partagés"]
    lines += [f"- {o['theme']} : {o['text']}" for o in content["objectives"]]
    lines += ["", "## Plan d'actions"]
    for axis in content["axes"]:
        lines.append(f"### Axe {axis['code']} {axis['title']}")
        for perspective in axis["perspectives"]:
            lines.append(f"{perspective['code']} {perspective['title']}")
            for action in perspective["actions"]:
                lines.append(
                    f"- Action {action['code']} {action['title']} (pilote : {action['lead']} ; "
                    f"échéance : {action['deadline'] or 'non fixée'})"
                )
    lines += ["", "## Annexe : équipements"]
    lines += [
        f"- {e['commune']} : {e['kind']} {e['name']} {e['address']}" for e in content["equipment"]
    ]
    lines += ["", "## Annexe : moyens mobilisés"]
    lines += [
        f"- {m['organisation']} {m['year']} : {m['label']} {m['amount']} € ({m['nature']})"
        for m in content["means"]
    ]
    lines += ["", "## Instances"]
    lines += [f"- {b['code']} {b['name']} : {b['rule']}" for b in content["bodies"]]
    return lines


def diff_text(before: dict, after: dict, *, before_label="avant", after_label="après") -> str:
    return "\n".join(
        difflib.unified_diff(
            content_lines(before),
            content_lines(after),
            fromfile=before_label,
            tofile=after_label,
            lineterm="",
            n=1,
        )
    )


def diff_html(text: str) -> str:
    """The unified diff as accessible HTML: <del>/<ins> lines with a visible sign."""
    rows = []
    for line in text.splitlines():
        if line.startswith(("---", "+++")):
            continue
        escaped = html.escape(line[1:] if line[:1] in "+- " else line)
        if line.startswith("@@"):
            rows.append('<div class="diff-hunk" aria-hidden="true">…</div>')
        elif line.startswith("+"):
            rows.append(
                f'<ins class="diff-add d-block"><span class="visually-hidden">Ajouté : </span>'
                f"+ {escaped}</ins>"
            )
        elif line.startswith("-"):
            rows.append(
                f'<del class="diff-del d-block"><span class="visually-hidden">Supprimé : </span>'
                f"− {escaped}</del>"
            )
        else:
            rows.append(f'<div class="diff-context">&nbsp; {escaped}</div>')
    return '<div class="diff">' + "\n".join(rows) + "</div>"


def current_version(convention: Convention) -> ConventionVersion:
    """The latest version; version 1 (the convention as signed) is created on first use."""
    version = convention.versions.order_by("-number").first()
    if version is None:
        version = ConventionVersion.objects.create(
            convention=convention, number=1, content=snapshot_content(convention)
        )
    return version


@transaction.atomic
def record_amendment(
    convention: Convention,
    *,
    title: str,
    signed_on: datetime.date | None = None,
    duration_years: int | None = None,
    clauses: list[dict] | None = None,
    refresh_equipment: bool = False,
    by=None,
    seen_version: int | None = None,
) -> Amendment:
    """Records an avenant. `clauses`: [{number, title, text}] — a clause with an existing number is
    replaced, a new number is added. Changes already made to the annexes are captured too.

    The convention is saved by compare-and-set against `seen_version` (the version the form was
    shown; None: as loaded): `ConcurrentEditError` when another avenant or edit came first."""
    before = current_version(convention)
    if duration_years is not None:
        convention.duration_years = duration_years
        try:
            convention.full_clean(validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
    save_if_unchanged(convention, seen_version, ["duration_years"])
    for change in clauses or []:
        number = change.get("number", "").strip()
        if not change.get("text", "").strip():
            raise ValidationError(f"Clause « {number} » : le texte est obligatoire.")
        clause = convention.clauses.filter(number=number).first() if number else None
        if clause is None:
            order = (convention.clauses.order_by("-order").first() or Clause(order=0)).order + 1
            Clause.objects.create(
                convention=convention,
                number=number,
                title=change.get("title", "").strip() or "Clause ajoutée par avenant",
                text=change["text"].strip(),
                kind=ClauseKind.GENERAL,
                order=order,
            )
        else:
            clause.text = change["text"].strip()
            if change.get("title", "").strip():
                clause.title = change["title"].strip()
            clause.save()
    if refresh_equipment:
        snapshot_equipment(convention)
    content = snapshot_content(convention)
    if content == before.content:
        raise ValidationError(
            "L'avenant ne modifie rien : aucune différence avec la version en vigueur."
        )
    after = ConventionVersion.objects.create(
        convention=convention, number=before.number + 1, content=content
    )
    number = convention.amendments.count() + 1
    return Amendment.objects.create(
        convention=convention,
        number=number,
        title=title,
        signed_on=signed_on,
        before=before,
        after=after,
        diff_text=diff_text(
            before.content,
            after.content,
            before_label=f"version {before.number}",
            after_label=f"version {after.number}",
        ),
        created_by=by,
    )


# -- bonus territoire ---------------------------------------------------------------------------
def share_bonus(amount: Decimal, rule: str, beneficiaries: list[tuple[str, int]]) -> list[dict]:
    """Shares `amount` among (name, places) beneficiaries, to the cent, with the computation shown.

    The cents left by rounding down go one by one to the largest remainders, so that the shares
    always add up to `amount` exactly.
    """
    amount = Decimal(amount)
    if not beneficiaries:
        return []
    if rule == BonusRule.PRO_RATA_PLACES:
        total = sum(places for _name, places in beneficiaries)
        if total <= 0:
            raise ValidationError(
                "Répartition au prorata des places impossible : aucune place renseignée."
            )
        weights = [Decimal(places) for _name, places in beneficiaries]
        denominator = Decimal(total)
    elif rule == BonusRule.EQUAL_SHARES:
        weights = [Decimal(1)] * len(beneficiaries)
        denominator = Decimal(len(beneficiaries))
    else:
        raise ValidationError(f"Règle de répartition inconnue : {rule}.")
    exact = [amount * w / denominator for w in weights]
    shares = [value.quantize(CENT, rounding=ROUND_DOWN) for value in exact]
    left = int(((amount - sum(shares)) / CENT).to_integral_value())
    by_remainder = sorted(range(len(exact)), key=lambda i: (exact[i] - shares[i], -i), reverse=True)
    for index in by_remainder[:left]:
        shares[index] += CENT
    rows = []
    for (name, places), share in zip(beneficiaries, shares, strict=True):
        if rule == BonusRule.PRO_RATA_PLACES:
            computation = f"{_euros(amount)} × {places} / {denominator} places"
        else:
            computation = f"{_euros(amount)} / {len(beneficiaries)} structures"
        rows.append({"name": name, "places": places, "share": share, "computation": computation})
    return rows


def _euros(value: Decimal) -> str:
    whole, _, cents = f"{value:.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{' '.join(groups)},{cents} €"


def bonus_shares(convention: Convention) -> list[dict]:
    bonus = getattr(convention, "bonus", None)
    if bonus is None or bonus.reference_amount is None:
        return []
    return share_bonus(
        bonus.reference_amount,
        bonus.rule,
        [(b.name, b.places) for b in bonus.beneficiaries.all()],
    )


# -- equipment per commune ----------------------------------------------------------------------
def snapshot_equipment(convention: Convention) -> int:
    """Copies the directory's active structures of the territory into the convention's annex
    (`Equipment`), replacing the previous copy; done at signature and by an avenant that asks for
    it. The annex is never read live: an import not yet reviewed in the directory cannot reach a
    signed document. Returns the number of rows; with an empty directory the annex is kept as it
    was (e.g. transcribed from the signed text)."""
    from maillage.directory.models import Structure

    communes = list(convention.territory.communes.all())
    structures = list(
        Structure.objects.filter(commune__in=communes, is_active=True)
        .select_related("commune")
        .order_by("commune__name", "kind", "name")
    )
    if not structures:
        return convention.equipment.count()
    convention.equipment.all().delete()
    Equipment.objects.bulk_create(
        Equipment(
            convention=convention,
            commune=s.commune,
            kind=s.get_kind_display()[:100],
            name=s.name[:300],
            address=" ".join(filter(None, [s.address, s.postal_code]))[:300],
            places=s.places_total or None,
            order=order,
        )
        for order, s in enumerate(structures)
    )
    return len(structures)


def equipment_by_commune(convention: Convention) -> tuple[list[tuple], str]:
    """[(commune, [rows])] of the convention's annex: the copy taken at signature or by an
    avenant (`snapshot_equipment`), or transcribed from the signed text — never the live
    directory."""
    communes = list(convention.territory.communes.order_by("name"))
    rows = {c.pk: [] for c in communes}
    for e in convention.equipment.all():
        rows.setdefault(e.commune_id, []).append(
            {"kind": e.kind, "name": e.name, "address": e.address, "places": e.places}
        )
    return [(c, rows[c.pk]) for c in communes if rows[c.pk]], "Annexe de la convention"


# -- evaluation ---------------------------------------------------------------------------------
def _period(convention: Convention, kind: str, year: int | None):
    if kind == ReportKind.ANNUAL:
        if year is None or year not in convention.years:
            raise ValidationError(
                f"Année attendue entre {convention.years[0]} et {convention.years[-1]}."
            )
        return max(datetime.date(year, 1, 1), convention.start_date), min(
            datetime.date(year, 12, 31), convention.end_date
        )
    return convention.start_date, convention.end_date


def _number(value):
    return None if value is None else float(value)


def report_data(convention: Convention, *, kind: str, year: int | None = None) -> dict:
    """What an evaluation report shows, computed from the data at generation time."""
    start, end = _period(convention, kind, year)
    actions = list(
        Action.objects.of(convention)
        .select_related("lead", "perspective__axis")
        .order_by("perspective__axis__order", "perspective__order", "order")
    )
    planned = [a for a in actions if a.status != ActionStatus.ABANDONED]
    # Planned by the end of the period: due by then, or already done.
    due = [
        a
        for a in planned
        if a.deadline is None or a.deadline <= end or a.status == ActionStatus.DONE
    ]
    counts = {status.value: 0 for status in ActionStatus}
    for action in actions:
        counts[action.status] += 1
    indicators = []
    for indicator in convention.indicators.select_related("action").order_by(
        "action__code", "order"
    ):
        latest = indicator.measurements.filter(on__lte=end).order_by("-on", "-id").first()
        value = _number(latest.value) if latest else None
        target = _number(indicator.target)
        indicators.append(
            {
                "id": indicator.pk,
                "label": indicator.label,
                "action": indicator.action.code if indicator.action else None,
                "unit": indicator.unit,
                "baseline": _number(indicator.baseline),
                "target": target,
                "value": value,
                "on": latest.on.isoformat() if latest else None,
                "source": latest.source if latest else "",
                "reached": (value >= target) if value is not None and target is not None else None,
            }
        )
    new_equipment = [
        {"commune": e.commune.name, "kind": e.kind, "name": e.name, "year": e.opened_year}
        for e in convention.equipment.select_related("commune")
        if e.opened_year and start.year <= e.opened_year <= end.year
    ]
    meetings = Meeting.objects.filter(body__convention=convention, date__range=(start, end))
    by_body = {}
    for meeting in meetings.select_related("body"):
        by_body[meeting.body.code] = by_body.get(meeting.body.code, 0) + 1
    decisions = [
        {
            "date": d.meeting.date.isoformat(),
            "body": d.meeting.body.code,
            "text": d.text,
            "actions": [a.code for a in d.actions.all()],
        }
        for d in Decision.objects.filter(meeting__in=meetings)
        .select_related("meeting__body")
        .prefetch_related("actions")
        .order_by("meeting__date", "id")
    ]
    missing = _missing(actions, indicators, by_body, decisions)
    questions = [
        {
            "text": q.text,
            "indicators": [i.label for i in q.indicators.all()],
        }
        for q in convention.evaluation_questions.prefetch_related("indicators")
    ]
    return {
        "convention": convention.slug,
        "title": convention.title,
        "kind": kind,
        "year": year,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "actions": [
            {
                "code": a.code,
                "title": a.title,
                "axis": a.perspective.axis.code,
                "status": a.status,
                "status_label": a.get_status_display(),
                "progress": a.progress,
                "lead": a.lead.name,
                "deadline": a.deadline.isoformat() if a.deadline else None,
            }
            for a in actions
        ],
        "counts": counts,
        "planned": len(due),
        "done": sum(1 for a in due if a.status == ActionStatus.DONE),
        "average_progress": round(sum(a.progress for a in planned) / len(planned))
        if planned
        else 0,
        "indicators": indicators,
        "new_equipment": new_equipment,
        "meetings": by_body,
        "decisions": decisions,
        "missing": missing,
        "questions": questions,
    }


def _missing(actions, indicators, meetings, decisions) -> list[str]:
    """What the report cannot say, in plain French, so that a reader knows what to enter."""
    missing = []
    unmeasured = [i["label"] for i in indicators if i["value"] is None]
    if unmeasured:
        missing.append(
            f"{len(unmeasured)} indicateur(s) sur {len(indicators)} sans aucune mesure saisie "
            f"à la fin de la période : {', '.join(unmeasured)}."
        )
    no_target = [i["label"] for i in indicators if i["target"] is None]
    if no_target:
        missing.append(f"{len(no_target)} indicateur(s) sans cible : {', '.join(no_target)}.")
    untouched = [a.code for a in actions if a.status == ActionStatus.NEW and a.progress == 0]
    if untouched:
        missing.append(
            f"{len(untouched)} fiche(s) action dont l'état et l'avancement n'ont jamais été "
            f"renseignés : {', '.join(untouched)}."
        )
    if not meetings:
        missing.append("Aucune réunion des instances enregistrée sur la période.")
    elif not decisions:
        missing.append("Aucune décision enregistrée dans les comptes rendus de la période.")
    return missing


def generate_report(convention, *, kind: str, year: int | None = None, by=None) -> EvaluationReport:
    """Creates (or refreshes the data of) the report, keeping its conclusions."""
    data = report_data(convention, kind=kind, year=year)
    report, _created = EvaluationReport.objects.get_or_create(
        convention=convention,
        kind=kind,
        year=year if kind == ReportKind.ANNUAL else None,
        defaults={"data": data, "generated_by": by},
    )
    report.data = data
    report.generated_by = by
    report.save()
    return report


# -- the plan as JSON (command line, API) ---------------------------------------------------------
def _indicator_dict(indicator) -> dict:
    latest = indicator.latest()
    return {
        "label": indicator.label,
        "unit": indicator.unit,
        "baseline": _number(indicator.baseline),
        "target": _number(indicator.target),
        "auto_source": indicator.auto_source or None,
        "latest": (
            {
                "value": _number(latest.value),
                "date": latest.on.isoformat(),
                "source": latest.source,
            }
            if latest
            else None
        ),
    }


def plan_report(convention: Convention) -> dict:
    """The action plan, indicators with their latest value, and the committee calendar."""
    axes = []
    for axis in convention.axes.prefetch_related("perspectives__actions__lead"):
        actions = []
        for perspective in axis.perspectives.all():
            for action in perspective.actions.all():
                actions.append(
                    {
                        "code": action.code,
                        "title": action.title,
                        "perspective": perspective.code,
                        "status": action.status,
                        "status_label": action.get_status_display(),
                        "progress": action.progress,
                        "lead": action.lead.slug,
                        "deadline": action.deadline.isoformat() if action.deadline else None,
                        "indicators": [_indicator_dict(i) for i in action.indicators.all()],
                    }
                )
        axes.append({"code": axis.code, "title": axis.title, "actions": actions})
    return {
        "convention": {
            "slug": convention.slug,
            "title": convention.title,
            "kind": convention.kind,
            "status": convention.status,
            "start": convention.start_date.isoformat(),
            "end": convention.end_date.isoformat(),
            "territory": convention.territory.slug,
        },
        "axes": axes,
        "indicators": [
            _indicator_dict(i) for i in convention.indicators.filter(action__isnull=True)
        ],
        "calendar": [event.as_dict() for event in convention.calendar()],
    }
