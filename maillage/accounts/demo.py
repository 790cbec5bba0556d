"""Demo organisations of the Carros convention and one demo user per role.

The credentials are for the demo only (listed in the README); never load this in production.
"""

from maillage.accounts import two_factor
from maillage.accounts.enums import OrganisationKind, Role, UserKind
from maillage.accounts.models import Membership, Organisation, User
from maillage.territories.demo import BASSIN_CARROS_COMMUNES
from maillage.territories.models import Commune, Departement

DEMO_PASSWORD = "demo-maillage-2026"

COMMUNE_ORGS = {
    "06033": "commune-carros",
    "06064": "commune-gattieres",
    "06066": "commune-gilette",
    "06065": "commune-la-gaude",
    "06025": "commune-le-broc",
    "06122": "commune-saint-jeannet",
}

# email, first name, last name, kind, staff, memberships [(organisation slug, role)]
DEMO_USERS = [
    (
        "admin@maillage.example",
        "Alice",
        "Admin",
        UserKind.PROFESSIONAL,
        True,
        [("caf-alpes-maritimes", Role.ADMIN)],
    ),
    (
        "agent@maillage.example",
        "Bruno",
        "Agent",
        UserKind.PROFESSIONAL,
        False,
        [("commune-carros", Role.AGENT), ("commune-gattieres", Role.AGENT)],
    ),
    (
        "lecteur@maillage.example",
        "Claire",
        "Lectrice",
        UserKind.PROFESSIONAL,
        False,
        [("departement-alpes-maritimes-pmi", Role.READER)],
    ),
    (
        "elu@maillage.example",
        "Daniel",
        "Élu",
        UserKind.PROFESSIONAL,
        False,
        [("commune-carros", Role.ELECTED)],
    ),
    ("famille@maillage.example", "Emma", "Famille", UserKind.FAMILY, False, []),
]


def _organisation(slug, name, kind, communes, parent=None) -> Organisation:
    org, _ = Organisation.objects.update_or_create(
        slug=slug, defaults={"name": name, "kind": kind, "parent": parent}
    )
    org.communes.set(communes)
    return org


def load(out, progress=None) -> None:
    departement_communes = Commune.objects.filter(departement=Departement.objects.get(code="06"))
    _organisation(
        "caf-alpes-maritimes", "Caf des Alpes-Maritimes", OrganisationKind.CAF, departement_communes
    )
    departement = _organisation(
        "departement-alpes-maritimes",
        "Département des Alpes-Maritimes",
        OrganisationKind.DEPARTEMENT,
        departement_communes,
    )
    _organisation(
        "departement-alpes-maritimes-pmi",
        "Département des Alpes-Maritimes — PMI",
        OrganisationKind.DEPARTEMENT,
        departement_communes,
        parent=departement,
    )
    for commune in Commune.objects.filter(insee_code__in=BASSIN_CARROS_COMMUNES):
        _organisation(
            COMMUNE_ORGS[commune.insee_code],
            f"Commune de {commune.name}",
            OrganisationKind.COMMUNE,
            [commune],
        )
    for email, first, last, kind, staff, memberships in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD)
        user.first_name, user.last_name, user.kind = first, last, kind
        user.is_staff = user.is_superuser = staff
        user.save()
        # A visitor may have turned on the second factor of a published account: undo it.
        two_factor.forget_devices(user)
        for slug, role in memberships:
            Membership.objects.update_or_create(
                user=user, organisation=Organisation.objects.get(slug=slug), defaults={"role": role}
            )
    out.write(
        f"Organisations : {Organisation.objects.count()} ; comptes de démonstration : {len(DEMO_USERS)}."
    )
