"""Access matrix: every URL of the site and of the API, tried by every persona, against a declared
table of what each may do. A new URL without a row here fails `test_every_url_has_a_row`.

Personas (columns of the table, in this order):
- anon: not logged in;
- emma, fanny: two family accounts;
- agA: an agent of the commune of Carros (A) acting for Carros, on Carros' records;
- agA>B: the same agent on the records of Le Broc (B), a commune her organisation does not cover;
- mgr: the administrator of a structure's manager (gestionnaire) that covers no commune;
- pmi: a reader of the PMI (Département) covering the whole bassin;
- elu: an elected member of the commune of Carros;
- dpo: the data-protection officer (DPO) of the Caf;
- alice: an administrator of the Caf (and of Django's admin).
On the API, one more persona: `api`, a client without session sending the organisation token
(`Authorization: Token …`) of the Carros agent, who operates the territory's guichet. Its
expected outcomes are the `api=` argument of the API rows; on pages it is not logged in.

Expected outcomes: 200, "login" (redirect to the login page), 302 (another redirect), 400, 401,
403, 404, 405, 503 (/sante/ without a worker). For POST: "ok" means neither a refusal (401, 403,
login, 405) nor a not-found nor a server error; any other value is exact. The observed outcomes of
every persona can be written to a file for review with
`MAILLAGE_MATRIX_RECORD=/tmp/matrice.json pytest tests/test_access_matrix.py -k record`.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from maillage.accounts.enums import OrganisationKind, Role
from maillage.accounts.middleware import SESSION_KEY
from maillage.accounts.models import ApiToken
from maillage.applications.enums import DocumentKind
from maillage.applications.models import Application, ApplicationImport, Document
from maillage.commission import runs as commission_runs
from maillage.commission import sessions as commission_sessions
from maillage.commission.models import Decision, Offer, Reserve
from maillage.conventions.enums import ReportKind
from maillage.conventions.models import GeneratedDocument
from maillage.conventions.services import generate_report, record_amendment
from maillage.core.models import Job
from maillage.directory.models import DirectoryImport
from maillage.observatory.enums import EditionStatus
from maillage.observatory.models import DiagnosticEdition, FigureImport
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.applications.factories import (
    ApplicationFactory,
    GuichetSettingsFactory,
    HouseholdFactory,
)
from tests.commission.factories import (
    CommissionSettingsFactory,
    PointsGridFactory,
    SessionFactory,
    SessionPlacesFactory,
)
from tests.conftest import BASSIN
from tests.conventions.factories import (
    ActionFactory,
    AxisFactory,
    BodyFactory,
    ConventionFactory,
    IndicatorFactory,
    PartyFactory,
    PerspectiveFactory,
)
from tests.directory.factories import AvailabilityFactory, ChildminderFactory, StructureFactory
from tests.territories.factories import CommuneFactory, EpciFactory, TerritoryGroupFactory
from tests.test_consistency import _walk

PERSONAS = ["anon", "emma", "fanny", "agA", "agA>B", "mgr", "pmi", "elu", "dpo", "alice"]


def _row(get: str, post: str | None = None, api: str | None = None) -> dict:
    """ "200 login 403 …" (one value per persona, in PERSONAS order) → {persona: value}.

    `api`: "GET" or "GET POST" outcomes of the token persona on an API route (default: anon's)."""
    row = {"get": dict(zip(PERSONAS, get.split(), strict=True))}
    if post is not None:
        row["post"] = dict(zip(PERSONAS, post.split(), strict=True))
    values = api.split() if api else [row["get"]["anon"], row.get("post", {}).get("anon")]
    row["get"]["api"] = values[0]
    if "post" in row:
        row["post"]["api"] = values[1] if len(values) > 1 else row["post"]["anon"]
    return row


# fmt: off
#                                               anon   emma   fanny  agA    agA>B  mgr    pmi    elu    dpo    alice
PUBLIC = "200     200     200     200     200     200     200     200     200     200"
MATRIX = {
    "api:childminder-list":             _row("400     400     400     400     400     400     400     400     400     400",
                                            "405     405     405     405     405     405     405     405     405     405"),
    "api:commune-detail":               _row(PUBLIC,
                                            "405     405     405     405     405     405     405     405     405     405"),
    "api:commune-list":                 _row("400     400     400     400     400     400     400     400     400     400",
                                            "405     405     405     405     405     405     405     405     405     405"),
    "api:commission-offer-accept":      _row("401     405     405     405     405     405     405     405     405     405",
                                            "401     403     403     200     200     403     403     403     403     403",
                                            api="405 200"),
    "api:commission-offer-refuse":      _row("401     405     405     405     405     405     405     405     405     405",
                                            "401     403     403     200     200     403     403     403     403     403",
                                            api="405 200"),
    "api:commission-offers":            _row("401     403     403     400     400     403     403     403     403     403",
                                            "401     405     405     405     405     405     405     405     405     405",
                                            api="400 405"),
    "api:convention-plan":              _row("403     403     403     200     403     403     403     200     200     200",
                                            "403     405     405     405     405     405     405     405     405     405"),
    "api:conventions":                  _row("403     200     200     200     200     200     200     200     200     200",
                                            "403     405     405     405     405     405     405     405     405     405"),
    "api:docs":                         _row(PUBLIC,
                                            "405     405     405     405     405     405     405     405     405     405"),
    "api:guichet-application":          _row("401     403     403     200     200     200     403     403     403     404",
                                            "401     405     405     405     405     405     405     405     405     405",
                                            api="200 405"),
    "api:guichet-applications":         _row("401     405     405     405     405     405     405     405     405     405",
                                            "401     403     403     ok      ok      ok      ok      403     ok      ok",
                                            api="405 ok"),
    "api:observatory-coverage":         _row("400     400     400     400     400     400     400     400     400     400",
                                            "405     405     405     405     405     405     405     405     405     405"),
    "api:schema":                       _row(PUBLIC,
                                            "405     405     405     405     405     405     405     405     405     405"),
    "api:simulator-cmg":                _row("400     400     400     400     400     400     400     400     400     400"),
    "api:simulator-psu":                _row("400     400     400     400     400     400     400     400     400     400"),
    "api:structure-detail":             _row(PUBLIC,
                                            "405     405     405     405     405     405     405     405     405     405"),
    "api:structure-list":               _row("400     400     400     400     400     400     400     400     400     400",
                                            "405     405     405     405     405     405     405     405     405     405"),
    "web:accessibility":                _row(PUBLIC),
    "web:audit_trail":                  _row("login   403     403     403     403     200     403     403     200     200"),
    "web:commission_emergencies":       _row("login   403     403     200     200     403     403     403     403     403",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_grid":              _row("login   403     403     200     200     403     403     403     403     403",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_grid_adopt":        _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_grid_delete":       _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_grid_simulation":   _row("login   403     403     200     200     403     403     403     403     403",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_grid_simulation_status":_row("login   403     403     200     200     403     403     403     403     403"),
    "web:commission_grids":             _row("login   403     403     200     200     403     403     403     403     403",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_reserve":           _row("login   403     403     200     200     403     403     403     403     403",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_reserves":          _row("login   403     403     200     200     403     403     403     403     403",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_rules":             _row(PUBLIC),
    "web:commission_agent_letter":      _row("login   403     403     200     200     403     403     403     403     403"),
    "web:commission_agent_letter_pdf":  _row("login   403     403     200     200     403     403     403     403     403"),
    "web:commission_public_statistics": _row(PUBLIC),
    "web:commission_family_offer_accept": _row("login   200     404     403     403     403     403     403     403     403",
                                              "login   ok      404     403     403     403     403     403     403     403"),
    "web:commission_family_offer_refuse": _row("login   200     404     403     403     403     403     403     403     403",
                                              "login   ok      404     403     403     403     403     403     403     403"),
    "web:commission_offer_action":      _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_session_offers":    _row("login   403     403     200     200     403     403     403     403     403",
                                            "login   405     405     405     405     405     405     405     405     405"),
    "web:commission_session_publish":   _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commune":                      _row(PUBLIC),
    "web:commission_session":           _row("login   403     403     200     200     403     403     403     403     403"),
    "web:commission_session_create":    _row("login   403     403     200     200     403     403     403     403     403",
                                            "login   403     403     400     400     403     403     403     403     403"),
    "web:commission_session_decision":  _row("login   403     403     200     200     403     403     403     403     403",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_session_freeze":    _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_session_places":    _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     400     400     403     403     403     403     403"),
    "web:commission_session_proposal":  _row("login   403     403     200     200     403     403     403     403     403"),
    "web:commission_session_run":       _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_session_run_status": _row("login   403     403     200     200     403     403     403     403     403"),
    "web:commission_session_validate":  _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:commission_session_manager_places": _row("login   403     403     200     200     200     403     403     403     403",
                                            "login   403     403     400     400     400     403     403     403     403"),
    "web:commission_sessions":          _row("login   403     403     200     200     200     403     403     403     403"),
    "web:commune_workspace":            _row("login   403     403     200     403     403     200     200     200     200"),
    "web:convention_action":            _row("login   403     403     200     403     403     403     200     200     200"),
    "web:convention_action_edit":       _row("login   403     403     200     403     403     403     403     403     200",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:convention_action_progress":   _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:convention_amendment_diff":    _row("login   403     403     200     403     403     403     200     200     200"),
    "web:convention_amendments":        _row("login   403     403     200     403     403     403     200     200     200",
                                            "login   403     403     403     403     403     403     403     403     ok"),
    "web:convention_cooperation_add":   _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:convention_create":            _row("login   403     403     200     200     403     403     403     403     200",
                                            "login   403     403     400     400     403     403     403     403     400"),
    "web:convention_detail":            _row("login   403     403     200     403     403     403     200     200     200"),
    "web:convention_document_file":     _row("login   403     403     200     403     403     403     200     200     200",
                                            "login   405     405     405     405     405     405     405     405     405"),
    "web:convention_document_status":   _row("login   403     403     200     403     403     403     200     200     200",
                                            "login   405     405     405     405     405     405     405     405     405"),
    "web:convention_download":          _row("login   403     403     302     403     403     403     302     302     302"),
    "web:convention_evaluation":        _row("login   403     403     200     403     403     403     200     200     200",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:convention_funding":           _row("login   403     403     200     403     403     403     200     200     200",
                                            "login   403     403     403     403     403     403     403     403     ok"),
    "web:convention_governance":        _row("login   403     403     200     403     403     403     200     200     200",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:convention_ics":               _row("login   403     403     200     403     403     403     200     200     200"),
    "web:convention_means_add":         _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:convention_measurement_add":   _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:convention_plan":              _row("login   403     403     200     403     403     403     200     200     200"),
    "web:convention_plan_action_add":   _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     400     403     403     403     403     403     400"),
    "web:convention_plan_axis_add":     _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     400     403     403     403     403     403     400"),
    "web:convention_prepare_next":      _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:convention_report":            _row("login   403     403     200     403     403     403     200     200     200",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:convention_report_adopt":      _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:convention_report_download":   _row("login   403     403     302     403     403     403     302     302     302"),
    "web:convention_transition":        _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     403     403     403     403     403     403     ok"),
    "web:conventions":                  _row("login   200     200     200     200     200     200     200     200     200"),
    "web:directory_childminder":        _row(PUBLIC),
    "web:directory_childminder_data":   _row("login   403     403     200     403     403     403     403     403     200"),
    "web:directory_childminder_edit":   _row("login   403     403     200     403     403     403     403     403     200",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:directory_childminder_erase":  _row("login   403     403     200     403     403     403     403     403     200",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:directory_childminder_export": _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:directory_declare_availability":_row("login   403     403     200     403     403     403     403     403     200",
                                            "login   403     403     ok      403     403     403     403     403     ok"),
    "web:directory_export":             _row(PUBLIC),
    "web:directory_import":             _row("login   403     403     200     200     200     403     403     403     200",
                                            "login   403     403     ok      ok      ok      403     403     403     ok"),
    "web:directory_import_preview":     _row("login   403     403     200     404     404     403     403     403     404",
                                            "login   403     403     ok      404     404     403     403     403     404"),
    "web:directory_import_status":      _row("login   403     403     200     404     404     403     403     403     404"),
    "web:directory_open_data":          _row(PUBLIC),
    "web:directory_search":             _row(PUBLIC),
    "web:directory_simulator":          _row(PUBLIC,
                                            "ok      ok      ok      ok      ok      ok      ok      ok      ok      ok"),
    "web:directory_structure":          _row(PUBLIC),
    "web:guichet_agent_action":         _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      ok      403     403     403     403     404"),
    "web:guichet_agent_employer":       _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      ok      403     403     403     403     404"),
    "web:guichet_agent_merge":          _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     ok      ok      403     403     403     403     404"),
    "web:guichet_agent_application":    _row("login   403     403     200     200     200     403     403     403     404"),
    "web:guichet_agent_document":       _row("login   403     403     200     200     403     403     403     403     404"),
    "web:guichet_counter_new":          _row("login   403     403     200     200     403     403     403     403     403"),
    "web:guichet_family_application":   _row("login   200     404     403     403     403     403     403     403     403"),
    "web:guichet_family_birth":         _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   ok      404     403     403     403     403     403     403     403"),
    "web:guichet_family_documents":     _row("login   200     404     403     403     403     403     403     403     403",
                                            "login   ok      404     403     403     403     403     403     403     403"),
    "web:guichet_family_edit":          _row("login   200     404     403     403     403     403     403     403     403",
                                            "login   ok      404     403     403     403     403     403     403     403"),
    "web:guichet_family_employer":      _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   ok      404     403     403     403     403     403     403     403"),
    "web:guichet_family_explanation":   _row("login   200     404     403     403     403     403     403     403     403",
                                            "login   ok      404     403     403     403     403     403     403     403"),
    "web:guichet_family_explanation_pdf": _row("login   404     404     403     403     403     403     403     403     403"),
    "web:guichet_family_letter":        _row("login   200     404     403     403     403     403     403     403     403"),
    "web:guichet_family_letter_pdf":    _row("login   200     404     403     403     403     403     403     403     403"),
    "web:guichet_family_home":          _row("login   200     200     403     403     403     403     403     403     403"),
    "web:guichet_family_interest":      _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   ok      404     403     403     403     403     403     403     403"),
    "web:guichet_family_message":       _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   ok      404     403     403     403     403     403     403     403"),
    "web:guichet_family_new":           _row("login   200     200     403     403     403     403     403     403     403",
                                            "login   ok      ok      403     403     403     403     403     403     403"),
    "web:guichet_family_receipt":       _row("login   200     404     403     403     403     403     403     403     403"),
    "web:guichet_family_receipt_pdf":   _row("login   200     404     403     403     403     403     403     403     403"),
    "web:guichet_family_submit":        _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   ok      404     403     403     403     403     403     403     403"),
    "web:guichet_family_withdraw":      _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   ok      404     403     403     403     403     403     403     403"),
    "web:guichet_import":               _row("login   403     403     200     200     403     403     403     403     403",
                                            "login   403     403     ok      ok      403     403     403     403     403"),
    "web:guichet_import_batch":         _row("login   403     403     200     404     404     404     404     404     404",
                                            "login   403     403     ok      404     404     404     404     404     404"),
    "web:guichet_import_status":        _row("login   403     403     200     404     404     404     404     404     404"),
    "web:guichet_invitation":           _row("404     404     404     404     404     404     404     404     404     404",
                                            "login   404     404     403     403     403     403     403     403     403"),
    "web:guichet_index":                _row(PUBLIC),
    "web:guichet_queue":                _row("login   403     403     200     200     200     200     200     200     200"),
    "web:guichet_queue_export":         _row("login   403     403     200     200     200     403     403     403     200"),
    "web:guichet_queue_export_xlsx":    _row("login   403     403     200     200     200     403     403     403     200"),
    "web:guichet_rules":                _row(PUBLIC),
    "web:guichet_signup":               _row("200     302     302     302     302     302     302     302     302     302"),
    "web:health":                       _row("503     503     503     503     503     503     503     503     503     503"),
    "web:home":                         _row(PUBLIC),
    "web:legal_notice":                 _row(PUBLIC),
    "web:login":                        _row("200     302     302     302     302     302     302     302     302     302",
                                            "ok      ok      ok      ok      ok      ok      ok      ok      ok      ok"),
    "web:logout":                       _row("405     405     405     405     405     405     405     405     405     405",
                                            "ok      ok      ok      ok      ok      ok      ok      ok      ok      ok"),
    "web:my_data":                      _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   ok      ok      ok      ok      ok      ok      ok      ok      ok"),
    "web:my_space":                     _row("login   200     200     200     200     200     200     200     200     200"),
    "web:observatory_comment":          _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     403     403     403     403     403     403     ok"),
    "web:observatory_commune":          _row(PUBLIC),
    "web:observatory_dashboard":        _row(PUBLIC),
    "web:observatory_diagnostic":       _row("login   403     403     200     200     200     200     200     200     200"),
    "web:observatory_edition":          _row("login   403     403     200     200     200     200     200     200     200"),
    "web:observatory_edition_pdf":      _row("login   403     403     200     200     200     200     200     200     200"),
    "web:observatory_edition_status":   _row("login   403     403     200     200     200     200     200     200     200"),
    "web:observatory_generate":         _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   403     403     403     403     403     403     403     403     ok"),
    "web:observatory_import":           _row("login   403     403     200     200     200     403     403     403     200",
                                            "login   403     403     ok      ok      ok      403     403     403     ok"),
    "web:observatory_import_batch":     _row("login   403     403     200     404     404     403     403     403     404",
                                            "login   403     403     ok      404     404     403     403     403     404"),
    "web:observatory_import_status":    _row("login   403     403     200     404     404     403     403     403     404"),
    "web:observatory_index":            _row(PUBLIC),
    "web:observatory_map_data":         _row(PUBLIC),
    "web:observatory_maps":             _row(PUBLIC),
    "web:personal_data":                _row(PUBLIC),
    "web:processing_register":          _row("login   403     403     403     403     403     403     403     200     200"),
    "web:processing_register_download": _row("login   403     403     403     403     403     403     403     200     200"),
    "web:switch_organisation":          _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   ok      ok      ok      ok      ok      ok      ok      ok      ok"),
    "web:territory_group":              _row(PUBLIC),
    "web:two_factor":                   _row("login   200     200     200     200     200     200     200     200     200"),
    "web:two_factor_recovery_codes":    _row("login   405     405     405     405     405     405     405     405     405",
                                            "login   ok      ok      ok      ok      ok      ok      ok      ok      ok"),
    "web:two_factor_setup":             _row("login   200     200     200     200     200     200     200     200     200"),
    "web:two_factor_verify":            _row("login   302     302     302     302     302     302     302     302     302"),
}
# fmt: on


# -- the world: two communes (A = Carros, B = Le Broc) and a record of each kind on each side ---


def _build_world() -> dict:
    epci = EpciFactory(siren="200030195", name="Métropole Nice Côte d'Azur", kind="METRO")
    communes = {
        code: CommuneFactory(
            insee_code=code, name=name, population=pop, postal_codes=cps, epci=epci
        )
        for code, name, pop, cps in BASSIN
    }
    group = TerritoryGroupFactory(
        slug="bassin-de-vie-carros",
        name="Bassin de vie de Carros",
        communes=list(communes.values()),
    )
    a, b = communes["06033"], communes["06025"]
    caf = OrganisationFactory(
        slug="caf-06", name="Caf des Alpes-Maritimes", kind=OrganisationKind.CAF,
        communes=list(communes.values()),
    )  # fmt: skip
    org_a = OrganisationFactory(slug="commune-06033", name="Commune de Carros", communes=[a])
    org_b = OrganisationFactory(slug="commune-06025", name="Commune du Broc", communes=[b])
    pmi = OrganisationFactory(
        slug="pmi-06", name="PMI des Alpes-Maritimes", kind=OrganisationKind.DEPARTEMENT,
        communes=list(communes.values()),
    )  # fmt: skip
    manager = OrganisationFactory(
        slug="gestionnaire", name="Crèches Bleues", kind=OrganisationKind.MANAGER
    )
    users = {
        "emma": UserFactory(email="emma@maillage.example", family=True),
        "fanny": UserFactory(email="fanny@maillage.example", family=True),
        "agA": UserFactory(email="bruno@maillage.example"),
        "mgr": UserFactory(email="gestion@maillage.example"),
        "pmi": UserFactory(email="pmi@maillage.example"),
        "elu": UserFactory(email="elu@maillage.example"),
        "dpo": UserFactory(email="dpo@maillage.example"),
        "alice": UserFactory(email="alice@maillage.example", is_staff=True, is_superuser=True),
    }
    users["agA>B"] = users["agA"]
    MembershipFactory(user=users["agA"], organisation=org_a, role=Role.AGENT)
    MembershipFactory(user=users["mgr"], organisation=manager, role=Role.ADMIN)
    MembershipFactory(user=users["pmi"], organisation=pmi, role=Role.READER)
    MembershipFactory(user=users["elu"], organisation=org_a, role=Role.ELECTED)
    MembershipFactory(user=users["alice"], organisation=caf, role=Role.ADMIN)
    MembershipFactory(user=users["dpo"], organisation=caf, role=Role.DPO)
    acting = {
        "agA": org_a, "agA>B": org_a, "mgr": manager, "pmi": pmi, "elu": org_a, "dpo": caf,
        "alice": caf,
    }  # fmt: skip
    # the guichet of the bassin, operated by Carros (A)
    rules = GuichetSettingsFactory(territory=group, operator=org_a)
    # the commission of the bassin (grid area): its rules and an adopted grid v1
    CommissionSettingsFactory(territory=group)
    PointsGridFactory(territory=group, version=1)
    _token, api_key = ApiToken.issue(users["agA"], org_a)

    sides = {}
    for side, commune, org in (("A", a, org_a), ("B", b, org_b)):
        structure = StructureFactory(commune=commune, manager=manager)
        childminder = ChildminderFactory(commune=commune)
        AvailabilityFactory(childminder=childminder)
        batch = DirectoryImport(kind="structures", filename="fichier.csv", organisation=org)
        batch.file.save("fichier.csv", ContentFile(b"nom\n"), save=False)
        batch.save()
        waitlist = ApplicationImport(filename="liste.csv", organisation=org, territory=group)
        waitlist.file.save("liste.csv", ContentFile(b"reference\n"), save=False)
        waitlist.save()
        figures = FigureImport(filename="donnees.csv", organisation=org)
        figures.file.save("donnees.csv", ContentFile(b"indicator\n"), save=False)
        figures.save()
        rules.participating_structures.add(structure)
        reserve = Reserve.objects.create(
            structure=structure, age_group="bebe", kind="integration", places=1,
            valid_from=datetime.date(2025, 1, 1),
        )  # fmt: skip
        family = users["emma"] if side == "A" else users["fanny"]
        household = HouseholdFactory(territory=group, commune=commune, account=family)
        application = ApplicationFactory(
            household=household, number=f"CAR-2026-0000{1 if side == 'A' else 2}",
            wishes=[structure],
        )  # fmt: skip
        document = Document.objects.create(
            application=application, kind=DocumentKind.values[0], content_type="application/pdf",
            size=9, file=ContentFile(b"%PDF-1.4\n", name="piece.pdf"),
        )  # fmt: skip
        convention = ConventionFactory(
            slug=f"ctg-{side.lower()}", territory=group, active=True, title=f"CTG {side}"
        )
        PartyFactory(convention=convention, organisation=caf, order=0)
        PartyFactory(convention=convention, organisation=org, order=1)
        perspective = PerspectiveFactory(axis=AxisFactory(convention=convention, code="1"))
        action = ActionFactory(perspective=perspective, code="1.1.1", lead=org)
        indicator = IndicatorFactory(convention=convention, action=action)
        BodyFactory(convention=convention)
        report = generate_report(convention, kind=ReportKind.FINAL)
        amendment = record_amendment(convention, title="Avenant n° 1", duration_years=5)
        generated = GeneratedDocument.objects.create(
            convention=convention, fmt="pdf", job=Job.objects.create(kind="t", label="doc"),
            file=ContentFile(b"%PDF-1.4\n", name="convention.pdf"),
        )  # fmt: skip
        sides[side] = {
            "insee": commune.insee_code,
            "structure": structure.pk,
            "childminder": childminder.pk,
            "import": batch.pk,
            "convention": convention.slug,
            "action": action.code,
            "indicator": indicator.pk,
            "report": report.pk,
            "amendment": amendment.number,
            "figures": figures.pk,
            "generated": generated.pk,
            "application": application.number,
            "document": document.pk,
            "waitlist": waitlist.pk,
            "reserve": reserve.pk,
        }
    # a commission session of the bassin, frozen and run (both applications are incomplete)
    session = SessionFactory(territory=group, slug="commission-matrice")
    SessionPlacesFactory(session=session, structure_id=sides["A"]["structure"])
    commission_sessions.freeze(session)
    session.refresh_from_db()
    commission_runs.run_session(session)
    for side in sides.values():
        side["commission_session"] = session.slug
        side["decision"] = Decision.objects.filter(session=session).first().pk
    _commission_letters(group, sides)
    # a published commission session of the bassin with one open offer per side
    commission = SessionFactory(territory=group, slug="commission-offres", status="published")
    for n, side in enumerate(sides.values(), 11):
        first = Application.objects.get(number=side["application"])
        offered = ApplicationFactory(
            household=first.household, number=f"CAR-2026-000{n}", state="offered",
            wishes=[first.wishes.get().structure],
        )  # fmt: skip
        offer = Offer.objects.create(
            session=commission, application=offered, structure_id=side["structure"],
            age_group="bebe", deadline=datetime.date.today() + datetime.timedelta(days=8),
        )  # fmt: skip
        side["offer"] = offer.pk
        side["offered_application"] = offered.number
        side["offer_session"] = commission.slug
    DiagnosticEdition.objects.create(
        territory=group, number=1, status=EditionStatus.DONE, html="<p>Diagnostic</p>",
        pdf=b"%PDF-1.4 test", finished_at=datetime.datetime.now(datetime.UTC),
    )  # fmt: skip
    return {
        "group": group.slug,
        "sides": sides,
        "users": users,
        "sessions": _login(users, acting),
        "api_key": api_key,
    }


def _commission_letters(group, sides) -> None:
    """A published commission session with one decision per side's application (letters)."""
    from maillage.applications.models import Application
    from maillage.commission.enums import DecisionOutcome, SessionStatus
    from maillage.commission.models import Decision, SessionEntry
    from tests.commission.factories import SessionFactory

    session = SessionFactory(
        territory=group, slug="commission-publiee", status=SessionStatus.PUBLISHED
    )
    for n, side in enumerate(sides.values(), 1):
        key = f"S{side['structure']:06d}"
        entry = SessionEntry.objects.create(
            session=session, application=Application.objects.get(number=side["application"]),
            child_key=f"C{n:06d}", age_group="bebe", points=10, wishes=[key],
        )  # fmt: skip
        Decision.objects.create(
            session=session, entry=entry, outcome=DecisionOutcome.PLACED,
            structure_id=side["structure"], proposed_structure_id=side["structure"], wish_rank=1,
            explanation={"engine": {"obtained": {"structure": key, "wish_rank": 1},
                                    "not_obtained": []}, "cutoffs": {}, "exclusion": ""},
        )  # fmt: skip
        side["session"] = session.slug


@pytest.fixture(scope="module", autouse=True)
def _quiet_refusals():
    """Refusals are the point here: keep Django's request log (a traceback per 403) quiet."""
    import logging

    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _kwargs(name: str, side: dict, group: str) -> dict:
    """Concrete URL arguments of each parametrised route."""
    by_param = {
        "insee": side["insee"],
        "slug": side["session"]
        if name.startswith("web:commission_agent_letter")
        else group
        if name.startswith(("web:observatory", "web:guichet", "web:commission_public"))
        or name == "web:territory_group"
        else side["convention"],
        "section": "portrait",
        "number": side["offered_application"]
        if name.startswith("web:commission_family")
        else side["application"]
        if name.startswith(("web:guichet", "api:guichet", "web:commission_agent_letter"))
        else (1 if name.startswith("web:observatory") else side["amendment"]),
        "code": side["action"],
        "dataset": "structures",
        "token": "jeton-inconnu",
        "territory": group,
        "version": 1,
        "session": side["offer_session"]
        if name
        in (
            "web:commission_session_offers",
            "web:commission_session_publish",
            "web:commission_offer_action",
        )
        else side["commission_session"],
    }
    pks = {
        "api:structure-detail": side["structure"],
        "web:directory_structure": side["structure"],
        "web:directory_import_preview": side["import"],
        "web:convention_measurement_add": side["indicator"],
        "web:convention_report": side["report"],
        "web:convention_report_adopt": side["report"],
        "web:convention_report_download": side["report"],
        "web:directory_import_status": side["import"],
        "web:observatory_import_batch": side["figures"],
        "web:observatory_import_status": side["figures"],
        "web:convention_document_status": side["generated"],
        "web:convention_document_file": side["generated"],
        "web:guichet_agent_document": side["document"],
        "web:guichet_import_batch": side["waitlist"],
        "web:guichet_import_status": side["waitlist"],
        "web:commission_reserve": side["reserve"],
        "web:commission_session_decision": side["decision"],
        "web:commission_offer_action": side["offer"],
        "api:commission-offer-accept": side["offer"],
        "api:commission-offer-refuse": side["offer"],
    }
    fmts = {
        "web:directory_export": "csv",
        "web:convention_report_download": "docx",
        "web:convention_download": "docx",
        "web:convention_amendment_diff": "txt",
    }
    params = ROUTE_PARAMS[name]
    kwargs = {}
    for param in params:
        if param == "pk":
            kwargs["pk"] = pks.get(name, side["childminder"])
        elif param == "fmt":
            kwargs["fmt"] = fmts[name]
        else:
            kwargs[param] = by_param[param]
    return kwargs


def _routes(patterns, namespace="", prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            space = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _routes(pattern.url_patterns, space, route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, set(re.findall(r"<(?:\w+:)?(\w+)>", route))


ROUTE_PARAMS = dict(_routes(get_resolver().url_patterns))


def _login(users: dict, acting: dict) -> dict:
    """One session per persona, opened once for the module: {persona: session cookie}."""
    cookies = {}
    for persona, user in users.items():
        client = Client()
        client.force_login(user)
        if persona in acting:
            session = client.session
            session[SESSION_KEY] = acting[persona].pk
            session.save()
        cookies[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


def _client(world, persona: str) -> Client:
    if persona == "api":
        return Client(HTTP_AUTHORIZATION=f"Token {world['api_key']}")
    client = Client()
    if persona in world["sessions"]:
        client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][persona]
    return client


def _outcome(response) -> str:
    if response.status_code == 302 and response["Location"].startswith(reverse("web:login")):
        return "login"
    return str(response.status_code)


def _all_url_names() -> set[str]:
    return {name for name, _ in _walk(get_resolver().url_patterns) if not name.startswith("admin:")}


def test_every_url_has_a_row():
    missing = sorted(_all_url_names() - set(MATRIX))
    assert not missing, "URL sans ligne dans la matrice d'accès : " + ", ".join(missing)
    stale = sorted(set(MATRIX) - _all_url_names())
    assert not stale, "Ligne de la matrice d'accès sans URL : " + ", ".join(stale)


REFUSALS = {"401", "403", "404", "login", "405"}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access_matrix(world, db, name):
    row = MATRIX[name]
    failures = []
    personas = PERSONAS + ["api"]
    for persona in personas:
        column = persona
        side = world["sides"]["B" if persona == "agA>B" else "A"]
        url = reverse(name, kwargs=_kwargs(name, side, world["group"]))
        client = _client(world, persona)
        got = _outcome(client.get(url))
        if got != row["get"][column]:
            failures.append(f"GET {url} en {persona} : {got}, attendu {row['get'][column]}")
        if "post" in row:
            with transaction.atomic():
                got = _outcome(client.post(url, {}))
                transaction.set_rollback(True)
            expected = row["post"][column]
            ok = (
                got not in REFUSALS and not got.startswith("5")
                if expected == "ok"
                else got == expected
            )
            if not ok:
                failures.append(f"POST {url} en {persona} : {got}, attendu {expected}")
    assert not failures, "\n".join(failures)


@pytest.mark.skipif(
    not __import__("os").environ.get("MAILLAGE_MATRIX_RECORD"),
    reason="outil : MAILLAGE_MATRIX_RECORD=fichier.json écrit les réponses observées",
)
def test_record_observed_outcomes(world, db):  # pragma: no cover - a tool, not a check
    """Writes what every persona gets on every URL, to review before editing MATRIX."""
    import json
    import os

    observed = {}
    for name in sorted(_all_url_names()):
        observed[name] = {"get": {}, "post": {}}
        for persona in PERSONAS + ["api"]:
            side = world["sides"]["B" if persona == "agA>B" else "A"]
            url = reverse(name, kwargs=_kwargs(name, side, world["group"]))
            client = _client(world, persona)
            with transaction.atomic():
                observed[name]["get"][persona] = _outcome(client.get(url))
                transaction.set_rollback(True)
            with transaction.atomic():
                observed[name]["post"][persona] = _outcome(client.post(url, {}))
                transaction.set_rollback(True)
    with open(os.environ["MAILLAGE_MATRIX_RECORD"], "w", encoding="utf-8") as out:
        json.dump(observed, out, indent=1)
