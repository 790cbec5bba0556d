"""Generated documents: the convention with its annexes, and evaluation reports, as DOCX
(python-docx) and PDF (WeasyPrint, from an HTML template)."""

import io

from django.template.loader import render_to_string

from maillage.conventions.enums import PartyRole
from maillage.conventions.models import Action, Convention, EvaluationReport
from maillage.conventions.services import bonus_shares, equipment_by_commune

FIELDS = [
    ("diagnosis", "Diagnostic initial"),
    ("target_public", "Public cible"),
    ("operational_objectives", "Objectifs opérationnels"),
    ("implementation", "Modalités de mise en œuvre"),
    ("services", "Services mobilisés et responsables de l'action"),
    ("partners", "Partenaires sollicités"),
    ("expected_results", "Résultats attendus"),
]


def competence_grid(convention: Convention, communes: list) -> list[dict]:
    """The grid of competences: per item, what each of `communes` exercises ("X" or a detail)."""
    grid = []
    for item in convention.competence_items.prefetch_related("exercised"):
        by_commune = {e.commune_id: e for e in item.exercised.all()}
        grid.append(
            {
                "item": item,
                "cells": [
                    (by_commune[c.pk].detail or "X") if c.pk in by_commune else "" for c in communes
                ],
            }
        )
    return grid


def convention_context(convention: Convention) -> dict:
    axes = list(convention.axes.prefetch_related("perspectives__actions__lead"))
    actions = list(
        Action.objects.of(convention)
        .select_related("lead", "perspective__axis")
        .prefetch_related("indicators", "references")
        .order_by("perspective__axis__order", "perspective__order", "order")
    )
    equipment, equipment_source = equipment_by_commune(convention)
    communes = list(convention.territory.communes.order_by("name"))
    grid = competence_grid(convention, communes)
    bodies = list(convention.bodies.select_related("relative_to"))
    return {
        "convention": convention,
        "parties": convention.parties.select_related("organisation"),
        "clauses": convention.clauses.all(),
        "objectives": convention.objectives.all(),
        "communes": communes,
        "grid": grid,
        "axes": axes,
        "actions": actions,
        "fields": FIELDS,
        "equipment": equipment,
        "equipment_source": equipment_source,
        "questions": convention.evaluation_questions.prefetch_related("indicators"),
        "bodies": bodies,
        "calendar": convention.calendar(),
        "means": convention.means.select_related("organisation"),
        "bonus": getattr(convention, "bonus", None),
        "bonus_shares": bonus_shares(convention),
        "cooperation": convention.cooperation_posts.select_related("organisation"),
    }


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def convention_html(convention: Convention) -> str:
    """The HTML the convention PDF is laid out from."""
    return render_to_string("conventions/documents/convention.html", convention_context(convention))


def convention_pdf(convention: Convention) -> bytes:
    return _pdf(convention_html(convention))


def report_pdf(report: EvaluationReport) -> bytes:
    return _pdf(
        render_to_string(
            "conventions/documents/report.html", {"report": report, "data": report.data}
        )
    )


def _bullets(document, items):
    for item in items:
        document.add_paragraph(item, style="List Bullet")


def _table(document, header: list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)
    return table


def _save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def convention_docx(convention: Convention) -> bytes:
    from docx import Document

    ctx = convention_context(convention)
    doc = Document()
    doc.core_properties.title = convention.title
    doc.core_properties.language = "fr-FR"
    doc.add_heading(convention.title, level=0)
    doc.add_paragraph(
        f"{convention.get_kind_display()} — du {convention.start_date:%d/%m/%Y} au "
        f"{convention.end_date:%d/%m/%Y} ({convention.duration_years} ans) — "
        f"{convention.get_status_display()}"
    )
    doc.add_heading("Parties", level=1)
    for party in ctx["parties"]:
        names = ", ".join(
            f"{s['name']} ({s['title']})" if s.get("title") else s["name"]
            for s in party.signatories
        )
        line = f"{party.organisation.name} — {party.get_role_display()}"
        doc.add_paragraph(f"{line}{' : ' + names if names else ''}", style="List Bullet")
    for clause in ctx["clauses"]:
        doc.add_heading(f"{clause.number} {clause.title}".strip(), level=1)
        for paragraph in clause.text.split("\n\n"):
            doc.add_paragraph(paragraph)
    if ctx["grid"]:
        doc.add_heading("Compétences des communes", level=1)
        _table(
            doc,
            ["Thème", "Compétence", *[c.name for c in ctx["communes"]]],
            [[row["item"].theme, row["item"].label, *row["cells"]] for row in ctx["grid"]],
        )
    if ctx["objectives"]:
        doc.add_heading("Objectifs partagés par thématique", level=1)
        _table(doc, ["Thématique", "Objectif"], [[o.theme, o.text] for o in ctx["objectives"]])

    doc.add_heading("Signatures", level=1)
    convention = ctx["convention"]
    place = convention.signed_place or "………………………"
    day = f"{convention.signed_on:%d/%m/%Y}" if convention.signed_on else "………………………"
    doc.add_paragraph(f"Fait à {place}, le {day}.")
    for party in ctx["parties"]:
        if party.role == PartyRole.ASSOCIATED:
            continue
        doc.add_paragraph(f"Pour {party.organisation.name}").runs[0].bold = True
        for signatory in party.signatories or [{"name": "Nom et qualité : ………………………"}]:
            title = signatory.get("title")
            doc.add_paragraph(signatory.get("name", "") + (f", {title}" if title else ""))
        doc.add_paragraph("Signature et cachet :\n\n\n")

    doc.add_heading("Annexe — Équipements et services par commune", level=1)
    doc.add_paragraph(f"Source : {ctx['equipment_source']}.")
    for commune, rows in ctx["equipment"]:
        doc.add_heading(commune.name, level=2)
        if rows:
            _table(
                doc,
                ["Type de structure", "Nom", "Adresse"],
                [[r["kind"], r["name"], r["address"]] for r in rows],
            )
        else:
            doc.add_paragraph("Aucun équipement recensé.")

    doc.add_heading("Annexe — Plan d'actions", level=1)
    for axis in ctx["axes"]:
        doc.add_heading(f"Axe {axis.code} — {axis.title}", level=2)
        for perspective in axis.perspectives.all():
            doc.add_paragraph(f"{perspective.code} {perspective.title}").runs[0].bold = True
            for action in perspective.actions.all():
                doc.add_heading(f"Action {action.code} : {action.title}", level=3)
                deadline = action.deadline_label or (
                    f"{action.deadline:%d/%m/%Y}" if action.deadline else "non fixée"
                )
                doc.add_paragraph(
                    f"État : {action.get_status_display()} ({action.progress} %) — pilote : "
                    f"{action.lead.name} — échéance : {deadline}"
                )
                for name, label in FIELDS:
                    values = getattr(action, name)
                    if values:
                        doc.add_paragraph(label).runs[0].bold = True
                        _bullets(doc, values)
                indicators = [i.label for i in action.indicators.all()]
                if indicators:
                    doc.add_paragraph("Indicateurs d'évaluation").runs[0].bold = True
                    _bullets(doc, indicators)

    doc.add_heading("Annexe — Évaluation", level=1)
    if convention.evaluation_method:
        doc.add_paragraph(convention.evaluation_method)
    for index, question in enumerate(ctx["questions"], start=1):
        doc.add_heading(f"Question évaluative {index}", level=2)
        doc.add_paragraph(question.text)
        _bullets(doc, [i.label for i in question.indicators.all()])

    doc.add_heading("Annexe — Pilotage et calendrier", level=1)
    for body in ctx["bodies"]:
        doc.add_heading(f"{body.name} ({body.code})", level=2)
        doc.add_paragraph(f"Règle : {body.rule_text()}.")
        if body.missions:
            doc.add_paragraph("Missions").runs[0].bold = True
            _bullets(doc, body.missions)
        if body.members:
            doc.add_paragraph("Membres").runs[0].bold = True
            _bullets(doc, body.members)
    if ctx["calendar"]:
        doc.add_heading("Calendrier des instances", level=2)
        _table(
            doc,
            ["Date", "Échéance", "Statut"],
            [
                [f"{e.date:%d/%m/%Y}", e.label, "fixée" if e.confirmed else "prévisionnelle"]
                for e in ctx["calendar"]
            ],
        )
    if ctx["means"] or ctx["bonus"] or ctx["cooperation"]:
        doc.add_heading("Annexe — Moyens mobilisés", level=1)
        if ctx["means"]:
            _table(
                doc,
                ["Partenaire", "Année", "Équipement ou action", "Nature", "Montant (€)"],
                [
                    [
                        m.organisation.name,
                        m.year,
                        m.label,
                        m.get_nature_display(),
                        f"{m.amount:.2f}",
                    ]
                    for m in ctx["means"]
                ],
            )
        if ctx["bonus"]:
            doc.add_heading("Bonus territoire", level=2)
            doc.add_paragraph(
                f"Année de référence : {ctx['bonus'].reference_year} ; règle : "
                f"{ctx['bonus'].get_rule_display()}."
            )
            if ctx["bonus_shares"]:
                _table(
                    doc,
                    ["Structure", "Places", "Calcul", "Part (€)"],
                    [
                        [s["name"], s["places"], s["computation"], f"{s['share']:.2f}"]
                        for s in ctx["bonus_shares"]
                    ],
                )
        if ctx["cooperation"]:
            doc.add_heading("Chargé de coopération", level=2)
            _table(
                doc,
                ["Année", "Personne", "Organisation", "ETP", "Caf (€)", "Collectivité (€)"],
                [
                    [p.year, p.person, p.organisation.name, p.fte, p.caf_amount, p.local_amount]
                    for p in ctx["cooperation"]
                ],
            )
    return _save(doc)


def report_docx(report: EvaluationReport) -> bytes:
    from docx import Document

    data = report.data
    doc = Document()
    doc.core_properties.title = str(report)
    doc.core_properties.language = "fr-FR"
    doc.add_heading(str(report), level=0)
    doc.add_paragraph(f"Période du {data['start']} au {data['end']}.")
    doc.add_heading("Actions réalisées par rapport au prévisionnel", level=1)
    doc.add_paragraph(
        f"{data['done']} action(s) réalisée(s) sur {data['planned']} prévue(s) à cette date ; "
        f"avancement moyen : {data['average_progress']} %."
    )
    _table(
        doc,
        ["Action", "Intitulé", "Pilote", "État", "Avancement"],
        [
            [a["code"], a["title"], a["lead"], a["status_label"], f"{a['progress']} %"]
            for a in data["actions"]
        ],
    )
    if data.get("missing"):
        doc.add_heading("Ce que le rapport ne peut pas dire", level=1)
        doc.add_paragraph(
            "Ces données manquent ; saisissez-les puis générez de nouveau le rapport :"
        )
        _bullets(doc, data["missing"])
    doc.add_heading("Indicateurs au regard des cibles", level=1)
    _table(
        doc,
        ["Action", "Indicateur", "Départ", "Cible", "Valeur", "Date"],
        [
            [
                i["action"] or "—",
                i["label"],
                _fmt(i["baseline"]),
                "non fixée" if i["target"] is None else _fmt(i["target"]),
                "aucune mesure" if i["value"] is None else _fmt(i["value"]),
                i["on"] or "—",
            ]
            for i in data["indicators"]
        ],
    )
    doc.add_heading("Équipements nouveaux", level=1)
    if data["new_equipment"]:
        _bullets(
            doc,
            [
                f"{e['commune']} : {e['kind']} {e['name']} ({e['year']})"
                for e in data["new_equipment"]
            ],
        )
    else:
        doc.add_paragraph("Aucun équipement nouveau enregistré sur la période.")
    doc.add_heading("Réunions des instances", level=1)
    if data["meetings"]:
        _bullets(doc, [f"{code} : {count} réunion(s)" for code, count in data["meetings"].items()])
    else:
        doc.add_paragraph("Aucune réunion enregistrée sur la période.")
    doc.add_heading("Décisions", level=1)
    if data.get("decisions"):
        _bullets(
            doc,
            [
                f"{d['date']} ({d['body']}) : {d['text']}"
                + (f" — actions {', '.join(d['actions'])}" if d["actions"] else "")
                for d in data["decisions"]
            ],
        )
    else:
        doc.add_paragraph("Aucune décision enregistrée sur la période.")
    if data["questions"]:
        doc.add_heading("Questions évaluatives", level=1)
        _bullets(doc, [q["text"] for q in data["questions"]])
    doc.add_heading("Conclusions", level=1)
    for paragraph in (report.conclusions or "Conclusions à rédiger.").split("\n\n"):
        doc.add_paragraph(paragraph)
    return _save(doc)


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}".replace(".", ",")
