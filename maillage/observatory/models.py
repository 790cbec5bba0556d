"""Models of the observatory domain: statistical figures with provenance, and the editions of
the diagnostic partagé with their commentary."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from maillage.core.concurrency import VersionedModel
from maillage.core.imports import ImportBatch, ImportStatus
from maillage.observatory.enums import DiagnosticSection, EditionStatus, Indicator, Method


class FigureQuerySet(models.QuerySet):
    def for_communes(self, communes):
        return self.filter(commune__in=communes)

    def of(self, indicator):
        return self.filter(indicator=indicator)

    def latest_by_commune(self, indicator) -> dict:
        """{commune_id: Figure} with the most recent period of `indicator`."""
        latest = {}
        for figure in self.of(indicator).filter(commune__isnull=False).order_by("period"):
            latest[figure.commune_id] = figure
        return latest


class Figure(models.Model):
    """One statistical figure of a commune or of a territory group, with its provenance."""

    indicator = models.CharField("indicateur", max_length=40, choices=Indicator.choices)
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="observatory_figures",
        verbose_name="commune",
    )
    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="observatory_figures",
        verbose_name="territoire",
    )
    period = models.CharField(
        "millésime", max_length=7, help_text="Année (AAAA) ou mois (AAAA-MM) de la donnée."
    )
    value = models.FloatField("valeur")
    method = models.CharField(
        "méthode", max_length=10, choices=Method.choices, default=Method.MEASURED
    )
    source_label = models.CharField("source", max_length=255)
    source_url = models.URLField("adresse de la source", max_length=500, blank=True)
    note = models.TextField("remarque", blank=True)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    objects = FigureQuerySet.as_manager()

    class Meta:
        verbose_name = "donnée statistique"
        verbose_name_plural = "données statistiques"
        ordering = ["indicator", "period"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commune__isnull=True, territory__isnull=False)
                | Q(commune__isnull=False, territory__isnull=True),
                name="figure_one_scope",
                violation_error_message="Une donnée porte sur une commune ou sur un territoire.",
            ),
            models.UniqueConstraint(
                fields=["indicator", "commune", "period"],
                condition=Q(commune__isnull=False),
                name="figure_unique_commune_period",
            ),
            models.UniqueConstraint(
                fields=["indicator", "territory", "period"],
                condition=Q(territory__isnull=False),
                name="figure_unique_territory_period",
            ),
        ]

    def __str__(self):
        return f"{self.get_indicator_display()} — {self.commune or self.territory} ({self.period})"

    @property
    def estimated(self) -> bool:
        return self.method == Method.ESTIMATED


class DiagnosticComment(VersionedModel):
    """A commentary block of the diagnostic partagé, edited by the partners; each edition keeps
    a copy of the blocks as they were when it was generated. Saved with a compare-and-set on
    `version` (two partners editing the same block: the second is told, nothing is lost)."""

    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.CASCADE,
        related_name="diagnostic_comments",
        verbose_name="territoire",
    )
    section = models.CharField("partie", max_length=20, choices=DiagnosticSection.choices)
    text = models.TextField("commentaire", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modifié par",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "commentaire du diagnostic"
        verbose_name_plural = "commentaires du diagnostic"
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "section"], name="one_comment_per_section"
            ),
        ]

    def __str__(self):
        return f"{self.territory} — {self.get_section_display()}"


class DiagnosticEdition(models.Model):
    """One generated edition of the diagnostic partagé of a territory group.

    `snapshot` is the JSON of every input (figures, places, parameters, commentary) and
    `snapshot_hash` its SHA-256, so that an edition can be traced and compared. An edition asked
    for on the web is generated by a background task; `job` carries its live progress.
    """

    territory = models.ForeignKey(
        "territories.TerritoryGroup",
        on_delete=models.CASCADE,
        related_name="diagnostic_editions",
        verbose_name="territoire",
    )
    number = models.PositiveIntegerField("numéro d'édition")
    status = models.CharField(
        "état", max_length=10, choices=EditionStatus.choices, default=EditionStatus.PENDING
    )
    job = models.ForeignKey(
        "core.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="tâche de fond",
    )
    error = models.TextField("erreur", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandée par",
    )
    created_at = models.DateTimeField("demandée le", auto_now_add=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    snapshot = models.JSONField("données d'entrée", default=dict, blank=True)
    snapshot_hash = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    html = models.TextField("rapport HTML", blank=True)
    pdf = models.BinaryField("rapport PDF", null=True, blank=True)

    class Meta:
        verbose_name = "édition du diagnostic partagé"
        verbose_name_plural = "éditions du diagnostic partagé"
        ordering = ["territory", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "number"], name="one_edition_number"),
        ]

    def __str__(self):
        return f"Diagnostic {self.territory} n° {self.number}"

    @property
    def is_finished(self) -> bool:
        return self.status in (EditionStatus.DONE, EditionStatus.FAILED)


class FigureImport(ImportBatch):
    """A CSV of statistical figures uploaded by a partner (MEDIA), with its stored report."""

    Status = ImportStatus

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="figure_imports",
        verbose_name="organisation",
    )

    class Meta(ImportBatch.Meta):
        verbose_name = "import de données statistiques"
        verbose_name_plural = "imports de données statistiques"
