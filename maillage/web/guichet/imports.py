"""Pages of the import of an existing waiting list: upload (with the format described on the page),
the batch page (progress while the worker checks or writes, then the stored report and the
confirmation) and the progress fragment polled by htmx."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from maillage.accounts.perms import require_professional
from maillage.applications import batch_imports, importer
from maillage.core.imports import ImportLimitError, file_too_large_message, max_bytes, max_rows
from maillage.territories.models import TerritoryGroup
from maillage.web.guichet.forms import WaitingListImportForm

COLUMNS = [
    ("reference", True, "identifiant de la demande dans l'ancien logiciel (unique)", "ANC-0042"),
    ("famille", True, "identifiant du foyer (le même pour les enfants d'une famille)", "FAM-17"),
    ("enfant_prenom", True, "prénom de l'enfant", "Léa"),
    ("enfant_nom", True, "nom de l'enfant", "Durand"),
    ("date_naissance", False, "date de naissance (ou la colonne suivante)", "02/03/2026"),
    ("date_naissance_prevue", False, "date prévue si l'enfant n'est pas né", "15/09/2026"),
    ("commune_residence", True, "code INSEE de la commune de résidence", "06033"),
    ("date_demande", True, "date de la demande (ancienneté conservée)", "01/04/2026"),
    ("date_entree_souhaitee", True, "date d'entrée souhaitée", "01/09/2026"),
    ("jours_par_semaine", True, "de 1 à 5", "4"),
    ("voeux", True, "structures par ordre de préférence, séparées par |", "EAJE-CARROS|12"),
    ("parents_en_activite", True, "parents qui travaillent, étudient ou sont en formation", "2"),
    ("famille_monoparentale", True, "oui ou non", "non"),
    ("parcours_insertion", True, "RSA ou parcours d'insertion : oui ou non", "non"),
    ("fratrie_ensemble", False, "frères et sœurs dans la même structure : oui ou non", "oui"),
    ("accepte_assistant_maternel", False, "accepterait un assistant maternel : oui ou non", "non"),
    ("handicap_enfant", False, "AEEH ou PAI (jamais la nature) : oui ou non", "non"),
    ("fratrie_accueillie", False, "structure où un frère ou une sœur est accueilli", ""),
    ("quotient_familial", False, "quotient familial, en euros", "850"),
    ("courriel", False, "adresse électronique du foyer", "durand@exemple.fr"),
    ("telephone", False, "téléphone du foyer", "06 12 34 56 78"),
]


def _territory(request, slug):
    membership = require_professional(request)
    territory = get_object_or_404(TerritoryGroup, slug=slug)
    batch_imports.require_import(membership, territory)
    return membership, territory


def _upload_page(request, membership, territory, form, status=200, upload_error=""):
    example_header = ";".join(c[0] for c in COLUMNS)
    # an example row cannot carry both dates: the child is born
    example_row = ";".join("" if c[0] == "date_naissance_prevue" else c[3] for c in COLUMNS)
    return render(
        request,
        "guichet/import.html",
        {
            "form": form,
            "territory": territory,
            "columns": COLUMNS,
            "example": f"{example_header}\n{example_row}",
            "recent": batch_imports.recent_imports(membership, territory),
            "upload_error": upload_error,
            "max_bytes": max_bytes(),
            "max_rows": min(max_rows(), importer.MAX_ROWS),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def waiting_list_import(request, slug):
    membership, territory = _territory(request, slug)
    if request.method != "POST":
        return _upload_page(request, membership, territory, WaitingListImportForm())
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes() + 64 * 1024:  # refused before the body is read
        return _upload_page(
            request, membership, territory, WaitingListImportForm(), status=413,
            upload_error=file_too_large_message(length),
        )  # fmt: skip
    form = WaitingListImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            batch = batch_imports.upload_waiting_list(
                membership, territory, form.cleaned_data["file"]
            )
        except ImportLimitError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("web:guichet_import_batch", pk=batch.pk)
    return _upload_page(request, membership, territory, form, status=400)


def _context(batch) -> dict:
    report = batch.report or {}
    return {
        "batch": batch,
        "report": report,
        "job": batch.job,
        "more_errors": max(report.get("error_count", 0) - len(report.get("errors", [])), 0),
    }


@require_http_methods(["GET", "POST"])
def waiting_list_import_batch(request, pk: int):
    membership = require_professional(request)
    batch = batch_imports.get_import_for(membership, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "cancel":
            if batch_imports.cancel_import(membership, batch):
                messages.info(request, "Import abandonné : aucune demande enregistrée.")
                return redirect("web:guichet_import", slug=batch.territory.slug)
        elif action in ("import", "import_valid"):
            try:
                batch_imports.confirm_import(membership, batch, valid_only=action == "import_valid")
            except batch_imports.ImportRefused as exc:
                messages.error(request, str(exc))
        return redirect("web:guichet_import_batch", pk=batch.pk)
    return render(request, "guichet/import_batch.html", _context(batch))


def waiting_list_import_status(request, pk: int):
    """htmx fragment polled while the batch is in progress; once done, the page reloads."""
    batch = batch_imports.get_import_for(require_professional(request), pk)
    response = render(request, "guichet/_import_status.html", _context(batch))
    if not batch.in_progress:
        response["HX-Refresh"] = "true"
    return response
