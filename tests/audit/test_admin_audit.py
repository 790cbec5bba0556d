"""Every change made in the admin is in the audit trail: creations, changes (field names only for
personal records), deletions one by one and in bulk, inline rows, password changes, dated
parameters; and the reads of personal records in the admin."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from maillage.accounts.enums import Role
from maillage.accounts.models import Membership
from maillage.audit.admin_mixins import AuditedAdminMixin
from maillage.audit.models import AuditAction, AuditEntry
from maillage.core.models import Parameter
from tests.accounts.factories import UserFactory
from tests.directory.factories import ChildminderFactory, StructureFactory


def form_data(response) -> dict:
    """The POST data of an admin change form as the page shows it (main form and inlines)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms += list(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            else:
                data[key] = value
    return data


def entries(action, model):
    return AuditEntry.objects.filter(action=action, object_type=model._meta.label_lower)


def test_every_model_admin_is_audited():
    missing = [
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label != "audit" and not isinstance(model_admin, AuditedAdminMixin)
    ]
    assert missing == []


@pytest.fixture
def admin_client(client, alice):
    client.force_login(alice)
    return client


def test_organisation_change_records_values(admin_client, organisations):
    carros = organisations["06033"]
    url = reverse("admin:accounts_organisation_change", args=[carros.pk])
    data = form_data(admin_client.get(url))
    data["email"] = "petite-enfance@carros.example"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [entry] = entries(AuditAction.UPDATE, type(carros))
    assert entry.changes == {"email": ["", "petite-enfance@carros.example"]}
    assert entry.actor_label == "alice@maillage.example"


def test_membership_inline_rows_are_recorded(admin_client, organisations, charlie):
    carros = organisations["06033"]
    url = reverse("admin:accounts_organisation_change", args=[carros.pk])
    data = form_data(admin_client.get(url))
    prefix = "memberships"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-user"] = str(charlie.pk)
    data[f"{prefix}-{total}-role"] = Role.READER
    data[f"{prefix}-{total}-organisation"] = str(carros.pk)
    assert admin_client.post(url, data).status_code == 302
    membership = Membership.objects.get(user=charlie, organisation=carros)
    [created] = entries(AuditAction.CREATE, Membership)
    assert created.object_id == str(membership.pk) and created.changes["role"] == [None, "reader"]
    # change then delete the row
    data = form_data(admin_client.get(url))
    index = next(
        i for i in range(int(data[f"{prefix}-TOTAL_FORMS"]))
        if data.get(f"{prefix}-{i}-id") == membership.pk
    )  # fmt: skip
    data[f"{prefix}-{index}-role"] = Role.DPO
    assert admin_client.post(url, data).status_code == 302
    [changed] = entries(AuditAction.UPDATE, Membership)
    assert changed.changes == {"role": ["reader", "dpo"]}
    data = form_data(admin_client.get(url))
    data[f"{prefix}-{index}-DELETE"] = "on"
    assert admin_client.post(url, data).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    [deleted] = entries(AuditAction.DELETE, Membership)
    assert deleted.object_id == str(membership.pk)


def test_user_changes_keep_field_names_only(admin_client, bruno):
    url = reverse("admin:accounts_user_change", args=[bruno.pk])
    data = form_data(admin_client.get(url))
    data["last_name"] = "Nouveaunom"
    assert admin_client.post(url, data).status_code == 302
    [entry] = entries(AuditAction.UPDATE, type(bruno))
    assert entry.changes == {"fields": ["last_name"]}
    assert "Nouveaunom" not in str(entry.changes) and "Nouveaunom" not in entry.object_label
    password_url = reverse("admin:auth_user_password_change", args=[bruno.pk])
    response = admin_client.post(
        password_url,
        {"password1": "Un-mot-de-passe-neuf-42", "password2": "Un-mot-de-passe-neuf-42"},
    )
    assert response.status_code == 302
    changes = [e.changes for e in entries(AuditAction.UPDATE, type(bruno))]
    assert len(changes) == 2 and "Un-mot-de-passe" not in str(changes)


def test_bulk_delete_action_records_each_object(admin_client, bassin):
    structures = [
        StructureFactory(commune=bassin["06033"], name=f"À supprimer {i}") for i in range(3)
    ]
    url = reverse("admin:directory_structure_changelist")
    response = admin_client.post(
        url,
        {
            "action": "delete_selected",
            "_selected_action": [s.pk for s in structures],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    deleted = entries(AuditAction.DELETE, type(structures[0]))
    assert {e.object_id for e in deleted} == {str(s.pk) for s in structures}
    assert all("suppression groupée (3)" in e.message for e in deleted)
    assert {e.changes["name"][0] for e in deleted} == {s.name for s in structures}


def test_dated_parameter_change_is_recorded(admin_client, db):
    parameter = Parameter.objects.create(
        key="test-bareme",
        label="Barème de test",
        value={"taux": 0.0619},
        valid_from=datetime.date(2026, 1, 1),
        source_label="Circulaire de test",
    )
    url = reverse("admin:core_parameter_change", args=[parameter.pk])
    data = form_data(admin_client.get(url))
    data["value"] = '{"taux": 0.0620}'
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [entry] = entries(AuditAction.UPDATE, Parameter)
    assert entry.changes == {"value": [{"taux": 0.0619}, {"taux": 0.062}]}


def test_reading_a_childminder_in_the_admin_is_recorded(admin_client, bassin):
    childminder = ChildminderFactory(commune=bassin["06033"], last_name="Confidentielle")
    admin_client.get(reverse("admin:directory_childminder_change", args=[childminder.pk]))
    [read] = AuditEntry.objects.for_object(childminder).filter(action=AuditAction.VIEW)
    assert "phone" in read.changes["fields"] and "Confidentielle" not in read.object_label
    admin_client.get(reverse("admin:directory_childminder_changelist"))
    lists = AuditEntry.objects.filter(action=AuditAction.VIEW, object_type="")
    assert lists.count() == 1 and lists.get().changes["rows"] == 1


def test_a_deleted_user_is_recorded_and_their_entries_keep_their_label(admin_client, db):
    user = UserFactory(email="depart@maillage.example")
    from maillage.audit.services import record

    earlier = record(AuditAction.LOGIN, actor=user)
    url = reverse("admin:accounts_user_delete", args=[user.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    [deleted] = entries(AuditAction.DELETE, type(user))
    assert deleted.object_label == "depart@maillage.example"
    assert "password" in deleted.changes["fields"]
    earlier.refresh_from_db()
    assert earlier.actor is None and earlier.actor_label == "depart@maillage.example"
