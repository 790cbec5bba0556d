"""Pages every public service owes (personal data, legal notice, accessibility) and the register
of processing activities for administrators."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render

from maillage.accounts import perms
from maillage.audit.register import export_register, register_entries

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _operator() -> dict:
    return {
        "name": settings.MAILLAGE_OPERATOR_NAME,
        "address": settings.MAILLAGE_OPERATOR_ADDRESS,
        "contact": settings.MAILLAGE_OPERATOR_CONTACT,
        "director": settings.MAILLAGE_PUBLICATION_DIRECTOR,
        "host_name": settings.MAILLAGE_HOST_NAME,
        "host_address": settings.MAILLAGE_HOST_ADDRESS,
        "dpo": settings.MAILLAGE_DPO_CONTACT,
        "accessibility_status": settings.MAILLAGE_ACCESSIBILITY_STATUS,
        "accessibility_audit": settings.MAILLAGE_ACCESSIBILITY_AUDIT,
        "accessibility_contact": settings.MAILLAGE_ACCESSIBILITY_CONTACT,
    }


@login_not_required
def personal_data(request):
    return render(
        request,
        "legal/personal_data.html",
        {"operator": _operator(), "entries": register_entries()},
    )


@login_not_required
def legal_notice(request):
    return render(request, "legal/legal_notice.html", {"operator": _operator()})


@login_not_required
def accessibility(request):
    return render(request, "legal/accessibility.html", {"operator": _operator()})


def processing_register(request):
    perms.require_processing_register_reader(request)
    return render(
        request,
        "legal/register.html",
        {"operator": _operator(), "entries": register_entries(), "today": datetime.date.today()},
    )


def processing_register_download(request):
    membership = perms.require_processing_register_reader(request)
    content = export_register(
        actor=request.user, organisation=membership.organisation if membership else None
    )
    response = HttpResponse(content, content_type=DOCX)
    name = f"registre-des-traitements-{datetime.date.today():%Y%m%d}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
