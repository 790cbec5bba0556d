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
- alice: an administrator of the Caf (and of Django's admin).
The API persona is a client without session: there is no token authentication yet, so on the
API it is expected to get exactly what `anon` gets (its column is `anon`'s).

Expected outcomes: 200, "login" (redirect to the login page), 302 (another redirect), 400, 403,
404, 405. For POST (only for views that take a form): "ok" means neither a refusal (403, login,
405) nor a server error; any other value is exact.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from maillage.accounts.enums import OrganisationKind, Role
from maillage.accounts.middleware import SESSION_KEY
from maillage.conventions.enums import ReportKind
from maillage.conventions.services import generate_report, record_amendment
from maillage.directory.models import DirectoryImport
from maillage.observatory.enums import EditionStatus
from maillage.observatory.models import DiagnosticEdition
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
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

PERSONAS = ["anon", "emma", "fanny", "agA", "agA>B", "mgr", "pmi", "elu", "alice"]


def _row(get: str, post: str | None = None) -> dict:
    """ "200 login 403 …" (one value per persona, in PERSONAS order) → {persona: value}."""
    row = {"get": dict(zip(PERSONAS, get.split(), strict=True))}
    if post is not None:
        row["post"] = dict(zip(PERSONAS, post.split(), strict=True))
    return row


# fmt: off
#                                               anon  emma  fanny agA   agA>B mgr   pmi   elu   alice
PUBLIC = "200   200   200   200   200   200   200   200   200"
MATRIX = {
    # -- API (the API persona gets the anon column; 400: reached, query parameters missing) ----
    "api:schema":                         _row(PUBLIC),
    "api:docs":                           _row(PUBLIC),
    "api:commune-list":                   _row("400   400   400   400   400   400   400   400   400"),
    "api:commune-detail":                 _row(PUBLIC),
    "api:structure-list":                 _row("400   400   400   400   400   400   400   400   400"),
    "api:structure-detail":               _row(PUBLIC),
    "api:childminder-list":               _row("400   400   400   400   400   400   400   400   400"),
    "api:simulator-psu":                  _row("400   400   400   400   400   400   400   400   400"),
    "api:simulator-cmg":                  _row("400   400   400   400   400   400   400   400   400"),
    "api:observatory-coverage":           _row("400   400   400   400   400   400   400   400   400"),
    "api:conventions":                    _row("403   200   200   200   200   200   200   200   200"),
    "api:convention-plan":                _row("403   403   403   200   403   403   403   200   200"),
    # -- pages ---------------------------------------------------------------------------------
    "web:home":                           _row(PUBLIC),
    "web:health":                         _row("503   503   503   503   503   503   503   503   503"),
    "web:login":                          _row("200   302   302   302   302   302   302   302   302",
                                               "200   302   302   302   302   302   302   302   302"),
    "web:logout":                         _row("405   405   405   405   405   405   405   405   405",
                                               "302   302   302   302   302   302   302   302   302"),
    "web:my_space":                       _row("login 200   200   200   200   200   200   200   200"),
    "web:my_data":                        _row("login 405   405   405   405   405   405   405   405",
                                               "login ok    ok    ok    ok    ok    ok    ok    ok"),
    "web:switch_organisation":            _row("login 405   405   405   405   405   405   405   405",
                                               "login ok    ok    ok    ok    ok    ok    ok    ok"),
    "web:territory_group":                _row(PUBLIC),
    "web:commune":                        _row(PUBLIC),
    "web:commune_workspace":              _row("login 403   403   200   403   403   200   200   200"),
    "web:directory_search":               _row(PUBLIC),
    "web:directory_structure":            _row(PUBLIC),
    "web:directory_childminder":          _row(PUBLIC),
    "web:directory_declare_availability": _row("login 403   403   200   403   403   403   403   200",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:directory_childminder_data":     _row("login 403   403   200   403   403   403   403   200"),
    "web:directory_childminder_export":   _row("login 405   405   405   405   405   405   405   405",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:directory_childminder_edit":     _row("login 403   403   200   403   403   403   403   200",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:directory_childminder_erase":    _row("login 403   403   200   403   403   403   403   200",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:directory_open_data":            _row(PUBLIC),
    "web:directory_export":               _row(PUBLIC),
    "web:directory_import":               _row("login 403   403   200   200   200   403   403   200",
                                               "login 403   403   ok    ok    ok    403   403   ok"),
    "web:directory_import_preview":       _row("login 403   403   200   404   404   403   403   404",
                                               "login 403   403   ok    404   404   403   403   404"),
    "web:directory_simulator":            _row(PUBLIC, "ok    ok    ok    ok    ok    ok    ok    ok    ok"),
    "web:observatory_index":              _row(PUBLIC),
    "web:observatory_import":             _row("login 403   403   200   200   200   403   403   200",
                                               "login 403   403   ok    ok    ok    403   403   ok"),
    "web:observatory_commune":            _row(PUBLIC),
    "web:observatory_dashboard":          _row(PUBLIC),
    "web:observatory_maps":               _row(PUBLIC),
    "web:observatory_map_data":           _row(PUBLIC),
    "web:observatory_diagnostic":         _row("login 403   403   200   200   200   200   200   200"),
    "web:observatory_comment":            _row("login 405   405   405   405   405   405   405   405",
                                               "login 403   403   ok    ok    403   403   403   ok"),
    "web:observatory_generate":           _row("login 405   405   405   405   405   405   405   405",
                                               "login 403   403   ok    ok    403   403   403   ok"),
    "web:observatory_edition":            _row("login 403   403   200   200   200   200   200   200"),
    "web:observatory_edition_status":     _row("login 403   403   200   200   200   200   200   200"),
    "web:observatory_edition_pdf":        _row("login 403   403   200   200   200   200   200   200"),
    "web:conventions":                    _row("login 200   200   200   200   200   200   200   200"),
    "web:convention_detail":              _row("login 403   403   200   403   403   403   200   200"),
    "web:convention_transition":          _row("login 405   405   405   405   405   405   405   405",
                                               "login 403   403   403   403   403   403   403   ok"),
    "web:convention_plan":                _row("login 403   403   200   403   403   403   200   200"),
    "web:convention_action":              _row("login 403   403   200   403   403   403   200   200"),
    "web:convention_action_edit":         _row("login 403   403   200   403   403   403   403   200",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:convention_action_progress":     _row("login 405   405   405   405   405   405   405   405",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:convention_measurement_add":     _row("login 405   405   405   405   405   405   405   405",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:convention_governance":          _row("login 403   403   200   403   403   403   200   200",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:convention_ics":                 _row("login 403   403   200   403   403   403   200   200"),
    "web:convention_evaluation":          _row("login 403   403   200   403   403   403   200   200",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:convention_report":              _row("login 403   403   200   403   403   403   200   200",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:convention_report_download":     _row("login 403   403   200   403   403   403   200   200"),
    "web:convention_funding":             _row("login 403   403   200   403   403   403   200   200",
                                               "login 403   403   403   403   403   403   403   ok"),
    "web:convention_means_add":           _row("login 405   405   405   405   405   405   405   405",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:convention_cooperation_add":     _row("login 405   405   405   405   405   405   405   405",
                                               "login 403   403   ok    403   403   403   403   ok"),
    "web:convention_amendments":          _row("login 403   403   200   403   403   403   200   200",
                                               "login 403   403   403   403   403   403   403   ok"),
    "web:convention_amendment_diff":      _row("login 403   403   200   403   403   403   200   200"),
    "web:convention_download":            _row("login 403   403   200   403   403   403   200   200"),
    "web:personal_data":                  _row(PUBLIC),
    "web:legal_notice":                   _row(PUBLIC),
    "web:accessibility":                  _row(PUBLIC),
    "web:processing_register":            _row("login 403   403   403   403   403   403   403   200"),
    "web:processing_register_download":   _row("login 403   403   403   403   403   403   403   200"),
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
        "alice": UserFactory(email="alice@maillage.example", is_staff=True, is_superuser=True),
    }
    users["agA>B"] = users["agA"]
    MembershipFactory(user=users["agA"], organisation=org_a, role=Role.AGENT)
    MembershipFactory(user=users["mgr"], organisation=manager, role=Role.ADMIN)
    MembershipFactory(user=users["pmi"], organisation=pmi, role=Role.READER)
    MembershipFactory(user=users["elu"], organisation=org_a, role=Role.ELECTED)
    MembershipFactory(user=users["alice"], organisation=caf, role=Role.ADMIN)
    acting = {"agA": org_a, "agA>B": org_a, "mgr": manager, "pmi": pmi, "elu": org_a, "alice": caf}

    sides = {}
    for side, commune, org in (("A", a, org_a), ("B", b, org_b)):
        structure = StructureFactory(commune=commune, manager=manager)
        childminder = ChildminderFactory(commune=commune)
        AvailabilityFactory(childminder=childminder)
        batch = DirectoryImport.objects.create(
            kind="structures", filename="fichier.csv", content=b"nom\n", organisation=org
        )
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
        }
    DiagnosticEdition.objects.create(
        territory=group, number=1, status=EditionStatus.DONE, html="<p>Diagnostic</p>",
        pdf=b"%PDF-1.4 test", finished_at=datetime.datetime.now(datetime.UTC),
    )  # fmt: skip
    return {"group": group.slug, "sides": sides, "users": users, "sessions": _login(users, acting)}


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
        "slug": group
        if name.startswith("web:observatory") or name == "web:territory_group"
        else side["convention"],
        "section": "portrait",
        "number": 1 if name.startswith("web:observatory") else side["amendment"],
        "code": side["action"],
        "dataset": "structures",
    }
    pks = {
        "api:structure-detail": side["structure"],
        "web:directory_structure": side["structure"],
        "web:directory_import_preview": side["import"],
        "web:convention_measurement_add": side["indicator"],
        "web:convention_report": side["report"],
        "web:convention_report_download": side["report"],
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


REFUSALS = {"403", "login", "405"}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access_matrix(world, db, name):
    row = MATRIX[name]
    failures = []
    personas = PERSONAS + (["api"] if name.startswith("api:") else [])
    for persona in personas:
        column = "anon" if persona == "api" else persona
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
