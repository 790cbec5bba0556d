from maillage.observatory import demo
from maillage.observatory.enums import Indicator, Method
from maillage.observatory.models import DiagnosticComment, Figure


def test_demo_has_contours_figures_of_the_convention_and_flagged_estimates(demo_bassin):
    carros = demo_bassin["06033"]
    assert carros.geometry["type"] == "Polygon"
    assert "IGN ADMIN EXPRESS 2018" in carros.geometry_source
    assert carros.latitude is not None
    population = Figure.objects.get(indicator=Indicator.POPULATION, commune=carros)
    assert (population.value, population.period) == (11614, "2016")
    assert "CTG du bassin de vie de Carros" in population.source_label
    allocataires = Figure.objects.get(indicator=Indicator.ALLOCATAIRES)
    assert allocataires.territory == demo_bassin["group"] and allocataires.value == 4484
    assert (
        sum(
            Figure.objects.filter(
                indicator=Indicator.CHILDMINDERS, commune__isnull=False
            ).values_list("value", flat=True)
        )
        == 97
    )
    estimated = Figure.objects.filter(indicator=Indicator.PLACES_GARDE_A_DOMICILE)
    assert estimated.count() == 6
    assert all(f.method == Method.ESTIMATED for f in estimated)
    assert DiagnosticComment.objects.filter(territory=demo_bassin["group"]).count() == 4


def test_demo_is_idempotent(demo_bassin):
    before = Figure.objects.count()

    class Out:
        def __init__(self):
            self.lines = []

        def write(self, text):
            self.lines.append(text)

    out = Out()
    demo.load(out)
    assert Figure.objects.count() == before
    assert any("0 créées, 0 modifiées, 23 inchangées" in line for line in out.lines)
