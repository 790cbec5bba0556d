"""Avenants: what changes, the readable diff (text and HTML), the history of versions."""

import pytest
from django.core.exceptions import ValidationError

from maillage.conventions.services import (
    content_lines,
    current_version,
    diff_html,
    record_amendment,
    snapshot_content,
)
from tests.conventions.factories import ActionFactory


@pytest.mark.django_db
class TestAmendments:
    def test_an_avenant_changes_the_period_and_a_clause_with_a_readable_diff(
        self, convention, alice
    ):
        amendment = record_amendment(
            convention,
            title="Prolongation d'un an",
            duration_years=5,
            clauses=[
                {
                    "number": "ARTICLE 10",
                    "text": "La présente convention est conclue à compter du 1er janvier 2021 "
                    "jusqu'au 31 décembre 2025.",
                }
            ],
            by=alice,
        )
        convention.refresh_from_db()
        assert convention.duration_years == 5
        assert (amendment.number, amendment.before.number, amendment.after.number) == (1, 1, 2)
        text = amendment.diff_text.splitlines()
        assert text[:2] == ["--- version 1", "+++ version 2"]
        assert "-Période : du 2021-01-01 au 2024-12-31 (4 ans)" in text
        assert "+Période : du 2021-01-01 au 2025-12-31 (5 ans)" in text
        assert (
            "-La présente convention est conclue à compter du 1er janvier 2021 jusqu'au 31 "
            "décembre 2024." in text
        )
        assert (
            "+La présente convention est conclue à compter du 1er janvier 2021 jusqu'au 31 décembre 2025."
            in text
        )
        # Unchanged parts stay out of the diff (one line of context at most).
        assert not any("Comité technique" in line for line in text)
        html = diff_html(amendment.diff_text)
        assert (
            '<del class="diff-del d-block"><span class="visually-hidden">Supprimé : </span>− Période : du 2021-01-01 au 2024-12-31 (4 ans)</del>'
            in html
        )
        assert "<ins" in html and "31 décembre 2025" in html
        # The history keeps both versions as JSON.
        versions = list(convention.versions.values_list("number", "content__period__end"))
        assert versions == [(1, "2024-12-31"), (2, "2025-12-31")]

    def test_changes_to_the_annexes_are_captured_by_the_next_avenant(
        self, convention, organisations
    ):
        current_version(convention)
        perspective = convention.axes.get(code="1").perspectives.get(code="1.2")
        ActionFactory(
            perspective=perspective,
            code="1.2.4",
            title="Créer un LAEP itinérant",
            lead=organisations["06025"],
        )
        amendment = record_amendment(convention, title="Nouvelle fiche action 1.2.4")
        assert (
            "+- Action 1.2.4 Créer un LAEP itinérant (pilote : commune-06025 ; échéance : 2024-12-31)"
            in amendment.diff_text.splitlines()
        )
        changed = [line for line in amendment.diff_text.splitlines()[2:] if line[:1] in "+-"]
        assert len(changed) == 1

    def test_an_avenant_that_changes_nothing_or_breaks_the_rules_is_refused(self, convention):
        with pytest.raises(ValidationError, match="ne modifie rien"):
            record_amendment(convention, title="Rien")
        with pytest.raises(ValidationError, match="La durée d'une convention va de 1 à 5 ans."):
            record_amendment(convention, title="Trop long", duration_years=6)
        assert not convention.amendments.exists()

    def test_a_new_clause_is_added_after_the_others(self, convention):
        record_amendment(
            convention,
            title="Clause de révision",
            clauses=[{"number": "ARTICLE 15", "title": "Révision", "text": "Revue à mi-parcours."}],
        )
        assert list(convention.clauses.values_list("number", flat=True)) == [
            "ARTICLE 10",
            "ARTICLE 15",
        ]

    def test_content_lines_render_every_part(self, convention):
        lines = content_lines(snapshot_content(convention))
        assert "## Plan d'actions" in lines and "### ARTICLE 10 Durée de la convention" in lines
        assert any(
            line.startswith("- COPIL Comité de pilotage : se réunit une fois par an")
            for line in lines
        )
