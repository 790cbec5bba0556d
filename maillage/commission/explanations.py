"""« Demander l'explication détaillée » : the document of article R. 311-3-1-2 CRPA.

On request, the administration tells the person, for a decision taken on the basis of an
algorithmic processing: 1° the degree and the mode of contribution of the processing to the
decision; 2° the data processed and their sources; 3° the processing's parameters and, where
relevant, their weighting, applied to the person's situation; 4° the operations it performed.

The request is a POST by the family (never a write on GET): it is recorded once
(`ExplanationRequest`, audited), then the document is shown as a page and a PDF, rendered from
the stored decision, entry, run and grid (`explanation_context`).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from maillage.audit.models import AuditAction
from maillage.audit.services import record
from maillage.commission.enums import Method
from maillage.commission.letters import letter_context
from maillage.commission.models import Decision, ExplanationRequest, Run
from maillage.commission.outputs import explanation_of

METHOD_TEXT = {
    Method.SIBLINGS: (
        "acceptation différée (algorithme de Gale et Shapley, chaque enfant proposant ses vœux"
        " dans l'ordre), étendue aux fratries demandées ensemble : chaque famille reçoit une de"
        " ses options communes dans l'ordre de ses préférences, ou aucune"
    ),
    Method.DA: (
        "acceptation différée (algorithme de Gale et Shapley) : chaque enfant propose ses vœux"
        " dans l'ordre, chaque structure garde les demandes les mieux classées dans la limite"
        " de ses places"
    ),
    Method.OPTIMAL: (
        "optimisation (programmation par contraintes) : le plus grand nombre d'enfants placés"
        " sans qu'aucun enfant ne soit écarté d'une place au profit d'un enfant moins bien classé"
    ),
}


def requested(decision: Decision) -> ExplanationRequest | None:
    return ExplanationRequest.objects.filter(decision=decision).first()


def request_explanation(decision: Decision, actor) -> ExplanationRequest:
    """Record the family's request (once; a second request returns the first), audited."""
    found = requested(decision)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            found = ExplanationRequest.objects.create(decision=decision, requested_by=actor)
    except IntegrityError:
        return ExplanationRequest.objects.get(decision=decision)
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=found,
        message=(
            "Demande d'explication détaillée (article R. 311-3-1-2 CRPA), demande "
            f"{decision.entry.application.number}"
        ),
    )
    return found


def explanation_context(decision: Decision, request: ExplanationRequest | None = None) -> dict:
    """The letter's facts plus what R. 311-3-1-2 asks: contribution, data and sources,
    parameters and weighting applied, operations (method, input SHA-256, engine version)."""
    context = letter_context(decision, with_directory=False)
    session = decision.session
    # the run's figures, not its output (read apart, once per process: `outputs`)
    run = Run.objects.defer("output").filter(pk=decision.run_id).first()
    grid = session.grid
    grid_lines = []
    if grid is not None:
        grid_lines = [
            {
                "label": line.get_criterion_display(),
                "points": context_score(line.points),
                "cap": context_score(line.cap) if line.cap is not None else "",
                "reason": line.reason,
            }
            for line in grid.criteria.all()
        ]
    tags = (explanation_of(decision).get("engine") or {}).get("parameters", {}).get("tags", [])
    context.update(
        {
            "request": request,
            "run": run,
            "grid": grid,
            "grid_lines": grid_lines,
            "method_label": Method(run.method).label if run else "",
            "method_text": METHOD_TEXT.get(run.method, "") if run else "",
            "input_sha256": (run.input_sha256 if run else "") or session.instance_sha256,
            "tags": [reserve_label(tag) for tag in tags],
            "employers": sorted(employer_names(tags).values()),
        }
    )
    return context


def employer_names(tags) -> dict[str, str]:
    from maillage.commission.employers import employer_names as names

    return names(tags)


def reserve_label(tag: str) -> str:
    from maillage.commission.letters import reserve_label as label

    return label(tag)


def context_score(value) -> str:
    from maillage.commission.letters import _score

    return _score(value)


def render_explanation_pdf(decision: Decision, request: ExplanationRequest | None) -> bytes:
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from weasyprint import HTML

    html = render_to_string(
        "commission/letter_explanation_pdf.html", explanation_context(decision, request)
    )
    return HTML(string=html).write_pdf()
