"""Models of the guichet unique: per-territory dated settings, households, children,
applications with ranked wishes, documents, internal notes, messages and sent reminders."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from maillage.applications.enums import (
    OPEN_STATES,
    DeadlineKind,
    DocumentKind,
    RefusalRule,
    Source,
    State,
)
from maillage.core.concurrency import VersionedModel
from maillage.core.imports import ImportBatch, ImportStatus
from maillage.core.models import TimeStampedModel


def default_required_documents() -> list[str]:
    return [DocumentKind.ADDRESS.value, DocumentKind.BIRTH.value]


class GuichetSettingsQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None):
        on = on or datetime.date.today()
        return self.filter(valid_from__lte=on)


class GuichetSettings(models.Model):
    """The rules of one territory's guichet unique, from a date: a change is a new row, so a rule
    is never applied retroactively and the rules in force on any date can be shown."""

    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.CASCADE,
        related_name="guichet_settings",
        verbose_name="territoire",
    )
    valid_from = models.DateField("en vigueur à partir du")
    operator = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="operated_guichets",
        verbose_name="organisation qui tient le guichet",
    )
    number_prefix = models.CharField(
        "préfixe des numéros", max_length=6, help_text="Par exemple CAR pour CAR-2026-00042."
    )
    is_open = models.BooleanField("guichet ouvert aux demandes", default=True)
    participating_structures = models.ManyToManyField(
        "directory.Structure",
        related_name="guichet_settings",
        blank=True,
        verbose_name="structures participantes",
    )
    max_wishes = models.PositiveSmallIntegerField("nombre maximal de vœux", default=5)
    preregistration_month = models.PositiveSmallIntegerField(
        "pré-inscription possible à partir du mois de grossesse", default=6
    )
    birth_confirmation_days = models.PositiveSmallIntegerField(
        "délai pour confirmer la naissance (jours après la date prévue)", default=30
    )
    interest_period_months = models.PositiveSmallIntegerField(
        "confirmation de l'intérêt demandée tous les (mois)", default=6
    )
    interest_answer_days = models.PositiveSmallIntegerField(
        "délai pour confirmer l'intérêt (jours)", default=30
    )
    grace_days = models.PositiveSmallIntegerField(
        "délai de grâce pour réactiver une demande archivée (jours)", default=30
    )
    freeze_days = models.PositiveSmallIntegerField(
        "modification possible jusqu'à (jours avant la commission)", default=15
    )
    next_commission_on = models.DateField("prochaine commission", null=True, blank=True)
    required_documents = models.JSONField(
        "pièces demandées", default=default_required_documents, blank=True
    )
    refusal_rule = models.CharField(
        "règle en cas de refus d'une place",
        max_length=20,
        choices=RefusalRule.choices,
        default=RefusalRule.ARCHIVE_AFTER,
    )
    max_refusals = models.PositiveSmallIntegerField("nombre de refus avant archivage", default=2)
    retention_months = models.PositiveSmallIntegerField(
        "conservation après clôture (mois)", default=36
    )
    max_document_mb = models.PositiveSmallIntegerField(
        "taille maximale d'une pièce (Mo)", default=5
    )
    draft_retention_days = models.PositiveSmallIntegerField(
        "brouillon non déposé supprimé après (jours)",
        null=True,
        blank=True,
        help_text="Vide : la durée du paramètre daté retention-application-drafts-days (90 jours "
        "par défaut, avec sa source).",
    )
    draft_warning_days = models.PositiveSmallIntegerField(
        "famille prévenue de la suppression d'un brouillon (jours avant)", default=15
    )

    objects = GuichetSettingsQuerySet.as_manager()

    class Meta:
        verbose_name = "règles du guichet unique"
        verbose_name_plural = "règles des guichets uniques"
        ordering = ["territory", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "valid_from"], name="one_guichet_rule_set_per_date"
            )
        ]

    def __str__(self):
        return f"{self.territory} — règles du {self.valid_from:%d/%m/%Y}"

    @property
    def freeze_date(self) -> datetime.date | None:
        if self.next_commission_on is None:
            return None
        return self.next_commission_on - datetime.timedelta(days=self.freeze_days)

    def required_document_labels(self) -> list[str]:
        labels = dict(DocumentKind.choices)
        return [str(labels.get(code, code)) for code in self.required_documents]


class Household(TimeStampedModel):
    """A family as the guichet needs it: no social-security number, no nature of disability."""

    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name="territoire",
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
        verbose_name="compte de la famille",
    )
    external_reference = models.CharField(
        "identifiant dans l'autre logiciel", max_length=60, blank=True
    )
    parent_first_name = models.CharField("prénom du parent", max_length=100, blank=True)
    parent_last_name = models.CharField("nom du parent", max_length=100, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="commune de résidence",
    )
    parents_working = models.PositiveSmallIntegerField(
        "parents qui travaillent, étudient ou sont en formation", default=0
    )
    job_seeking = models.BooleanField("un parent cherche un emploi", default=False)
    integration_pathway = models.BooleanField(
        "un parent perçoit un minimum social (RSA…) ou suit un parcours d'insertion", default=False
    )
    single_parent = models.BooleanField("famille monoparentale", default=False)
    other_children = models.PositiveSmallIntegerField("autres enfants à charge", default=0)
    family_quotient = models.PositiveIntegerField("quotient familial (€)", null=True, blank=True)

    class Meta:
        verbose_name = "foyer"
        verbose_name_plural = "foyers"
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "external_reference"],
                condition=~Q(external_reference=""),
                name="one_household_per_external_reference",
            )
        ]

    def __str__(self):
        return f"Foyer {self.parent_last_name or self.external_reference or self.pk}"


class Child(TimeStampedModel):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="children")
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    expected_date = models.DateField("date prévue de naissance", null=True, blank=True)
    disability = models.BooleanField(
        "enfant en situation de handicap ou avec une maladie chronique (AEEH, PAI)", default=False
    )

    class Meta:
        verbose_name = "enfant"
        verbose_name_plural = "enfants"
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_date__isnull=False) | Q(expected_date__isnull=False),
                name="child_born_or_expected",
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def is_born(self) -> bool:
        return self.birth_date is not None

    @property
    def reference_date(self) -> datetime.date:
        return self.birth_date or self.expected_date


class ApplicationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def for_list(self):
        return self.select_related("child", "household__commune", "territory")


class Application(VersionedModel, TimeStampedModel):
    number = models.CharField("numéro", max_length=30, unique=True)
    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name="territoire",
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="applications", verbose_name="foyer"
    )
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="applications", verbose_name="enfant"
    )
    state = models.CharField(
        "état", max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    source = models.CharField(
        "origine", max_length=10, choices=Source.choices, default=Source.FAMILY
    )
    external_reference = models.CharField(
        "référence dans l'autre logiciel", max_length=60, blank=True
    )
    desired_start = models.DateField("date d'entrée souhaitée")
    days_per_week = models.PositiveSmallIntegerField("jours par semaine", default=5)
    daily_hours = models.DecimalField(
        "heures par jour", max_digits=4, decimal_places=1, null=True, blank=True
    )
    atypical_hours = models.BooleanField(
        "horaires atypiques (tôt, tard, nuit, week-end)", default=False
    )
    radius_km = models.PositiveSmallIntegerField(
        "accepte toute structure à moins de (km)", null=True, blank=True
    )
    accepts_childminder = models.BooleanField(
        "accepterait un assistant maternel ou une MAM", default=False
    )
    siblings_together = models.BooleanField(
        "frères et sœurs : ensemble ou pas du tout", default=False
    )
    sibling_structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="un frère ou une sœur y est déjà accueilli",
    )
    registered_on = models.DateField("date de la demande (ancienneté)", null=True, blank=True)
    submitted_at = models.DateTimeField("déposée le", null=True, blank=True)
    completed_at = models.DateTimeField("complète le", null=True, blank=True)
    interest_confirmed_on = models.DateField("intérêt confirmé le", null=True, blank=True)
    deadline_kind = models.CharField(
        "échéance", max_length=10, choices=DeadlineKind.choices, blank=True
    )
    deadline = models.DateField("date limite", null=True, blank=True)
    archived_on = models.DateField("archivée le", null=True, blank=True)
    refusals = models.PositiveSmallIntegerField("places refusées", default=0)
    correction_reason = models.TextField("motif de la demande de correction", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name="fusionnée dans",
    )
    # the applications of the other children of the same household (twins, siblings), linked
    # both ways when they apply; read with `siblings_together` by the guichet and the commission
    siblings = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name="demandes des frères et sœurs"
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'accueil"
        verbose_name_plural = "demandes d'accueil"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "external_reference"],
                condition=~Q(external_reference=""),
                name="one_application_per_external_reference",
            )
        ]
        indexes = [
            models.Index(fields=["territory", "state"], name="application_territory_state"),
            models.Index(fields=["state", "deadline"], name="application_state_deadline"),
            # the agents' queue: each sort, read in index order up to the page asked
            models.Index(fields=["registered_on", "number"], name="application_queue_seniority"),
            models.Index(fields=["desired_start", "number"], name="application_queue_start"),
            models.Index(fields=["-submitted_at", "number"], name="application_queue_submitted"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def family_explanation(self) -> str:
        from maillage.applications.enums import FAMILY_EXPLANATIONS

        return FAMILY_EXPLANATIONS[State(self.state)]


class ApplicationCounter(models.Model):
    """The last number given per territory and year (numbers are gapless and human-readable)."""

    territory = models.ForeignKey("territories.TerritoryGroup", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "compteur de demandes"
        verbose_name_plural = "compteurs de demandes"
        constraints = [
            models.UniqueConstraint(fields=["territory", "year"], name="one_counter_per_year")
        ]

    def __str__(self):
        return f"{self.territory_id}/{self.year}: {self.last}"


class Wish(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="wishes")
    structure = models.ForeignKey(
        "directory.Structure", on_delete=models.PROTECT, related_name="wishes"
    )
    rank = models.PositiveSmallIntegerField("rang")

    class Meta:
        verbose_name = "vœu"
        verbose_name_plural = "vœux"
        ordering = ["application", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="one_wish_per_rank"),
            models.UniqueConstraint(
                fields=["application", "structure"], name="one_wish_per_structure"
            ),
        ]

    def __str__(self):
        return f"{self.rank}. {self.structure}"


def document_path(instance, filename):
    return f"guichet/{instance.application_id}/{instance.kind}-{datetime.date.today():%Y%m%d}"


class Document(models.Model):
    """A document sent for an application; the file is deleted once checked, the trace stays."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("pièce", max_length=20, choices=DocumentKind.choices)
    file = models.FileField("fichier", upload_to=document_path, blank=True)
    content_type = models.CharField("format", max_length=40)
    size = models.PositiveIntegerField("taille (octets)")
    uploaded_at = models.DateTimeField("envoyée le", auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verified_at = models.DateTimeField("vérifiée le", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_by_label = models.CharField("vérifiée par", max_length=255, blank=True)
    file_deleted_at = models.DateTimeField("fichier supprimé le", null=True, blank=True)

    class Meta:
        verbose_name = "pièce justificative"
        verbose_name_plural = "pièces justificatives"
        ordering = ["application", "kind", "-uploaded_at"]
        indexes = [
            # the queue's missing-documents filter reads the applications having a kind of
            # document from this index alone (`queue.missing_documents_condition`)
            models.Index(fields=["kind", "application"], name="document_kind_application"),
        ]

    def __str__(self):
        return self.get_kind_display()


class Note(models.Model):
    """An internal note of the guichet: never shown to the family."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    author_label = models.CharField(max_length=255, blank=True)
    text = models.TextField("note")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "note interne"
        verbose_name_plural = "notes internes"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Note du {self.created_at:%d/%m/%Y}"


class Message(models.Model):
    """A message between the guichet and the family, shown to both."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    from_family = models.BooleanField(default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    text = models.TextField("message")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Message du {self.created_at:%d/%m/%Y}"


class SentNotice(models.Model):
    """An e-mail to the family (receipt, reminder, request): queued once per key, sent by the
    worker, shown in the application's history."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notices")
    key = models.CharField(max_length=120)
    subject = models.CharField("objet", max_length=255)
    body = models.TextField("texte")
    created_at = models.DateTimeField("préparé le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    recipient_missing = models.BooleanField("pas d'adresse électronique", default=False)

    class Meta:
        verbose_name = "courriel envoyé"
        verbose_name_plural = "courriels envoyés"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "key"], name="one_notice_per_key")
        ]

    def __str__(self):
        return self.subject


class ApplicationImport(ImportBatch):
    """A waiting list (CSV or XLSX, format v1) uploaded by an agent of the guichet's operator,
    between its upload, its preview (stored report) and its import (see `batch_imports`)."""

    Status = ImportStatus

    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.CASCADE,
        related_name="application_imports",
        verbose_name="territoire",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="application_imports",
        verbose_name="organisation",
    )

    class Meta(ImportBatch.Meta):
        verbose_name = "import de liste d'attente"
        verbose_name_plural = "imports de listes d'attente"


class Invitation(models.Model):
    """An e-mail inviting a family to claim, with her account, an application registered for her
    at the counter. Only the SHA-256 of the single-use token is stored; the token itself exists
    only in the e-mail sent by the worker."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField("adresse invitée")
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    expires_at = models.DateTimeField("expire le", null=True, blank=True)
    used_at = models.DateTimeField("utilisée le", null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="utilisée par",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )

    class Meta:
        verbose_name = "invitation à rattacher une demande"
        verbose_name_plural = "invitations à rattacher une demande"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Invitation {self.application_id}"
