"""Preparing the next convention from one that ends, and creating a convention in the site."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from maillage.audit.models import AuditEntry
from maillage.conventions import renewal
from maillage.conventions.enums import ActionStatus, ConventionStatus, PartyRole
from maillage.conventions.models import Action, Convention, Indicator
from tests.accounts.factories import OrganisationFactory
from tests.conventions.factories import ObjectiveFactory

LATE = datetime.date(2026, 11, 29)


def url(name, convention, **kwargs):
    return reverse(name, kwargs={"slug": convention.slug, **kwargs})


@pytest.mark.django_db
class TestPrepareNext:
    def test_a_draft_for_the_next_period_carries_parties_axes_and_unfinished_fiches(
        self, convention, alice, organisations
    ):
        ObjectiveFactory(convention=convention, theme="Enfance", text="Un RAM itinérant")
        done = Action.objects.of(convention).get(code="1.1.1")
        indicator = Indicator.objects.get(action__code="1.2.1")
        indicator.record(value=3, on=datetime.date(2024, 6, 30))
        successor, created = renewal.prepare_next(
            convention, on=LATE, actor=alice, organisation=organisations["caf"]
        )
        assert created
        assert successor.previous == convention
        assert (successor.status, successor.start_date, successor.duration_years) == (
            ConventionStatus.DRAFT,
            datetime.date(2025, 1, 1),
            4,
        )
        assert successor.end_date == datetime.date(2028, 12, 31)
        assert successor.title == "CTG du bassin de Carros (2025-2028)"
        assert sorted(successor.parties.values_list("organisation__slug", flat=True)) == sorted(
            convention.parties.values_list("organisation__slug", flat=True)
        )
        assert [(a.code, a.carried_over) for a in successor.axes.all()] == [("1", True)]
        assert [o.carried_over for o in successor.objectives.all()] == [True]
        carried = {a.code: a for a in Action.objects.of(successor)}
        assert set(carried) == {"1.1.1", "1.2.1"}
        assert carried["1.1.1"].carried_from == done
        assert carried["1.1.1"].status == ActionStatus.ONGOING
        copy = carried["1.2.1"].indicators.get()
        assert (copy.label, copy.baseline, copy.baseline_date) == (
            indicator.label,
            3,
            datetime.date(2024, 6, 30),
        )
        assert not copy.measurements.exists()
        assert successor.bodies.count() == convention.bodies.count()
        follow_up = successor.bodies.get(relative_to__isnull=False)
        assert follow_up.relative_to.convention == successor
        entry = AuditEntry.objects.get(object_type="conventions.convention", object_id=successor.pk)
        assert "préparée à partir de" in entry.message
        # The convention that ends is unchanged.
        assert Action.objects.of(convention).count() == 2

    def test_done_and_abandoned_fiches_stay_with_the_convention_that_ends(self, convention):
        Action.objects.of(convention).filter(code="1.1.1").update(status=ActionStatus.DONE)
        successor, _ = renewal.prepare_next(convention, on=LATE)
        assert list(Action.objects.of(successor).values_list("code", flat=True)) == ["1.2.1"]

    def test_a_second_call_returns_the_draft_already_prepared(self, convention):
        first, created = renewal.prepare_next(convention, on=LATE)
        second, created_again = renewal.prepare_next(convention, on=LATE)
        assert created and not created_again
        assert first == second
        assert Convention.objects.filter(previous=convention).count() == 1

    def test_before_the_renewal_window_it_is_refused_in_french(self, convention):
        with pytest.raises(renewal.RenewalNotOpen) as error:
            renewal.prepare_next(convention, on=datetime.date(2023, 3, 1))
        assert "se prépare à partir du 30/06/2024" in " ".join(error.value.messages)
        assert not Convention.objects.filter(previous=convention).exists()
        # Within the window (the notice period before the end) it is open.
        successor, created = renewal.prepare_next(convention, on=datetime.date(2024, 7, 1))
        assert created and successor.start_date == datetime.date(2025, 1, 1)

    def test_the_page_offers_it_and_a_second_click_opens_the_same_draft(
        self, client, convention, bruno
    ):
        client.force_login(bruno)
        page = client.get(url("web:convention_detail", convention)).content.decode()
        assert "Préparer la convention suivante" in page
        first = client.post(url("web:convention_prepare_next", convention))
        successor = Convention.objects.get(previous=convention)
        assert first.status_code == 302
        assert first["Location"] == url("web:convention_detail", successor)
        second = client.post(url("web:convention_prepare_next", convention), follow=True)
        assert second.redirect_chain[-1][0] == url("web:convention_detail", successor)
        assert "déjà préparée" in second.content.decode()
        assert Convention.objects.filter(previous=convention).count() == 1
        draft = second.content.decode()
        assert "prépare la suite de" in draft
        plan = client.get(url("web:convention_plan", successor)).content.decode()
        assert plan.count("Reprise — à relire") == 2
        fiche = client.get(url("web:convention_action", successor, code="1.2.1")).content.decode()
        assert "Fiche reprise de la convention précédente" in fiche
        assert "Modifier la fiche et ses indicateurs" in fiche  # carried over, editable
        old = client.get(url("web:convention_detail", convention)).content.decode()
        assert "Préparer la convention suivante" not in old
        assert successor.title in old

    def test_elected_members_see_no_button_and_are_refused(self, client, convention, elected):
        client.force_login(elected)
        page = client.get(url("web:convention_detail", convention)).content.decode()
        assert "Préparer la convention suivante" not in page
        response = client.post(url("web:convention_prepare_next", convention))
        assert response.status_code == 403
        assert not Convention.objects.filter(previous=convention).exists()


@pytest.mark.django_db
class TestCreate:
    def form(self, bassin, organisations, **overrides):
        return {
            "title": "CTG du bassin de Carros",
            "kind": "ctg",
            "territory": str(bassin["group"].pk),
            "start_date": "2027-01-01",
            "duration_years": "5",
            "signatories": [str(organisations["caf"].pk)],
            "associated": [str(organisations["06025"].pk)],
            **overrides,
        }

    def test_the_charge_de_cooperation_creates_a_draft_with_its_parties(
        self, client, bruno, bassin, organisations
    ):
        client.force_login(bruno)
        listing = client.get(reverse("web:conventions")).content.decode()
        assert reverse("web:convention_create") in listing
        assert client.get(reverse("web:convention_create")).status_code == 200
        response = client.post(reverse("web:convention_create"), self.form(bassin, organisations))
        convention = Convention.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "web:convention_detail", kwargs={"slug": convention.slug}
        )
        assert convention.slug == "ctg-du-bassin-de-carros-2027-2031"
        assert (convention.status, convention.end_date) == (
            ConventionStatus.DRAFT,
            datetime.date(2031, 12, 31),
        )
        roles = {p.organisation.slug: p.role for p in convention.parties.all()}
        assert roles == {
            "commune-06033": PartyRole.SIGNATORY,
            "caf-06": PartyRole.SIGNATORY,
            "commune-06025": PartyRole.ASSOCIATED,
        }
        assert AuditEntry.objects.filter(
            object_type="conventions.convention", object_id=convention.pk, actor=bruno
        ).exists()
        # The existing pages take it from there.
        assert client.get(reverse("web:convention_plan", args=[convention.slug])).status_code == 200

    def test_implausible_input_is_refused_in_french_and_kept(
        self, client, alice, bassin, organisations
    ):
        client.force_login(alice)
        response = client.post(
            reverse("web:convention_create"),
            self.form(
                bassin,
                organisations,
                start_date="1900-01-01",
                duration_years="7",
                signatories=[str(organisations["06025"].pk)],
            ),
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "Saisissez une date comprise entre le" in page
        assert "La durée d&#x27;une convention va de 1 à 5 ans." in page
        assert "signataire ou partenaire associé, pas les deux" in page
        assert 'value="CTG du bassin de Carros"' in page
        assert not Convention.objects.exists()

    def test_readers_elected_and_families_cannot_create(self, client, elected, emma):
        for user in (elected, emma):
            client.force_login(user)
            assert client.get(reverse("web:convention_create")).status_code == 403
            listing = client.get(reverse("web:conventions")).content.decode()
            assert reverse("web:convention_create") not in listing

    def test_a_party_outside_the_territory_is_refused(self, bassin, organisations):
        stranger = OrganisationFactory(slug="ailleurs", name="Commune d'ailleurs")
        with pytest.raises(renewal.ValidationError) as error:
            renewal.create_convention(
                title="CTG",
                kind="ctg",
                territory=bassin["group"],
                start_date=datetime.date(2027, 1, 1),
                duration_years=4,
                signatories=[organisations["caf"], stranger],
                organisation=organisations["06033"],
            )
        assert "« Commune d'ailleurs » ne couvre aucune commune" in " ".join(error.value.messages)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_clicks_prepare_one_draft(client, convention, bruno):
    """Eight people click « Préparer la convention suivante » at once (real threads, each with
    its own connection): one draft, and every one of them is sent to it."""
    client.force_login(bruno)
    assert client.get(url("web:convention_detail", convention)).status_code == 200
    endpoint = url("web:convention_prepare_next", convention)
    count = 8
    barrier = threading.Barrier(count)
    results: dict[int, tuple[int, str]] = {}
    errors: list[BaseException] = []

    def click(n: int) -> None:
        try:
            person = Client()
            person.cookies = client.cookies
            barrier.wait(timeout=60)
            response = person.post(endpoint)
            results[n] = (response.status_code, response.get("Location", ""))
        except BaseException as exc:  # reported below, never swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    successor = Convention.objects.get(previous=convention)
    assert set(results.values()) == {(302, url("web:convention_detail", successor))}
    assert Convention.objects.count() == 2
    assert Action.objects.of(successor).count() == 2
