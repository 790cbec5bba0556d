"""Pages of the import of statistical figures by a partner: upload, the batch page (progress
while the worker checks or imports, then the stored report and the confirmation), and the
progress fragment polled by htmx."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from maillage.core.imports import ImportLimitError, file_too_large_message, max_bytes, max_rows
from maillage.observatory import figure_imports
from maillage.observatory import perms as observatory_perms
from maillage.observatory.models import FigureImport
from maillage.web.observatory.forms import FigureImportForm


def _membership(request):
    return getattr(request, "current_membership", None)


def _upload_page(request, form, organisation, status=200, upload_error=""):
    communes, territories = observatory_perms.figure_import_scope(organisation)
    recent = FigureImport.objects.filter(organisation=organisation).only(
        "pk", "filename", "status", "created_at"
    )[:10]
    return render(
        request,
        "observatory/import.html",
        {
            "form": form,
            "organisation": organisation,
            "communes": sorted(communes),
            "territories": sorted(territories),
            "recent": recent,
            "upload_error": upload_error,
            "max_bytes": max_bytes(),
            "max_rows": max_rows(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def figure_import(request):
    """Upload of statistical figures, limited to the communes the acting organisation covers."""
    membership = _membership(request)
    organisation = observatory_perms.require_import_figures(membership)
    if request.method != "POST":
        return _upload_page(request, FigureImportForm(), organisation)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes() + 64 * 1024:  # refused before the body is read
        return _upload_page(
            request,
            FigureImportForm(),
            organisation,
            status=413,
            upload_error=file_too_large_message(length),
        )
    form = FigureImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            batch = figure_imports.upload_figures(membership, form.cleaned_data["file"])
        except ImportLimitError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("web:observatory_import_batch", pk=batch.pk)
    return _upload_page(request, form, organisation, status=400)


def _context(batch) -> dict:
    report = batch.report or {}
    return {
        "batch": batch,
        "report": report,
        "job": batch.job,
        "more_errors": max(report.get("error_count", 0) - len(report.get("errors", [])), 0),
    }


@require_http_methods(["GET", "POST"])
def figure_import_batch(request, pk: int):
    membership = _membership(request)
    batch = observatory_perms.get_figure_import_for(membership, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "cancel":
            if figure_imports.cancel_figures(membership, batch):
                messages.info(request, "Import abandonné : aucune donnée enregistrée.")
                return redirect("web:observatory_import")
        elif action == "import":
            try:
                figure_imports.confirm_figures(membership, batch)
            except figure_imports.FigureImportRefused as exc:
                messages.error(request, str(exc))
        return redirect("web:observatory_import_batch", pk=batch.pk)
    return render(request, "observatory/import_batch.html", _context(batch))


def figure_import_status(request, pk: int):
    """htmx fragment polled while the batch is in progress; once done, the page reloads."""
    batch = observatory_perms.get_figure_import_for(_membership(request), pk)
    response = render(request, "observatory/_import_status.html", _context(batch))
    if not batch.in_progress:
        response["HX-Refresh"] = "true"
    return response
