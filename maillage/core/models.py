"""Shared kernel: time-stamped base model and dated reference parameters.

Reference values that change by law (barèmes, thresholds, national figures) live here as dated
rows with their source, never as constants in code. Pure engines receive them as arguments.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True


class ParameterQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date):
        return self.filter(valid_from__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )

    def for_key(self, key: str):
        return self.filter(key=key)


class Parameter(models.Model):
    """One dated value of a reference parameter, with its source.

    `value` is JSON so that a scalar (a threshold) or a table (a barème) fit alike.
    `verified` is False for what the domain reference marks unverified: such values stay
    editable in the admin and are flagged wherever they are used.
    """

    key = models.SlugField("clé", max_length=120)
    label = models.CharField("libellé", max_length=255)
    value = models.JSONField("valeur")
    unit = models.CharField("unité", max_length=40, blank=True)
    valid_from = models.DateField("en vigueur du")
    valid_until = models.DateField("jusqu'au", null=True, blank=True)
    source_label = models.CharField("source", max_length=255)
    source_url = models.URLField("adresse de la source", max_length=500, blank=True)
    verified = models.BooleanField("vérifié", default=True)
    note = models.TextField("remarque", blank=True)

    objects = ParameterQuerySet.as_manager()

    class Meta:
        verbose_name = "paramètre daté"
        verbose_name_plural = "paramètres datés"
        ordering = ["key", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "valid_from"], name="parameter_unique_key_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="parameter_period_ordered",
                violation_error_message="La fin de validité doit suivre le début.",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.valid_from:%d/%m/%Y})"

    @property
    def vintage(self) -> str:
        return self.valid_from.strftime("%d/%m/%Y")


class ParameterMissing(LookupError):
    """No value of a parameter is in force at the requested date."""


def parameter_at(key: str, on: datetime.date | None = None) -> Parameter:
    """The row of `key` in force on `on` (today by default); raises ParameterMissing."""
    on = on or datetime.date.today()
    row = Parameter.objects.for_key(key).in_force(on).order_by("-valid_from").first()
    if row is None:
        raise ParameterMissing(
            f"Aucune valeur du paramètre « {key} » n'est en vigueur le {on:%d/%m/%Y}."
        )
    return row


class JobStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"


class Job(models.Model):
    """What a person waits for while the worker runs a task: progress, outcome, French error.

    A page that started background work polls its job (htmx) and survives a reload; the task
    itself (django-tasks) only carries the job's id. `key` makes enqueueing idempotent: a second
    click with the same key returns the job already queued or running instead of a new one.
    """

    kind = models.SlugField("type", max_length=60)
    label = models.CharField("libellé", max_length=255)
    status = models.CharField(
        "état", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    done = models.PositiveIntegerField("fait", default=0)
    total = models.PositiveIntegerField("total", default=0)
    message = models.CharField("étape", max_length=255, blank=True)
    result = models.JSONField("résultat", default=dict, blank=True)
    error = models.TextField("erreur", blank=True)
    key = models.CharField("clé d'unicité", max_length=200, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandé par",
    )
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "tâche de fond"
        verbose_name_plural = "tâches de fond"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.label} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class Heartbeat(models.Model):
    """Last sign of life of a background process (worker, scheduler), read by /sante/."""

    name = models.CharField("processus", max_length=60, primary_key=True)
    at = models.DateTimeField("dernier signe de vie")

    class Meta:
        verbose_name = "signe de vie"
        verbose_name_plural = "signes de vie"

    def __str__(self):
        return f"{self.name} {self.at:%d/%m/%Y %H:%M:%S}"


class ScheduledRun(models.Model):
    """When a periodic job of the schedule was last enqueued (one row per job name)."""

    name = models.CharField("tâche périodique", max_length=100, primary_key=True)
    last_run_at = models.DateTimeField("dernier lancement")

    class Meta:
        verbose_name = "lancement périodique"
        verbose_name_plural = "lancements périodiques"

    def __str__(self):
        return f"{self.name} {self.last_run_at:%d/%m/%Y %H:%M}"


class DataVersion(models.Model):
    """Version of a body of data that a derived figure reads and whose changes cannot be seen
    in its tables' stamp (updates in place, reorderings): bumped by its domain's one hook after
    each committed change (`maillage.core.derived.changed`), read in the cache key
    (`derived.cached(…, topics=…)`)."""

    name = models.CharField("sujet", max_length=60, primary_key=True)
    version = models.BigIntegerField("version", default=0)
    changed_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "version de données dérivées"
        verbose_name_plural = "versions de données dérivées"

    def __str__(self):
        return f"{self.name} v{self.version}"
