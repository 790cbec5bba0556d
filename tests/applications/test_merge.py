"""Merging a duplicate: the same child applied twice; the agent chooses the one kept."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from maillage.applications import services
from maillage.applications.enums import State
from maillage.applications.models import Application
from maillage.audit.models import AuditAction, AuditEntry, TransitionLog
from tests.applications.factories import ApplicationFactory, ChildFactory, HouseholdFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BORN = datetime.date.today() - datetime.timedelta(days=90)


@pytest.fixture
def twins(guichet, emma):
    """Léa applied for twice: once online by her family, once at the counter."""
    household = HouseholdFactory(territory=guichet["territory"], account=emma,
                                 email="famille@exemple.fr")  # fmt: skip
    online = ApplicationFactory(
        household=household,
        child=ChildFactory(household=household, first_name="Léa", birth_date=BORN),
        wishes=[guichet["carros"], guichet["gattieres"]],
        state=State.WAITING,
        registered_on=datetime.date.today() - datetime.timedelta(days=10),
    )
    other = HouseholdFactory(territory=guichet["territory"], email="autre@exemple.fr")
    counter = ApplicationFactory(
        household=other,
        child=ChildFactory(household=other, first_name="LEA", birth_date=BORN),
        wishes=[guichet["le_broc"], guichet["carros"]],
        state=State.SUBMITTED,
        registered_on=datetime.date.today() - datetime.timedelta(days=200),
    )
    return online, counter


def test_agent_merges_keeping_the_chosen_application(
    client, twins, bruno, emma, password, django_capture_on_commit_callbacks
):
    online, counter = twins
    services.add_document(counter, "address", SimpleUploadedFile("a.png", PNG), actor=emma)
    services.add_note(counter, "Vue au guichet", actor=bruno, organisation=None)
    client.login(email=bruno.email, password=password)
    page = client.get(f"/guichet/file/{online.number}/").content.decode()
    assert f'value="{counter.number}"' in page  # offered as a possible duplicate
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/guichet/file/{counter.number}/fusionner/",
            {"other": online.number.lower(), "keep": "other"},
        )
    assert response["Location"] == f"/guichet/file/{online.number}/"
    online.refresh_from_db()
    counter.refresh_from_db()
    assert counter.state == State.MERGED and counter.merged_into == online
    assert online.state == State.WAITING
    wishes = list(online.wishes.order_by("rank").values_list("structure__name", flat=True))
    assert wishes == ["Maison de l'Enfance", "Les Canailous", "Crèche du Broc"]
    assert online.documents.count() == 1 and counter.documents.count() == 0
    assert online.notes.filter(text="Vue au guichet").exists()
    assert online.notes.filter(text__startswith=f"Demande {counter.number} fusionnée").exists()
    assert online.registered_on == counter.registered_on  # the earlier seniority is kept
    log = TransitionLog.objects.get(object_id=str(counter.pk), transition="merge")
    assert online.number in log.reason and log.actor == bruno
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(online.pk)).latest(
        "id"
    )
    assert entry.changes["merged"] == counter.number and entry.actor == bruno
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["autre@exemple.fr", "famille@exemple.fr"]
    assert all(online.number in m.body for m in mail.outbox)
    # the merged one says where it went
    page = client.get(f"/guichet/file/{counter.number}/").content.decode()
    assert "fusionnée dans la demande" in page and online.number in page


def test_only_the_same_child_open_and_instructed_is_merged(client, twins, guichet, charlie, bruno,
                                                          organisations, password):  # fmt: skip
    online, counter = twins
    stranger = ApplicationFactory(
        household=HouseholdFactory(territory=guichet["territory"]), state=State.WAITING,
        wishes=[guichet["carros"]],
    )  # fmt: skip
    membership = bruno.memberships.get(organisation=organisations["06033"])
    with pytest.raises(services.GuichetError, match="même enfant"):
        services.merge_duplicate(membership, stranger.number, online.number, keep_this=True,
                                 actor=bruno)  # fmt: skip
    with pytest.raises(services.GuichetError, match="numéro"):
        services.merge_duplicate(membership, online.number, "", keep_this=True, actor=bruno)
    with pytest.raises(services.GuichetError, match="Aucune demande"):
        services.merge_duplicate(membership, online.number, "CAR-1999-99999", keep_this=True,
                                 actor=bruno)  # fmt: skip
    Application.objects.filter(pk=online.pk).update(state=State.WITHDRAWN)
    with pytest.raises(services.GuichetError, match="en cours"):
        services.merge_duplicate(membership, counter.number, online.number, keep_this=False,
                                 actor=bruno)  # fmt: skip
    assert not Application.objects.filter(state=State.MERGED).exists()
    # Le Broc sees the counter application (wish in its crèche) but does not instruct
    client.login(email=charlie.email, password=password)
    response = client.post(f"/guichet/file/{counter.number}/fusionner/",
                           {"other": online.number, "keep": "this"})  # fmt: skip
    assert response.status_code == 403
    assert not Application.objects.filter(state=State.MERGED).exists()


def test_wishes_over_the_maximum_are_named_not_carried(guichet, twins, bruno, organisations):
    online, counter = twins
    counter.wishes.all().delete()
    for rank, key in enumerate(["le_broc", "outside"], start=1):
        counter.wishes.create(structure=guichet[key], rank=rank)
    online.wishes.create(structure=guichet["le_broc"], rank=3)  # online has 3 = max
    services.merge(counter, online, actor=bruno, organisation=organisations["06033"])
    assert online.wishes.count() == 3
    note = online.notes.get(text__startswith=f"Demande {counter.number}")
    assert "0 vœu(x) ajouté(s), 1 non repris faute de place (Crèche hors guichet)" in note.text


def test_the_duplicate_s_siblings_follow_the_kept_application(twins, bruno, guichet):
    online, counter = twins
    brother = ApplicationFactory(
        household=counter.household,
        child=ChildFactory(household=counter.household, first_name="Tom"),
        state=State.SUBMITTED,
    )
    services.link_siblings(brother)
    assert list(counter.siblings.all()) == [brother]
    services.merge(counter, online, actor=bruno, organisation=guichet["rules"].operator)
    assert list(online.siblings.all()) == [brother]
    assert online in brother.siblings.all()
