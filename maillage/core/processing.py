"""The register of processing activities (GDPR art. 30), declared by each domain.

Each domain app lists what it does with personal data in its own `processing.py`:

    from maillage.core.processing import PUBLIC_INTEREST, Processing

    PROCESSINGS = [Processing(key="directory-childminders", name="…", purpose="…", …)]

`all_processings()` imports `<app>.processing` for each installed Maillage app (the kernel never
imports a domain app by name) and returns the declarations in a stable order. The register page
(administrators, DPO), its downloadable document and the public "Données personnelles" page are
generated from these declarations: a new processing is declared next to the code that does it.
"""

from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps

PUBLIC_INTEREST = (
    "Mission d'intérêt public (RGPD, article 6-1-e) : action sociale et services aux familles "
    "des communes et de la Caf"
)
LEGAL_OBLIGATION = "Obligation légale (RGPD, article 6-1-c)"
CONSENT = "Consentement de la personne (RGPD, article 6-1-a)"


@dataclass(frozen=True)
class Processing:
    key: str
    name: str
    purpose: str
    legal_basis: str
    data_subjects: tuple[str, ...]
    data_categories: tuple[str, ...]
    recipients: tuple[str, ...]
    retention: str
    security: tuple[str, ...]
    sensitive_data: str = ""
    transfers: str = "Aucun transfert hors de l'Union européenne."
    retention_parameters: tuple[str, ...] = ()
    personal_data: bool = True
    status: str = ""  # e.g. "en construction"
    app: str = field(default="", compare=False)


def all_processings() -> list[Processing]:
    """Every declared processing, in the order of INSTALLED_APPS then of each declaration."""
    found = []
    for app in apps.get_app_configs():
        if not app.name.startswith("maillage."):
            continue
        module_name = f"{app.name}.processing"
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for processing in getattr(module, "PROCESSINGS", []):
            found.append(_with_app(processing, app.verbose_name))
    return found


def _with_app(processing: Processing, app_label: str) -> Processing:
    from dataclasses import replace

    return replace(processing, app=str(app_label))


# Measures every processing of the platform shares (named once, listed in each entry).
COMMON_SECURITY = (
    "Accès nominatif par compte et mot de passe ; droits par organisation et par rôle",
    "Journal d'audit des créations, modifications, consultations et exports (ajout seul)",
    "Chiffrement des échanges (HTTPS) ; hébergeur indiqué dans les mentions légales",
)
