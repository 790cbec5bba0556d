"""Convention status machine, period constraint, fiche actions, bonus territoire."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from maillage.audit.models import AuditAction, AuditEntry
from maillage.audit.workflow import history
from maillage.conventions.editing import InvalidTransition, change_status, save_progress
from maillage.conventions.enums import ActionStatus, BonusRule, ConventionStatus
from maillage.conventions.models import Convention, parse_references
from maillage.conventions.services import share_bonus
from maillage.conventions.workflows import convention_workflow
from tests.conventions.factories import ActionFactory, ConventionFactory, PerspectiveFactory

D = datetime.date


@pytest.mark.django_db
class TestTransitions:
    def test_the_whole_life_of_a_convention_is_logged(self, alice):
        convention = ConventionFactory()
        change_status(convention, "sign", actor=alice, on=D(2021, 11, 25))
        change_status(convention, "activate", actor=alice, on=D(2022, 1, 1))
        change_status(convention, "end", on=D(2024, 12, 31))
        convention.refresh_from_db()
        assert convention.status == ConventionStatus.ENDED
        assert convention.signed_on == D(2021, 11, 25)
        log = list(convention.transitions.values_list("from_status", "to_status", "on", "user"))
        assert log == [
            ("draft", "signed", D(2021, 11, 25), alice.pk),
            ("signed", "active", D(2022, 1, 1), alice.pk),
            ("active", "ended", D(2024, 12, 31), None),
        ]
        # The workflow writes its own trail too: one TransitionLog and one audit entry a move.
        assert [(t.source, t.target) for t in history(convention)] == [
            ("draft", "signed"),
            ("signed", "active"),
            ("active", "ended"),
        ]
        assert (
            AuditEntry.objects.for_object(convention).filter(action=AuditAction.TRANSITION).count()
            == 3
        )

    @pytest.mark.parametrize(
        "status, name",
        [
            (ConventionStatus.DRAFT, "activate"),
            (ConventionStatus.DRAFT, "end"),
            (ConventionStatus.SIGNED, "sign"),
            (ConventionStatus.ENDED, "activate"),
            (ConventionStatus.TERMINATED, "sign"),
        ],
    )
    def test_moves_outside_the_table_are_refused(self, status, name):
        convention = ConventionFactory(status=status)
        with pytest.raises(InvalidTransition, match="l'état actuel est"):
            change_status(convention, name)
        convention.refresh_from_db()
        assert convention.status == status
        assert not convention.transitions.exists() and not history(convention).exists()

    def test_termination_needs_a_reason_and_is_allowed_from_signed_or_active(self):
        convention = ConventionFactory(active=True)
        with pytest.raises(InvalidTransition, match="motif"):
            change_status(convention, "terminate", reason=" ")
        change_status(
            convention,
            "terminate",
            reason="Non-respect des obligations, mise en demeure restée sans effet",
        )
        assert convention.status == ConventionStatus.TERMINATED
        assert convention.transitions.get().reason.startswith("Non-respect")
        with pytest.raises(InvalidTransition):
            change_status(
                ConventionFactory(status=ConventionStatus.DRAFT), "terminate", reason="Motif"
            )

    def test_a_stale_copy_cannot_move_the_status_twice(self, alice):
        """Two people apply the same move from pages loaded at the same state: one wins, the
        other gets the French conflict message and nothing is logged twice."""
        convention = ConventionFactory(active=True)
        stale = Convention.objects.get(pk=convention.pk)
        change_status(convention, "end", actor=alice)
        with pytest.raises(InvalidTransition, match="juste avant vous"):
            change_status(stale, "terminate", reason="Motif")
        convention.refresh_from_db()
        assert convention.status == ConventionStatus.ENDED
        assert convention.transitions.count() == 1 and history(convention).count() == 1

    def test_available_transitions_come_from_the_workflow(self):
        convention = ConventionFactory(status=ConventionStatus.ACTIVE)
        names = [name for name, _label in convention.available_transitions()]
        assert names == ["end", "terminate"]
        assert all(convention_workflow.can(convention, name) for name in names)


@pytest.mark.django_db
class TestPeriod:
    def test_end_date_follows_the_duration(self):
        convention = ConventionFactory(start_date=D(2021, 1, 1), duration_years=4)
        assert convention.end_date == D(2024, 12, 31)
        assert convention.years == [2021, 2022, 2023, 2024]
        convention.duration_years = 1
        convention.start_date = D(2024, 3, 1)
        assert convention.end_date == D(2025, 2, 28)

    @pytest.mark.parametrize("years", [0, 6])
    def test_the_database_refuses_a_period_outside_1_to_5_years(self, years):
        convention = ConventionFactory.build(
            territory=ConventionFactory().territory, duration_years=years, slug=f"c-{years}"
        )
        with pytest.raises(ValidationError) as error:
            convention.full_clean()
        assert "La durée d'une convention va de 1 à 5 ans." in error.value.messages
        with pytest.raises(IntegrityError), transaction.atomic():
            convention.save()


@pytest.mark.django_db
class TestActions:
    def test_progress_and_status_together_done_means_100(self):
        action = ActionFactory(ongoing=True)
        save_progress(action, status=ActionStatus.DONE, progress=60)
        action.refresh_from_db()
        assert (action.status, action.progress) == (ActionStatus.DONE, 100)
        with pytest.raises(ValidationError):
            save_progress(action, status=ActionStatus.ONGOING, progress=101)
        with pytest.raises(ValidationError):
            save_progress(action, status="finie", progress=10)

    def test_the_database_refuses_progress_above_100(self):
        action = ActionFactory()
        action.progress = 150
        with pytest.raises(IntegrityError), transaction.atomic():
            action.save()

    def test_cross_references_are_parsed_from_the_text_into_links(self):
        first = ActionFactory(code="1.2.2", title="Réseau handicap")
        perspective = PerspectiveFactory(
            axis=first.perspective.axis,
            code="2.1",
            operational=["cf 1.2.2- Favoriser l'accueil des enfants porteurs de handicap"],
        )
        second = ActionFactory(
            perspective=perspective,
            code="2.1.1",
            implementation=["S'appuyer sur le réseau (cf. action 1.2.2) et sur la fiche cf 9.9.9"],
        )
        unknown = second.refresh_references()
        assert list(second.references.values_list("code", flat=True)) == ["1.2.2"]
        assert list(first.referenced_by.values_list("code", flat=True)) == ["2.1.1"]
        assert unknown == ["9.9.9"]


def test_parse_references_finds_each_code_once_in_order():
    text = "cf 1.2.2- réseau ; voir aussi cf. 3.1.1, CF 1.2.2 et cf action 4.1.2."
    assert parse_references(text) == ["1.2.2", "3.1.1", "4.1.2"]
    assert parse_references("Fin 2024, 1.2 places") == []


class TestBonusTerritoire:
    def test_pro_rata_of_places_with_the_computation_shown(self):
        rows = share_bonus(
            Decimal("12000"), BonusRule.PRO_RATA_PLACES, [("Crèche A", 20), ("Crèche B", 40)]
        )
        assert [(r["name"], r["share"]) for r in rows] == [
            ("Crèche A", Decimal("4000.00")),
            ("Crèche B", Decimal("8000.00")),
        ]
        assert rows[0]["computation"] == "12 000,00 € × 20 / 60 places"

    def test_rounding_cents_go_to_the_largest_remainders_and_the_sum_is_exact(self):
        rows = share_bonus(Decimal("100"), BonusRule.EQUAL_SHARES, [("A", 0), ("B", 0), ("C", 0)])
        assert [r["share"] for r in rows] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
        rows = share_bonus(
            Decimal("1000.01"), BonusRule.PRO_RATA_PLACES, [("A", 7), ("B", 11), ("C", 13)]
        )
        assert sum(r["share"] for r in rows) == Decimal("1000.01")

    def test_pro_rata_without_places_is_refused_in_french(self):
        with pytest.raises(ValidationError, match="aucune place renseignée"):
            share_bonus(Decimal("10"), BonusRule.PRO_RATA_PLACES, [("A", 0)])
