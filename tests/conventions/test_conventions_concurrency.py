"""No lost updates: every edit form of a convention carries the version it was shown; the first
save wins and the others get their form back, as typed, with the French conflict message (409).

The race test runs real threads, each with its own database connection, on SQLite (WAL,
immediate transactions, busy timeout) as on PostgreSQL."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from maillage.audit.models import AuditAction, AuditEntry
from maillage.conventions import editing
from maillage.conventions.models import Action

CONFLICT = "Quelqu&#x27;un d&#x27;autre a modifié cette fiche pendant que vous la modifiiez."


def url(name, convention, **kwargs):
    return reverse(name, kwargs={"slug": convention.slug, **kwargs})


def fiche_data(action, indicator, *, title, version, target="6"):
    p = f"ind{indicator.pk}"
    return {
        "version": str(version),
        "title": title,
        "deadline": "2024-06-30",
        "deadline_label": "Juin 2024",
        "implementation": "Informer les communes",
        f"{p}-version": str(indicator.version),
        f"{p}-label": indicator.label,
        f"{p}-unit": "communes",
        f"{p}-target": target,
    }


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_saves_of_one_fiche_one_wins_nothing_is_lost(client, convention, bruno):
    client.force_login(bruno)
    edit = url("web:convention_action_edit", convention, code="1.2.1")
    assert client.get(edit).status_code == 200  # the session now holds the organisation
    action = Action.objects.get(code="1.2.1")
    indicator = action.indicators.get()
    shown = action.version
    count = 20
    barrier = threading.Barrier(count)
    results: dict[int, tuple[int, str]] = {}
    errors: list[BaseException] = []

    def save(n: int) -> None:
        try:
            person = Client()
            person.cookies = client.cookies
            data = fiche_data(
                action, indicator, title=f"Version rédigée par la personne {n}", version=shown
            )
            barrier.wait(timeout=60)
            response = person.post(edit, data)
            results[n] = (response.status_code, response.content.decode())
        except BaseException as exc:  # reported below, never swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == count
    winners = [n for n, (status, _page) in results.items() if status == 302]
    losers = [n for n, (status, _page) in results.items() if status != 302]
    assert len(winners) == 1
    assert all(results[n][0] == 409 for n in losers) and len(losers) == count - 1
    for n in losers:
        page = results[n][1]
        assert CONFLICT in page
        assert f'value="Version rédigée par la personne {n}"' in page  # kept as typed
    action.refresh_from_db()
    assert action.title == f"Version rédigée par la personne {winners[0]}"
    assert action.version == shown + 1
    updates = AuditEntry.objects.for_object(action).filter(action=AuditAction.UPDATE)
    assert updates.count() == 1  # the losers wrote nothing, not even their audit entry


@pytest.mark.django_db
class TestStaleForms:
    def test_a_stale_fiche_comes_back_with_what_was_typed_then_saves(
        self, client, convention, bruno, alice
    ):
        action = Action.objects.get(code="1.2.1")
        indicator = action.indicators.get()
        client.force_login(bruno)
        edit = url("web:convention_action_edit", convention, code="1.2.1")
        page = client.get(edit).content.decode()
        assert f'name="version" value="{action.version}"' in page
        shown = action.version
        # Meanwhile the Caf updates the fiche.
        editing.save_fiche(
            Action.objects.get(pk=action.pk),
            values={"title": "Titre choisi par la Caf"},
            seen_version=shown,
            actor=alice,
        )
        typed = "Titre que Bruno a tapé"
        response = client.post(
            edit,
            {
                **fiche_data(action, indicator, title=typed, version=shown),
                "diagnosis": "Un constat que Bruno ne veut pas perdre",
            },
        )
        page = response.content.decode()
        assert response.status_code == 409
        assert CONFLICT in page
        assert f'value="{typed}"' in page and "Un constat que Bruno ne veut pas perdre" in page
        action.refresh_from_db()
        assert action.title == "Titre choisi par la Caf" and action.diagnosis == []
        # The form now carries the stored version: after checking, Bruno saves again.
        assert f'name="version" value="{action.version}"' in page
        response = client.post(
            edit, fiche_data(action, indicator, title=typed, version=action.version)
        )
        assert response.status_code == 302
        action.refresh_from_db()
        assert action.title == typed

    def test_an_indicator_changed_meanwhile_is_not_overwritten(
        self, client, convention, bruno, alice
    ):
        action = Action.objects.get(code="1.2.1")
        indicator = action.indicators.get()
        client.force_login(bruno)
        edit = url("web:convention_action_edit", convention, code="1.2.1")
        data = fiche_data(action, indicator, title=action.title, version=action.version)
        # The Caf sets the indicator's target while Bruno has the fiche open.
        editing.save_fiche(
            Action.objects.get(pk=action.pk),
            values={},
            indicators=[(indicator, indicator.version, {"target": 12})],
            actor=alice,
        )
        # Bruno only retyped the title; his form still shows the old target (6).
        response = client.post(edit, {**data, "title": "Nouveau titre"})
        assert response.status_code == 409
        indicator.refresh_from_db()
        action.refresh_from_db()
        assert indicator.target == 12 and action.title != "Nouveau titre"

    def test_stale_progress_inline_is_refused_in_french(self, client, convention, bruno, alice):
        action = Action.objects.get(code="1.2.1")
        shown = action.version
        editing.save_progress(
            Action.objects.get(pk=action.pk), status="ongoing", progress=40, actor=alice
        )
        client.force_login(bruno)
        response = client.post(
            url("web:convention_action_progress", convention, code="1.2.1"),
            {"status": "done", "progress": "90", "version": str(shown)},
            HTTP_HX_REQUEST="true",
        )
        page = response.content.decode()
        assert response.status_code == 409 and CONFLICT in page
        assert 'value="90"' in page
        action.refresh_from_db()
        assert (action.status, action.progress) == ("ongoing", 40)
        # Without htmx: the action page, with the typed values and the message.
        response = client.post(
            url("web:convention_action_progress", convention, code="1.2.1"),
            {"status": "done", "progress": "90", "version": str(shown)},
        )
        assert response.status_code == 409 and CONFLICT in response.content.decode()

    def test_stale_conclusions_and_avenant(self, client, convention, alice):
        client.force_login(alice)
        report = editing.create_report(convention, kind="final", year=None, actor=alice)
        shown = report.version
        editing.save_conclusions(report, conclusions="Premier texte", actor=alice)
        response = client.post(
            url("web:convention_report", convention, pk=report.pk),
            {"conclusions": "Mon texte tardif", "version": str(shown)},
        )
        page = response.content.decode()
        assert response.status_code == 409 and CONFLICT in page and "Mon texte tardif" in page
        report.refresh_from_db()
        assert report.conclusions == "Premier texte"

        shown = convention.version
        editing.record_amendment(
            convention,
            title="Prolongation",
            duration_years=5,
            seen_version=shown,
            actor=alice,
        )
        response = client.post(
            url("web:convention_amendments", convention),
            {
                "title": "Raccourcissement",
                "duration_years": "3",
                "version": str(shown),
            },
        )
        page = response.content.decode()
        assert response.status_code == 409 and CONFLICT in page and "Raccourcissement" in page
        convention.refresh_from_db()
        assert convention.duration_years == 5 and convention.amendments.count() == 1
