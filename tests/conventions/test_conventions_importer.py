"""Import of a convention from YAML: the demo file, and strict validation in French."""

import textwrap

import pytest
from django.core.management import CommandError, call_command

from maillage.conventions.enums import ActionStatus, ConventionStatus, PartyRole
from maillage.conventions.importer import ConventionImportError, import_text
from maillage.conventions.models import Action, Convention

VALID = """
format: maillage-convention/1
slug: ctg-essai
kind: ctg
title: CTG d'essai
territory: bassin-de-vie-carros
period: {start: 2025-01-01, years: 5}
parties:
  - {organisation: caf-alpes-maritimes}
  - {organisation: commune-carros}
axes:
  - code: "1"
    title: Petite enfance
    perspectives: [{code: "1.1", title: Améliorer l'accueil}]
    actions:
      - code: "1.1.1"
        title: Créer un relais
        perspective: "1.1"
        lead: commune-carros
        deadline: 2026-06-30
        indicators: [Nombre de communes adhérentes]
governance:
  bodies:
    - {code: COPIL, kind: copil, name: Comité de pilotage, meetings_per_year: 1, documents_days_before: 15}
    - {code: SUIVI, kind: follow_up, name: Comité de suivi, relative_to: COPIL, offset_months: 1}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConventionImportError) as error:
        import_text(textwrap.dedent(text), filename="essai.yaml")
    return error.value.errors


@pytest.mark.django_db
class TestDemoFile:
    def test_the_demo_convention_is_imported_with_every_part(self, demo_convention):
        c = demo_convention
        assert c.slug == "ctg-bassin-de-vie-carros-2021-2024"
        assert (c.start_date.isoformat(), c.end_date.isoformat()) == ("2021-01-01", "2024-12-31")
        assert c.status == ConventionStatus.ACTIVE and c.notice_months == 6
        assert list(c.axes.values_list("code", flat=True)) == ["1", "2", "3", "4", "5", "6", "7"]
        codes = sorted(Action.objects.of(c).values_list("code", flat=True))
        assert codes == [
            "1.1.1",
            "1.2.1",
            "1.2.2",
            "1.2.3",
            "2.1.1",
            "3.1.1",
            "4.1.1",
            "4.1.2",
            "5.1.1",
            "6.1.1",
            "7.1.1",
        ]
        ongoing = set(
            Action.objects.of(c).filter(status=ActionStatus.ONGOING).values_list("code", flat=True)
        )
        assert ongoing == {"1.1.1", "2.1.1", "3.1.1", "4.1.1", "4.1.2", "6.1.1"}
        fiche = Action.objects.of(c).get(code="1.1.1")
        assert fiche.lead.slug == "commune-gattieres"
        assert fiche.deadline_label == "Fin d'année 2024"
        assert (
            "Présence de 37 entreprises et 600 salariés sur la ZAC Saint Estève de Saint Jeannet"
            in fiche.diagnosis
        )
        assert fiche.indicators.count() == 4
        assert sorted(fiche.communes.values_list("insee_code", flat=True)) == [
            "06025",
            "06064",
            "06065",
            "06122",
        ]
        # "cf 1.2.2" in the perspective 2.1 becomes a link from 2.1.1 to 1.2.2.
        assert list(
            Action.objects.of(c).get(code="2.1.1").references.values_list("code", flat=True)
        ) == ["1.2.2"]
        assert c.evaluation_questions.count() == 2
        assert [b.rule_text() for b in c.bodies.all()][:2] == [
            "se réunit une fois par an",
            "se réunit 2 fois par an",
        ]
        assert c.parties.filter(role=PartyRole.SIGNATORY).count() == 7
        assert c.data_exchange_clause.number == "ARTICLE 7"
        assert (
            c.competence_items.get(key="autres_petite_enfance")
            .exercised.get(commune__insee_code="06033")
            .detail
            == "ludothèque"
        )
        assert c.equipment.filter(commune__insee_code="06025").count() == 4

    def test_importing_again_needs_replace_then_replaces(self, demo_convention):
        from tests.conventions.conftest import demo_text

        with pytest.raises(ConventionImportError, match="existe déjà"):
            import_text(demo_text(), filename="ctg.yaml")
        again = import_text(demo_text(), filename="ctg.yaml", replace=True)
        assert Convention.objects.count() == 1 and again.pk != demo_convention.pk


@pytest.mark.django_db
class TestValidation:
    def test_a_minimal_file_is_imported(self, demo_organisations):
        convention = import_text(VALID, filename="essai.yaml")
        assert convention.duration_years == 5
        follow_up = convention.bodies.get(code="SUIVI")
        assert follow_up.relative_to.code == "COPIL"

    def test_a_bad_deadline_is_reported_with_its_path(self, demo_organisations):
        errors = errors_of(VALID.replace("deadline: 2026-06-30", "deadline: fin 2026"))
        assert errors == [
            "essai.yaml : axes[0].actions[0].deadline : date attendue au format AAAA-MM-JJ, "
            "reçu « fin 2026 »."
        ]
        assert not Convention.objects.exists()

    def test_every_problem_is_reported_at_once_and_nothing_is_written(self, demo_organisations):
        text = (
            VALID.replace("years: 5", "years: 7")
            .replace("lead: commune-carros", "lead: commune-gilette")
            .replace("kind: ctg", "kind: contrat")
            .replace('perspective: "1.1"', 'perspective: "1.2"')
            .replace("relative_to: COPIL", "relative_to: COTECH")
            .replace("title: CTG d'essai", "title: CTG d'essai\ncouleur: bleu")
        )
        errors = errors_of(text)
        assert "essai.yaml : period.years : nombre entre 1 et 5 attendu, reçu 7." in errors
        assert (
            "essai.yaml : axes[0].actions[0].lead : le pilote « commune-gilette » doit être une "
            "partie." in errors
        )
        assert any(
            e.startswith("essai.yaml : kind : valeur « contrat » inconnue ; attendu : ctg")
            for e in errors
        )
        assert any(
            e.startswith("essai.yaml : axes[0].actions[0].perspective : perspective « 1.2 »")
            for e in errors
        )
        assert (
            "essai.yaml : governance.bodies[1].relative_to : instance « COTECH » inconnue."
            in errors
        )
        assert any(e.startswith("essai.yaml : couleur : clé inconnue « couleur »") for e in errors)
        assert len(errors) == 6
        assert not Convention.objects.exists()

    def test_unknown_references_and_types(self, demo_organisations):
        text = VALID.replace("organisation: commune-carros}", "organisation: commune-inconnue}")
        text = text.replace("territory: bassin-de-vie-carros", "territory: nulle-part")
        text = text.replace(
            "indicators: [Nombre de communes adhérentes]", "indicators: [{unit: communes}]"
        )
        errors = errors_of(text)
        assert (
            "essai.yaml : territory : territoire « nulle-part » introuvable (identifiant d'un groupe)."
            in errors
        )
        assert (
            "essai.yaml : parties[1].organisation : organisation « commune-inconnue » introuvable (identifiant attendu)."
            in errors
        )
        assert (
            "essai.yaml : axes[0].actions[0].indicators[0].label : valeur obligatoire manquante."
            in errors
        )

    def test_missing_required_keys_and_wrong_shapes(self, demo_organisations):
        errors = errors_of("format: maillage-convention/1\nslug: x\nparties: une partie\n")
        assert "essai.yaml : kind : valeur obligatoire manquante." in errors
        assert "essai.yaml : period : valeur obligatoire manquante." in errors
        assert "essai.yaml : parties : liste attendue, reçu le texte « une partie »." in errors
        assert errors_of("- une liste\n") == [
            "essai.yaml : (racine) : dictionnaire (clé : valeur) attendu, reçu une liste."
        ]

    def test_unreadable_yaml_says_where(self, db):
        errors = errors_of("slug: [non fermé\ntitle: x\n")
        assert len(errors) == 1 and errors[0].startswith("essai.yaml : YAML illisible (ligne")

    def test_the_command_lists_the_errors_in_french(self, demo_organisations, tmp_path):
        path = tmp_path / "ma-ctg.yaml"
        path.write_text(VALID.replace("deadline: 2026-06-30", "deadline: 31/12/2026"), "utf-8")
        with pytest.raises(CommandError) as error:
            call_command("import_convention", str(path))
        assert "1 erreur : rien n'a été importé." in str(error.value)
        assert "ma-ctg.yaml : axes[0].actions[0].deadline : date attendue" in str(error.value)
        path.write_text(VALID, "utf-8")
        call_command("import_convention", str(path), verbosity=0)
        convention = Convention.objects.get(slug="ctg-essai")
        assert convention.versions.get().number == 1
        with pytest.raises(CommandError, match="--remplacer"):
            call_command("import_convention", str(path))
        with pytest.raises(CommandError, match="fichier introuvable"):
            call_command("import_convention", str(tmp_path / "absent.yaml"))


@pytest.mark.django_db
def test_the_documented_example_imports(demo_organisations):
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "conventions.md").read_text("utf-8")
    example = docs.split("Exemple minimal commenté :\n\n```yaml\n", 1)[1].split("```", 1)[0]
    convention = import_text(example, filename="conventions.md")
    assert convention.duration_years == 5
    action = Action.objects.of(convention).get(code="1.2.1")
    assert action.zone.name == "Haut-pays" and action.indicators.count() == 2
    assert convention.bonus.beneficiaries.get().places == 40
    assert str(convention.cooperation_posts.get().fte) == "0.80"
    assert convention.bodies.get(code="SUIVI").relative_to.code == "COPIL"
