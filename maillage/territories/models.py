"""Territories of France: régions, départements, EPCI, communes, and named groups of communes."""

from django.db import connection, models
from django.db.models import Sum
from django.db.models.functions import Upper

from maillage.territories.enums import Competence, EpciKind, TerritoryGroupKind


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=120)

    class Meta:
        verbose_name = "région"
        verbose_name_plural = "régions"
        ordering = ["code"]

    def __str__(self):
        return self.name


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=120)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departements", verbose_name="région"
    )

    class Meta:
        verbose_name = "département"
        verbose_name_plural = "départements"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Epci(models.Model):
    siren = models.CharField("SIREN", max_length=9, unique=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("nature", max_length=6, choices=EpciKind.choices)
    population = models.PositiveIntegerField("population totale", null=True, blank=True)

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["name"]

    def __str__(self):
        return self.name


class CommuneQuerySet(models.QuerySet):
    def search(self, text: str):
        text = text.strip()
        if text.isdigit():
            return self.filter(
                models.Q(insee_code__startswith=text) | models.Q(postal_codes__icontains=text)
            )
        return self.filter(name__istartswith=text)

    def with_postal_code(self, code: str):
        """The communes whose postal codes include `code` exactly. On PostgreSQL a JSON
        containment served by a GIN index (migration 0005); elsewhere the text search, then
        checked in Python (SQLite has no JSON containment)."""
        if connection.vendor == "postgresql":
            return self.filter(postal_codes__contains=[code])
        return [c for c in self.search(code) if code in (c.postal_codes or [])]

    def with_related(self):
        return self.select_related("departement", "epci")


class Commune(models.Model):
    insee_code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=120, db_index=True)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    epci = models.ForeignKey(
        Epci,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="communes",
        verbose_name="EPCI",
    )
    siren = models.CharField("SIREN", max_length=9, blank=True)
    postal_codes = models.JSONField("codes postaux", default=list, blank=True)
    population = models.PositiveIntegerField("population", null=True, blank=True)
    population_vintage = models.CharField("millésime de la population", max_length=40, blank=True)
    population_source = models.CharField("source de la population", max_length=255, blank=True)
    geometry = models.JSONField("contour (GeoJSON)", null=True, blank=True)
    geometry_source = models.CharField("source du contour", max_length=255, blank=True)
    latitude = models.FloatField("latitude du centroïde", null=True, blank=True)
    longitude = models.FloatField("longitude du centroïde", null=True, blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name", "insee_code"]
        indexes = [
            # `name__iexact` (the directory's search by commune name): UPPER("name") on
            # PostgreSQL, an index scan instead of reading the 35,000 communes
            models.Index(Upper("name"), name="commune_name_upper"),
        ]

    def __str__(self):
        return f"{self.name} ({self.insee_code})"


class TerritoryGroup(models.Model):
    """A named set of communes: a bassin de vie, the territory of a convention…"""

    slug = models.SlugField("identifiant", max_length=100, unique=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField(
        "nature",
        max_length=20,
        choices=TerritoryGroupKind.choices,
        default=TerritoryGroupKind.OTHER,
    )
    description = models.TextField("description", blank=True)
    communes = models.ManyToManyField(
        Commune, related_name="territory_groups", verbose_name="communes"
    )

    class Meta:
        verbose_name = "groupe de territoires"
        verbose_name_plural = "groupes de territoires"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def population(self) -> int:
        return self.communes.aggregate(total=Sum("population"))["total"] or 0


class CompetenceTransfer(models.Model):
    """A commune transferred one AO competence to its EPCI (L. 214-1-3 III CASF)."""

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="competence_transfers"
    )
    competence = models.CharField("compétence", max_length=20, choices=Competence.choices)
    epci = models.ForeignKey(
        Epci,
        on_delete=models.CASCADE,
        related_name="received_competences",
        verbose_name="EPCI bénéficiaire",
    )
    since = models.DateField("depuis le")

    class Meta:
        verbose_name = "transfert de compétence"
        verbose_name_plural = "transferts de compétence"
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "competence"], name="one_transfer_per_competence"
            ),
        ]

    def __str__(self):
        return f"{self.commune} → {self.epci} ({self.get_competence_display()})"
