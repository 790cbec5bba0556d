"""The register of processing activities (GDPR art. 30) as a page and a Word document.

The entries come from each domain's `processing.py` (core.processing); the current value of each
retention parameter is read at the date of the request. Downloading the document is recorded in
the audit trail.
"""

import datetime
import io
from dataclasses import dataclass

from django.conf import settings

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.core.models import ParameterMissing, parameter_at
from maillage.core.processing import Processing, all_processings


@dataclass(frozen=True)
class RegisterEntry:
    processing: Processing
    parameters: tuple[str, ...]  # "Durée de conservation du journal d'audit : 12 mois"


def controller() -> dict:
    """Who is responsible for the processings (deployment settings)."""
    return {
        "name": settings.MAILLAGE_OPERATOR_NAME,
        "address": settings.MAILLAGE_OPERATOR_ADDRESS,
        "dpo": settings.MAILLAGE_DPO_CONTACT,
    }


def _parameter_line(key: str, on: datetime.date) -> str:
    try:
        row = parameter_at(key, on)
    except ParameterMissing:
        return f"{key} : aucune valeur en vigueur"
    return f"{row.label} : {row.value} {row.unit} (depuis le {row.valid_from:%d/%m/%Y})"


def register_entries(on: datetime.date | None = None) -> list[RegisterEntry]:
    on = on or datetime.date.today()
    return [
        RegisterEntry(p, tuple(_parameter_line(key, on) for key in p.retention_parameters))
        for p in all_processings()
    ]


def register_docx(on: datetime.date | None = None) -> bytes:
    from docx import Document

    on = on or datetime.date.today()
    who = controller()
    doc = Document()
    doc.core_properties.title = "Registre des activités de traitement"
    doc.core_properties.language = "fr-FR"
    doc.add_heading("Registre des activités de traitement", level=0)
    doc.add_paragraph(f"RGPD, article 30 — état au {on:%d/%m/%Y}, généré par Maillage.")
    doc.add_paragraph(f"Responsable de traitement : {who['name'] or 'non renseigné'}")
    if who["address"]:
        doc.add_paragraph(f"Adresse : {who['address']}")
    doc.add_paragraph(f"Délégué à la protection des données : {who['dpo'] or 'non renseigné'}")
    for entry in register_entries(on):
        p = entry.processing
        title = p.name + (f" ({p.status})" if p.status else "")
        doc.add_heading(title, level=1)
        rows = [
            ("Domaine", p.app),
            ("Finalité", p.purpose),
            ("Base légale", p.legal_basis),
            ("Personnes concernées", "\n".join(p.data_subjects)),
            ("Catégories de données", "\n".join(p.data_categories)),
            ("Données sensibles", p.sensitive_data or "Aucune"),
            ("Destinataires", "\n".join(p.recipients)),
            ("Transferts hors UE", p.transfers),
            ("Durée de conservation", "\n".join((p.retention, *entry.parameters))),
            ("Mesures de sécurité", "\n".join(p.security)),
        ]
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text = label
            for run in cells[0].paragraphs[0].runs:
                run.bold = True
            cells[1].text = value
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def export_register(*, actor, organisation=None, on: datetime.date | None = None) -> bytes:
    """The register as a Word document; the download is recorded in the audit trail."""
    content = register_docx(on)
    record(
        AuditAction.EXPORT,
        actor=actor,
        organisation=organisation,
        message="Téléchargement du registre des activités de traitement",
    )
    return content
