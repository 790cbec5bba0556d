"""The audit trail: one append-only record that every app writes to through `record()`."""

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Création"
    UPDATE = "update", "Modification"
    DELETE = "delete", "Suppression"
    VIEW = "view", "Consultation de données personnelles"
    EXPORT = "export", "Export"
    LOGIN = "login", "Connexion"
    LOGOUT = "logout", "Déconnexion"
    LOGIN_FAILED = "login_failed", "Échec de connexion"
    SWITCH = "switch_organisation", "Changement d'organisation"
    TRANSITION = "transition", "Changement d'état"
    IMPORT = "import", "Import"
    PURGE = "purge", "Purge (durée de conservation)"
    ERASE = "erase", "Effacement de données personnelles"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, *args, **kwargs):
        raise PermissionError("Le journal d'audit est en ajout seul.")

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal d'audit est en ajout seul.")

    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))

    def visible_to(self, membership):
        """What `membership` (the organisation a person acts for, with their role) may read.

        Everyone reads the entries of their own organisation's actions only. A data-protection
        officer reads the whole trail they are responsible for: `membership.audit_scope()`
        gives the organisations (theirs and its services; for the Caf's DPO, every organisation
        of the territory) and whether entries without organisation (system, anonymous
        downloads) are included. Duck-typed: the audit app does not import accounts.
        """
        if membership is None:
            return self.none()
        scope = getattr(membership, "audit_scope", None)
        if scope is None:
            return self.filter(organisation_id=membership.organisation_id)
        organisation_ids, platform = scope()
        condition = models.Q(organisation_id__in=list(organisation_ids))
        if platform:
            condition |= models.Q(organisation__isnull=True)
        return self.filter(condition)


class AuditEntry(models.Model):
    at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    actor_label = models.CharField("auteur (libellé)", max_length=255, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="agissant pour",
    )
    action = models.CharField("action", max_length=30, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField("type d'objet", max_length=100, blank=True, db_index=True)
    object_id = models.CharField("identifiant de l'objet", max_length=64, blank=True)
    object_label = models.CharField("objet", max_length=255, blank=True)
    changes = models.JSONField("changements", default=dict, blank=True)
    message = models.CharField("détail", max_length=500, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_label} {self.get_action_display()} {self.object_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Le journal d'audit est en ajout seul.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal d'audit est en ajout seul.")

    @property
    def actor_display(self) -> str:
        """Who acted, even after their account was deleted (the label is kept)."""
        return self.actor_label or "inconnu"


class TransitionLog(models.Model):
    """One move of a record's state machine (see audit.workflow), append-only like the trail."""

    at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    object_type = models.CharField("type d'objet", max_length=100)
    object_id = models.CharField("identifiant de l'objet", max_length=64)
    transition = models.CharField("transition", max_length=60)
    source = models.CharField("état de départ", max_length=40)
    target = models.CharField("état d'arrivée", max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    actor_label = models.CharField("auteur (libellé)", max_length=255, blank=True)
    reason = models.TextField("motif", blank=True)

    class Meta:
        verbose_name = "changement d'état"
        verbose_name_plural = "changements d'état"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self):
        return f"{self.object_type}#{self.object_id} {self.source} → {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("L'historique des états est en ajout seul.")
        super().save(*args, **kwargs)
