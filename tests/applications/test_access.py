"""Who sees which application; the one audited read helper; documents; notes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from maillage.accounts.enums import Role
from maillage.accounts.models import Membership
from maillage.applications import perms, services
from maillage.applications.enums import State
from maillage.audit.models import AuditAction, AuditEntry
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.applications.factories import ApplicationFactory, HouseholdFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture
def apps(guichet, bassin):
    def make(commune, wishes, state=State.WAITING):
        household = HouseholdFactory(territory=guichet["territory"], commune=bassin[commune])
        return ApplicationFactory(household=household, wishes=wishes, state=state)

    return {
        # lives in Gattières, wishes the association's crèche only
        "gattieres": make("06064", [guichet["gattieres"]]),
        # lives in Gattières, wishes the crèche of Le Broc
        "wish_le_broc": make("06064", [guichet["le_broc"]]),
        # lives in Le Broc, wishes Gattières
        "lives_le_broc": make("06025", [guichet["gattieres"]]),
        "draft": make("06025", [guichet["le_broc"]], state=State.DRAFT),
    }


def _membership(user, slug=None):
    memberships = Membership.objects.filter(user=user).select_related("organisation")
    return memberships.get(organisation__slug=slug) if slug else memberships.first()


def test_operator_sees_the_whole_territory_but_no_drafts(apps, bruno):
    visible = set(perms.visible_applications(_membership(bruno, "commune-06033")))
    assert visible == {apps["gattieres"], apps["wish_le_broc"], apps["lives_le_broc"]}


def test_commune_sees_wishes_in_its_structures_and_its_residents(apps, charlie):
    visible = set(perms.visible_applications(_membership(charlie)))
    assert visible == {apps["wish_le_broc"], apps["lives_le_broc"]}


def test_commune_of_gattieres_sees_its_residents(apps, bruno):
    visible = set(perms.visible_applications(_membership(bruno, "commune-06064")))
    assert visible == {apps["gattieres"], apps["wish_le_broc"]}


def test_manager_sees_wishes_in_its_structures(apps, guichet):
    user = UserFactory()
    membership = MembershipFactory(user=user, organisation=guichet["association"])
    assert set(perms.visible_applications(membership)) == {apps["gattieres"], apps["lives_le_broc"]}


def test_caf_sees_aggregates_only_unless_it_operates(apps, alice, guichet, organisations):
    membership = _membership(alice)
    assert not perms.visible_applications(membership).exists()
    assert perms.can_see_aggregates(membership, guichet["territory"])
    guichet["rules"].operator = organisations["caf"]
    guichet["rules"].save()
    assert perms.visible_applications(membership).count() == 3


def test_only_the_operators_agents_instruct(apps, bruno, charlie, organisations):
    application = apps["wish_le_broc"]
    assert perms.can_instruct(_membership(bruno, "commune-06033"), application)
    assert not perms.can_instruct(_membership(bruno, "commune-06064"), application)
    assert not perms.can_instruct(_membership(charlie), application)
    reader = MembershipFactory(organisation=organisations["06033"], role=Role.READER)
    assert not perms.can_instruct(reader, application)
    with pytest.raises(PermissionDenied):
        perms.require_instruct(_membership(charlie), application)


def test_the_read_helper_records_field_names_not_values(apps, charlie):
    application = apps["lives_le_broc"]
    opened = services.open_application(_membership(charlie), application.number, actor=charlie)
    assert opened == application
    entry = AuditEntry.objects.for_object(application).get(action=AuditAction.VIEW)
    assert entry.actor == charlie
    assert "child.birth_date" in entry.changes["fields"]
    assert application.household.email not in str(entry.changes)
    assert application.child.last_name not in str(entry.changes)


def test_the_read_helper_hides_what_is_not_visible(apps, charlie):
    with pytest.raises(Http404):
        services.open_application(_membership(charlie), apps["gattieres"].number, actor=charlie)
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW).exists()


def test_family_sees_only_its_own(apps, emma):
    application = apps["gattieres"]
    with pytest.raises(Http404):
        perms.require_family_application(emma, application.number)
    application.household.account = emma
    application.household.save()
    assert perms.require_family_application(emma, application.number) == application


def test_documents_are_checked_by_content_not_extension(apps, emma):
    application = apps["gattieres"]
    png_named_pdf = SimpleUploadedFile("justificatif.pdf", PNG)
    document = services.add_document(application, "address", png_named_pdf, actor=emma)
    assert document.content_type == "image/png"
    assert (
        services.add_document(
            application, "income", SimpleUploadedFile("avis.pdf", PDF), actor=emma
        ).content_type
        == "application/pdf"
    )
    with pytest.raises(services.GuichetError, match="ni un PDF"):
        services.add_document(
            application, "address", SimpleUploadedFile("faux.pdf", b"MZ\x90\x00 not a pdf"),
            actor=emma,
        )  # fmt: skip
    with pytest.raises(services.GuichetError, match="dépasse 5 Mo"):
        services.add_document(
            application, "address", SimpleUploadedFile("gros.pdf", PDF + b"0" * 5 * 1024 * 1024),
            actor=emma,
        )  # fmt: skip
    assert application.documents.count() == 2


def test_verified_document_is_deleted_and_the_trace_kept(apps, emma, bruno, organisations):
    application = apps["gattieres"]
    document = services.add_document(
        application, "address", SimpleUploadedFile("a.png", PNG), actor=emma
    )
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)
    services.verify_document(document, actor=bruno, organisation=organisations["06033"])
    document.refresh_from_db()
    assert not storage.exists(name)
    assert not document.file
    assert document.verified_by == bruno and document.verified_at is not None
    assert document.file_deleted_at is not None


def test_missing_documents_follow_the_rules(apps, emma):
    application = apps["gattieres"]
    assert services.missing_documents(application) == ["address", "birth"]
    services.add_document(application, "birth", SimpleUploadedFile("a.pdf", PDF), actor=emma)
    assert services.missing_documents(application) == ["address"]


def test_notes_stay_internal_and_messages_reach_the_family(
    apps, bruno, organisations, django_capture_on_commit_callbacks
):
    from django.core import mail

    application = apps["gattieres"]
    services.add_note(application, "Famille vue au guichet", actor=bruno,
                      organisation=organisations["06033"])  # fmt: skip
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(application, "Pièce reçue, merci", actor=bruno, from_family=False)
    assert len(mail.outbox) == 1
    assert "Pièce reçue" not in mail.outbox[0].body  # the e-mail only says there is a message


def test_family_edits_until_the_freeze_date(apps, guichet):
    application = apps["gattieres"]
    rules = guichet["rules"]
    rules.next_commission_on = datetime.date.today() + datetime.timedelta(days=30)
    rules.save()
    assert services.can_family_edit(application)
    rules.next_commission_on = datetime.date.today() + datetime.timedelta(days=10)
    rules.save()
    assert not services.can_family_edit(application)


@pytest.mark.parametrize("role", [Role.READER, Role.ELECTED, Role.DPO])
def test_readers_and_elected_members_get_aggregates_only(apps, guichet, organisations, role):
    """Even in the organisation operating the guichet, only admins and agents open files."""
    membership = MembershipFactory(organisation=organisations["06033"], role=role)
    application = apps["gattieres"]
    assert not perms.visible_applications(membership).exists()
    with pytest.raises(PermissionDenied):
        perms.require_visible_application(membership, application.number)
    with pytest.raises(PermissionDenied):
        services.open_application(membership, application.number, actor=membership.user)
    with pytest.raises(PermissionDenied):
        services.open_document(membership, application.number, 1, actor=membership.user)
    from maillage.applications.queue import QueueFilters, export_queue

    with pytest.raises(PermissionDenied):
        export_queue(membership, QueueFilters(), actor=membership.user)
    assert not AuditEntry.objects.filter(action__in=[AuditAction.VIEW, AuditAction.EXPORT]).exists()
    assert perms.can_see_aggregates(membership, guichet["territory"])
    agent = MembershipFactory(organisation=organisations["06033"], role=Role.AGENT)
    assert perms.require_visible_application(agent, application.number) == application


def test_commune_counts_mask_small_counts(apps, guichet, bassin, organisations):
    for _ in range(5):
        ApplicationFactory(
            household=HouseholdFactory(territory=guichet["territory"], commune=bassin["06033"]),
            wishes=[guichet["carros"]],
        )
    membership = MembershipFactory(organisation=organisations["06033"], role=Role.ELECTED)
    counts = {c["label"]: c for c in services.commune_counts(membership, guichet["territory"])}
    assert counts["Carros"]["count"] == 5 and not counts["Carros"]["masked"]
    # Gattières: two open applications (the draft of Le Broc is not counted)
    assert counts["Gattières"]["masked"] and counts["Le Broc"]["masked"]
    assert counts["Le Broc"]["count"] == 1
