"""Shared kernel: time-stamped base model and dated reference parameters.

Reference values that change by law (barèmes, thresholds, national figures) live here as dated
rows with their source, never as constants in code. Pure engines receive them as arguments.
"""

import datetime

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
