"""Demo: the CTG of the bassin de vie de Carros (2021-2024), imported from the YAML file shipped
in `maillage/conventions/data/` — the same format partners use for their own convention."""

from importlib import resources

from maillage.conventions.importer import import_text
from maillage.conventions.services import current_version

DEMO_FILE = "ctg-bassin-de-vie-carros-2021-2024.yaml"


def load(out, progress=None) -> None:
    from maillage.territories.models import TerritoryGroup

    if not TerritoryGroup.objects.filter(slug="bassin-de-vie-carros").exists():
        out.write("Conventions : territoire de démonstration absent, rien à charger.")
        return
    text = resources.files("maillage.conventions.data").joinpath(DEMO_FILE).read_text("utf-8")
    convention = import_text(text, filename=DEMO_FILE, replace=True)
    current_version(convention)  # version 1: the convention as signed
    actions = sum(p.actions.count() for a in convention.axes.all() for p in a.perspectives.all())
    out.write(
        f"Convention « {convention.slug} » : {convention.axes.count()} axes, {actions} fiches "
        f"actions, {convention.indicators.count()} indicateurs, {convention.bodies.count()} "
        "instances."
    )
    # The indicators fed by the observatory get today's measurement at once; the schedule
    # (`indicator-feeds`, daily) adds one a day, which builds their history.
    import datetime

    from maillage.conventions.feeds import refresh_all

    measured = refresh_all(datetime.date.today())
    out.write(f"Indicateurs alimentés automatiquement : {measured} mesure(s) du jour.")
