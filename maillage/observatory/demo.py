"""Demo content of the observatory: the bassin de vie de Carros as its CTG diagnostic describes it
(seed convention 004) and commentary blocks; the territories demo loads the commune contours."""

import datetime
from importlib import resources
from pathlib import Path

from maillage.observatory.enums import DiagnosticSection, Indicator, Method
from maillage.observatory.importers import import_figures
from maillage.observatory.models import DiagnosticComment, Figure
from maillage.observatory.parameters import observatory_parameters, reference_history
from maillage.observatory.services import children_under_3
from maillage.territories.models import TerritoryGroup

SLUG = "bassin-de-vie-carros"
FIGURES = "demo-bassin-carros.csv"
ESTIMATE_SOURCE = (
    "Estimation Maillage (démonstration) : taux national {year} de ce mode ({source}) × enfants "
    "de moins de 3 ans estimés"
)

COMMENTS = {
    DiagnosticSection.PORTRAIT: (
        "Le bassin de vie compte 29 233 habitants (INSEE, RP 2016) et un quartier prioritaire de "
        "la politique de la ville à Carros (quartier de la Ville Nouvelle, 2 011 habitants). Les "
        "couples avec enfants sont sur-représentés parmi les allocataires ; la part des "
        "familles monoparentales (19 %) dépasse les niveaux départemental et national."
    ),
    DiagnosticSection.OFFER: (
        "Sur l'ensemble du bassin de vie, les EAJE n'accueillent que les enfants des communes où "
        "ils sont situés. Les assistants maternels ont de moins en moins de places vacantes et "
        "répondent aux besoins atypiques des familles."
    ),
    DiagnosticSection.GAP: (
        "Le taux de couverture moyen recouvre des réalités contrastées : Saint-Jeannet compte le "
        "moins de places d'accueil. Une liste d'attente relativement importante est constatée à "
        "Carros."
    ),
    DiagnosticSection.AXES: (
        "Étudier la faisabilité d'une crèche inter-entreprises près de la zone industrielle de "
        "Carros et de la ZAC de Saint-Jeannet ; créer un relais petite enfance itinérant "
        "intercommunal."
    ),
}


def _estimated_modes(group, out) -> int:
    """Garde à domicile and préscolarisation: no local figure in the convention, so the demo
    estimates them from the latest national rate of each mode (flagged estimated)."""
    params = observatory_parameters()
    history = [r for r in reference_history() if r.modes]
    if not history:
        return 0
    ref = history[-1]
    communes = list(group.communes.all())
    children = children_under_3(communes, params)
    period = str(datetime.date.today().year)
    count = 0
    for mode, indicator in (
        ("garde_a_domicile", Indicator.PLACES_GARDE_A_DOMICILE),
        ("prescolarisation", Indicator.PLACES_PRESCOLARISATION),
    ):
        rate = ref.modes.get(mode)
        if rate is None:
            continue
        for commune in communes:
            kids = children[commune.pk].value
            if kids is None:
                continue
            Figure.objects.update_or_create(
                indicator=indicator,
                commune=commune,
                period=period,
                defaults={
                    "value": round(kids * rate / 100),
                    "method": Method.ESTIMATED,
                    "source_label": ESTIMATE_SOURCE.format(year=ref.year, source=ref.source_label),
                    "source_url": ref.source_url,
                    "note": f"{rate} places pour 100 enfants au niveau national en {ref.year}",
                },
            )
            count += 1
    return count


def load(out, progress=None) -> None:
    group = TerritoryGroup.objects.filter(slug=SLUG).first()
    if group is None:
        out.write("Observatoire : territoire de démonstration absent, rien à charger.")
        return
    with resources.as_file(resources.files("maillage.observatory.data").joinpath(FIGURES)) as p:
        figures = import_figures(Path(p))
    out.write(
        f"Données du diagnostic de la CTG : {figures.created} créées, {figures.updated} "
        f"modifiées, {figures.unchanged} inchangées."
    )
    estimated = _estimated_modes(group, out)
    out.write(f"Garde à domicile et préscolarisation : {estimated} estimations (marquées).")
    for section, text in COMMENTS.items():
        DiagnosticComment.objects.get_or_create(
            territory=group, section=section, defaults={"text": text}
        )
    out.write("Commentaires du diagnostic partagé : prêts.")
