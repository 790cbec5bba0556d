"""Access rules, persona by persona: each party edits what it leads, the others read, elected
officials read, non-parties are refused; every change is audited."""

import pytest
from django.urls import reverse

from maillage.audit.models import AuditAction, AuditEntry
from maillage.conventions import perms
from maillage.conventions.enums import ActionStatus

PLAN = "web:convention_plan"


def url(name, convention, **kwargs):
    return reverse(name, kwargs={"slug": convention.slug, **kwargs})


def post_progress(client, convention, code, status="ongoing", progress="40", **extra):
    return client.post(
        url("web:convention_action_progress", convention, code=code),
        {"status": status, "progress": progress},
        **extra,
    )


@pytest.mark.django_db
class TestActionEditing:
    def test_bruno_updates_the_carros_led_action_and_it_is_audited(self, client, convention, bruno):
        client.force_login(bruno)
        response = post_progress(client, convention, "1.2.1", HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "Avancement enregistré." in response.content.decode()
        action = convention.axes.get().perspectives.get(code="1.2").actions.get()
        assert (action.status, action.progress) == (ActionStatus.ONGOING, 40)
        entry = AuditEntry.objects.for_object(action).get()
        assert entry.action == AuditAction.UPDATE and entry.actor == bruno
        assert entry.organisation.slug == "commune-06033"
        assert entry.changes == {"progress": [0, 40], "status": ["new", "ongoing"]}

    def test_bruno_acting_for_carros_cannot_edit_the_gattieres_led_action(
        self, client, convention, bruno
    ):
        client.force_login(bruno)
        assert post_progress(client, convention, "1.1.1").status_code == 403
        # Acting for Gattières, he can.
        client.post(
            reverse("web:switch_organisation"),
            {
                "organisation": convention.parties.get(
                    organisation__slug="commune-06064"
                ).organisation_id
            },
        )
        assert post_progress(client, convention, "1.1.1").status_code == 302

    def test_charlie_of_le_broc_reads_the_plan_but_cannot_edit_a_carros_action(
        self, client, convention, charlie
    ):
        client.force_login(charlie)
        assert client.get(url(PLAN, convention)).status_code == 200
        response = post_progress(client, convention, "1.2.1")
        assert response.status_code == 403
        action = convention.axes.get().perspectives.get(code="1.2").actions.get()
        assert action.progress == 0 and not AuditEntry.objects.for_object(action).exists()
        page = client.get(url("web:convention_action", convention, code="1.2.1")).content.decode()
        assert "Enregistrer l'avancement" not in page

    def test_the_elected_official_reads_everything_and_changes_nothing(
        self, client, convention, elected
    ):
        client.force_login(elected)
        for name, kwargs in [
            ("web:convention_detail", {}),
            (PLAN, {}),
            ("web:convention_action", {"code": "1.2.1"}),
            ("web:convention_governance", {}),
            ("web:convention_evaluation", {}),
            ("web:convention_funding", {}),
            ("web:convention_amendments", {}),
        ]:
            assert client.get(url(name, convention, **kwargs)).status_code == 200, name
        assert post_progress(client, convention, "1.2.1").status_code == 403
        indicator = convention.indicators.get()
        response = client.post(
            url("web:convention_measurement_add", convention, pk=indicator.pk),
            {f"i{indicator.pk}-value": "3", f"i{indicator.pk}-on": "2023-01-10"},
        )
        assert response.status_code == 403 and not indicator.measurements.exists()
        assert (
            client.post(url("web:convention_evaluation", convention), {"kind": "final"}).status_code
            == 403
        )

    def test_the_caf_admin_edits_any_action_and_convention_wide_things(
        self, client, convention, alice
    ):
        client.force_login(alice)
        assert (
            post_progress(client, convention, "1.1.1", status="done", progress="10").status_code
            == 302
        )
        response = client.post(
            url("web:convention_transition", convention),
            {"transition": "end", "on": "2024-12-31", "reason": ""},
        )
        assert response.status_code == 302
        convention.refresh_from_db()
        assert convention.status == "ended"
        assert AuditEntry.objects.for_object(convention).get().action == AuditAction.TRANSITION

    def test_a_commune_agent_cannot_change_the_convention_status(self, client, convention, bruno):
        client.force_login(bruno)
        response = client.post(
            url("web:convention_transition", convention), {"transition": "end", "on": "2024-12-31"}
        )
        assert response.status_code == 403
        convention.refresh_from_db()
        assert convention.status == "active"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["emma", "outsider"])
def test_non_parties_are_refused(client, convention, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for name, kwargs in [
        ("web:convention_detail", {}),
        (PLAN, {}),
        ("web:convention_action", {"code": "1.2.1"}),
        ("web:convention_ics", {}),
        ("web:convention_download", {"fmt": "docx"}),
    ]:
        response = client.get(url(name, convention, **kwargs))
        assert response.status_code == 403, name
    assert "organisations parties" in response.content.decode()
    assert post_progress(client, convention, "1.2.1").status_code == 403
    assert convention.title not in client.get(reverse("web:conventions")).content.decode()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client, convention):
    response = client.get(url("web:convention_detail", convention))
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.django_db
def test_perms_helpers_by_role(convention, alice, bruno, charlie, elected, organisations):
    action = convention.axes.get().perspectives.get(code="1.2").actions.get()
    m = {
        "alice": alice.memberships.get(),
        "bruno": bruno.memberships.get(organisation=organisations["06033"]),
        "charlie": charlie.memberships.get(),
        "elected": elected.memberships.get(),
    }
    assert [perms.can_edit_action(m[p], action) for p in m] == [True, True, False, False]
    assert [perms.can_edit_convention(m[p], convention) for p in m] == [True, False, False, False]
    assert [perms.can_run_secretariat(m[p], convention) for p in m] == [True, True, True, False]
    assert [perms.can_view_convention(m[p], convention) for p in m] == [True, True, True, True]
    assert perms.can_view_convention(None, convention) is False
