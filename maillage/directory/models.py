"""Models of the directory domain: structures (EAJE, RPE, ALSH…), assistants maternels and their
declared availability, and the trace of file imports."""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q

from maillage.core.concurrency import VersionedModel
from maillage.core.imports import ImportBatch, ImportStatus
from maillage.core.models import TimeStampedModel
from maillage.directory.enums import (
    EAJE_KINDS,
    WEEKDAY_SHORT,
    WEEKDAYS_MASK,
    CoordinatesPrecision,
    ImportKind,
    PricingMode,
    StructureKind,
    days_of,
    theme_of,
)

# A declaration of availability older than this is no longer shown as current.
AVAILABILITY_FRESHNESS_DAYS = 183


# Badges shown on a structure or an assistant maternel: (field, label); absent fields count as no.
BADGES = [
    ("early_hours", "Tôt le matin"),
    ("late_hours", "Tard le soir"),
    ("night", "La nuit"),
    ("weekend", "Week-end"),
    ("holidays", "Vacances scolaires"),
]


def badges(obj) -> list[str]:
    """Labels of the atypical hours and inclusion badges of `obj` (computed here rather than by
    the template, which would look up — and fail on — absent fields one by one)."""
    labels = [label for name, label in BADGES if getattr(obj, name, False)]
    if getattr(obj, "inclusion_adapted", False) or getattr(obj, "inclusion_referent", False):
        labels.append("Accueil inclusif")
    return labels


def days_label(mask: int) -> str:
    days = days_of(mask or 0)
    if not days:
        return "—"
    if days == list(range(5)):
        return "du lundi au vendredi"
    if days == list(range(6)):
        return "du lundi au samedi"
    if days == list(range(7)):
        return "tous les jours"
    return ", ".join(WEEKDAY_SHORT[d] for d in days)


class LocatedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_communes(self, communes):
        return self.filter(commune__in=communes)

    def in_bbox(self, south: float, west: float, north: float, east: float):
        """Bounding-box prefilter on the indexed latitude/longitude columns."""
        return self.filter(
            latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
        )

    def open_on(self, mask: int):
        """Open on every weekday of `mask` (bit 0 = Monday)."""
        if not mask:
            return self
        return self.alias(_days_ok=F("opening_days").bitand(mask)).filter(_days_ok=mask)


class StructureQuerySet(LocatedQuerySet):
    def eaje(self):
        return self.filter(kind__in=[k.value for k in EAJE_KINDS])

    def of_kinds(self, kinds):
        return self.filter(kind__in=list(kinds))

    def of_theme(self, theme: str):
        return self.filter(kind__in=[k.value for k in StructureKind if theme_of(k) == theme])

    def for_age(self, age_months: int):
        return self.filter(
            Q(age_min_months__isnull=True) | Q(age_min_months__lte=age_months),
            Q(age_max_months__isnull=True) | Q(age_max_months__gte=age_months),
        )

    def with_places_total(self):
        return self.annotate(
            total_places=F("places_babies")
            + F("places_toddlers")
            + F("places_older")
            + F("places_other")
        )


class Structure(VersionedModel, TimeStampedModel):
    """A family service: EAJE, MAM, relais petite enfance, LAEP, ALSH, centre social…"""

    name = models.CharField("nom", max_length=255)
    kind = models.CharField("nature", max_length=30, choices=StructureKind.choices, db_index=True)
    manager = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_structures",
        verbose_name="gestionnaire (organisation)",
    )
    manager_name = models.CharField(
        "gestionnaire (nom)",
        max_length=255,
        blank=True,
        help_text="Nom du gestionnaire quand il n'est pas une organisation de Maillage.",
    )
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.PROTECT,
        related_name="structures",
        verbose_name="commune",
    )
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    coordinates_precision = models.CharField(
        "précision des coordonnées",
        max_length=10,
        choices=CoordinatesPrecision.choices,
        default=CoordinatesPrecision.NONE,
    )
    # ages served, in months (null = no limit)
    age_min_months = models.PositiveSmallIntegerField("âge minimal (mois)", null=True, blank=True)
    age_max_months = models.PositiveSmallIntegerField("âge maximal (mois)", null=True, blank=True)
    # places per age group (EAJE: bébés / moyens / grands); places_other = without age group
    places_babies = models.PositiveSmallIntegerField("places bébés", default=0)
    places_toddlers = models.PositiveSmallIntegerField("places moyens", default=0)
    places_older = models.PositiveSmallIntegerField("places grands", default=0)
    places_other = models.PositiveIntegerField(
        "places sans tranche d'âge",
        default=0,
        help_text="Capacité d'un accueil de loisirs, ou places d'un EAJE sans ventilation.",
    )
    # opening
    opening_days = models.PositiveSmallIntegerField(
        "jours d'ouverture", default=WEEKDAYS_MASK, help_text="Masque : bit 0 = lundi."
    )
    opens_at = models.TimeField("ouverture", null=True, blank=True)
    closes_at = models.TimeField("fermeture", null=True, blank=True)
    opening_note = models.CharField("précisions sur les horaires", max_length=255, blank=True)
    early_hours = models.BooleanField("horaires tôt (avant 7 h)", default=False)
    late_hours = models.BooleanField("horaires tardifs (après 19 h)", default=False)
    night = models.BooleanField("accueil de nuit", default=False)
    weekend = models.BooleanField("accueil le week-end", default=False)
    holidays = models.BooleanField("ouvert pendant les vacances scolaires", default=False)
    # inclusion
    inclusion_referent = models.BooleanField("référent santé et accueil inclusif", default=False)
    inclusion_adapted = models.BooleanField(
        "accueil adapté aux enfants en situation de handicap", default=False
    )
    inclusion_note = models.CharField(
        "précisions sur l'accueil inclusif", max_length=255, blank=True
    )
    pricing_mode = models.CharField(
        "tarification", max_length=10, choices=PricingMode.choices, default=PricingMode.OTHER
    )
    admitted_communes = models.ManyToManyField(
        "territories.Commune",
        blank=True,
        related_name="admitting_structures",
        verbose_name="communes dont les familles sont admises",
        help_text="Vide : toutes les familles.",
    )
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    website = models.URLField("site internet", blank=True)
    description = models.TextField("présentation publique", blank=True)
    is_active = models.BooleanField("active", default=True)
    source = models.CharField("source", max_length=255, blank=True)
    source_updated_on = models.DateField("mise à jour de la source", null=True, blank=True)
    external_id = models.CharField(
        "identifiant externe",
        max_length=60,
        blank=True,
        db_index=True,
        help_text="Identifiant dans le fichier importé (n° FINESS, code Caf…).",
    )

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        verbose_name_plural = "structures"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="structure_lat_lon"),
            models.Index(fields=["commune", "kind"], name="structure_commune_kind"),
        ]

    def __str__(self):
        return self.name

    @property
    def places_total(self) -> int:
        return self.places_babies + self.places_toddlers + self.places_older + self.places_other

    @property
    def is_eaje(self) -> bool:
        return self.kind in EAJE_KINDS

    @property
    def theme(self) -> str:
        return theme_of(self.kind)

    def public_location(self) -> "PublicLocation":
        return PublicLocation(self.latitude, self.longitude, self.coordinates_precision)

    @property
    def is_approximate(self) -> bool:
        return self.public_location().approximate

    @property
    def badges(self) -> list[str]:
        return badges(self)

    @property
    def days_label(self) -> str:
        return days_label(self.opening_days)

    @property
    def hours_label(self) -> str:
        if not (self.opens_at and self.closes_at):
            return ""
        return f"{self.opens_at:%H:%M} – {self.closes_at:%H:%M}"

    def atypical_flags(self) -> dict[str, bool]:
        return {
            "early": self.early_hours,
            "late": self.late_hours,
            "night": self.night,
            "weekend": self.weekend,
            "holidays": self.holidays,
        }


@dataclass(frozen=True)
class PublicLocation:
    """Where a record may be shown, and how precisely (what every public output uses)."""

    latitude: float | None
    longitude: float | None
    precision: str

    @property
    def approximate(self) -> bool:
        return self.precision in (CoordinatesPrecision.COMMUNE, CoordinatesPrecision.NONE)

    @property
    def known(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def commune_location(commune) -> PublicLocation:
    if commune is not None and commune.latitude is not None and commune.longitude is not None:
        return PublicLocation(commune.latitude, commune.longitude, CoordinatesPrecision.COMMUNE)
    return PublicLocation(None, None, CoordinatesPrecision.NONE)


class ChildminderQuerySet(LocatedQuerySet):
    def for_age(self, age_months: int):
        return self.filter(
            agreement_age_min_months__lte=age_months, agreement_age_max_months__gte=age_months
        )

    def with_current_availability(self, on: datetime.date | None = None):
        on = on or datetime.date.today()
        since = on - datetime.timedelta(days=AVAILABILITY_FRESHNESS_DAYS)
        return self.filter(
            availabilities__declared_on__gte=since, availabilities__places__gt=0
        ).distinct()


class Childminder(VersionedModel, TimeStampedModel):
    """An assistant(e) maternel(le) agréé(e) by the PMI. Contact details are public only with
    their consent; without it, only the first name, the initial and the commune are shown."""

    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.PROTECT,
        related_name="childminders",
        verbose_name="commune",
    )
    address = models.CharField("adresse", max_length=255, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    contact_consent = models.BooleanField(
        "accepte la publication de ses coordonnées", default=False
    )
    agreement_number = models.CharField("n° d'agrément", max_length=40, blank=True)
    agreement_places = models.PositiveSmallIntegerField("places agréées", default=4)
    agreement_age_min_months = models.PositiveSmallIntegerField(
        "âge minimal agréé (mois)", default=0
    )
    agreement_age_max_months = models.PositiveSmallIntegerField(
        "âge maximal agréé (mois)", default=72
    )
    mam = models.ForeignKey(
        Structure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="childminders",
        verbose_name="exerce en MAM",
        limit_choices_to={"kind": StructureKind.MAM},
    )
    early_hours = models.BooleanField("horaires tôt (avant 7 h)", default=False)
    late_hours = models.BooleanField("horaires tardifs (après 19 h)", default=False)
    night = models.BooleanField("accueil de nuit", default=False)
    weekend = models.BooleanField("accueil le week-end", default=False)
    inclusion_adapted = models.BooleanField(
        "accueil adapté aux enfants en situation de handicap", default=False
    )
    # Stored location = public location: the geocoded address with consent, else the commune
    # centroid (enforced by `save()`, so the search index never holds a private point).
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    coordinates_precision = models.CharField(
        "précision des coordonnées",
        max_length=10,
        choices=CoordinatesPrecision.choices,
        default=CoordinatesPrecision.NONE,
    )
    is_active = models.BooleanField("en activité", default=True)
    source = models.CharField("source", max_length=255, blank=True)
    external_id = models.CharField("identifiant externe", max_length=60, blank=True, db_index=True)

    objects = ChildminderQuerySet.as_manager()

    class Meta:
        verbose_name = "assistant maternel"
        verbose_name_plural = "assistants maternels"
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="childminder_lat_lon"),
        ]

    # audit: a personal record (changes are stored as field names, reads are recorded)
    AUDIT_SENSITIVE = True
    # the fields shown to professionals only (the contact details without consent)
    PRIVATE_FIELDS = ("last_name", "address", "phone", "email")

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def audit_label(self) -> str:
        """What the audit trail stores as the object's label: never the full name."""
        return f"{self.public_name} ({self.commune.name})" if self.commune_id else self.public_name

    def save(self, *args, **kwargs):
        if not self.contact_consent:
            self.clear_precise_location()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = set(update_fields) | {
                    "latitude",
                    "longitude",
                    "coordinates_precision",
                }
        super().save(*args, **kwargs)

    def clear_precise_location(self) -> None:
        """Without consent, only the commune centroid is kept (not saved)."""
        location = commune_location(self.commune if self.commune_id else None)
        self.latitude, self.longitude = location.latitude, location.longitude
        self.coordinates_precision = location.precision

    def public_location(self) -> PublicLocation:
        """The one location public outputs use (page, map, API, export, distance, sort):
        the stored point with consent, else the centre of the commune, flagged approximate."""
        if self.contact_consent:
            return PublicLocation(self.latitude, self.longitude, self.coordinates_precision)
        return commune_location(self.commune)

    @property
    def public_name(self) -> str:
        if self.contact_consent:
            return str(self)
        return f"{self.first_name} {self.last_name[:1]}." if self.last_name else self.first_name

    @property
    def is_approximate(self) -> bool:
        return self.public_location().approximate

    @property
    def badges(self) -> list[str]:
        return badges(self)

    def current_availability(self, on: datetime.date | None = None):
        """The latest declaration if recent enough (prefetched `availabilities` are used)."""
        on = on or datetime.date.today()
        since = on - datetime.timedelta(days=AVAILABILITY_FRESHNESS_DAYS)
        declarations = sorted(
            self.availabilities.all(), key=lambda a: (a.declared_on, a.pk), reverse=True
        )
        if declarations and declarations[0].declared_on >= since:
            return declarations[0]
        return None


class ChildminderAvailability(models.Model):
    """A declaration by a childminder: from when, which days and hours, how many places."""

    childminder = models.ForeignKey(
        Childminder, on_delete=models.CASCADE, related_name="availabilities"
    )
    declared_on = models.DateField("déclarée le", default=datetime.date.today)
    available_from = models.DateField("disponible à partir du")
    places = models.PositiveSmallIntegerField("places disponibles")
    days = models.PositiveSmallIntegerField(
        "jours", default=WEEKDAYS_MASK, help_text="Masque : bit 0 = lundi."
    )
    starts_at = models.TimeField("à partir de", null=True, blank=True)
    ends_at = models.TimeField("jusqu'à", null=True, blank=True)
    note = models.CharField("précisions", max_length=255, blank=True)

    class Meta:
        verbose_name = "disponibilité déclarée"
        verbose_name_plural = "disponibilités déclarées"
        ordering = ["-declared_on", "-pk"]

    def __str__(self):
        return f"{self.childminder} — {self.places} place(s) au {self.available_from:%d/%m/%Y}"

    @property
    def days_label(self) -> str:
        return days_label(self.days)

    @property
    def hours_label(self) -> str:
        if not (self.starts_at and self.ends_at):
            return ""
        return f"{self.starts_at:%H:%M} – {self.ends_at:%H:%M}"


class DirectoryImport(ImportBatch):
    """An uploaded file (MEDIA) with its stored report, between its preview and its import."""

    Status = ImportStatus

    kind = models.CharField("contenu", max_length=20, choices=ImportKind.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="directory_imports"
    )

    class Meta(ImportBatch.Meta):
        verbose_name = "import de l'annuaire"
        verbose_name_plural = "imports de l'annuaire"

    def __str__(self):
        return f"{self.filename} ({self.get_kind_display()})"
