from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maillage.directory.enums import AtypicalHours, StructureKind, days_of, theme_of
from maillage.directory.search import EAJE, MAX_RADIUS_KM
from maillage.directory.simulation import CareKind

DAY_CODES = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]


class StructureSearchParams(serializers.Serializer):
    commune = serializers.RegexField(
        r"^[0-9][0-9AB][0-9]{3}$",
        required=False,
        help_text="Code INSEE de la commune (centre de la recherche).",
        error_messages={"invalid": "Le code INSEE d'une commune compte 5 caractères (ex. 06025)."},
    )
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius_km = serializers.FloatField(
        required=False,
        default=10,
        min_value=0.1,
        max_value=MAX_RADIUS_KM,
        help_text=f"Rayon en km (défaut 10, au plus {MAX_RADIUS_KM}).",
    )
    age_months = serializers.IntegerField(
        required=False, min_value=0, max_value=215, help_text="Âge de l'enfant en mois."
    )
    kind = serializers.ChoiceField(
        required=False,
        choices=[(EAJE, "Tous les EAJE"), *StructureKind.choices],
        help_text="Type de structure, ou « eaje » pour tous les établissements d'accueil.",
        error_messages={"invalid_choice": "Type « {input} » inconnu."},
    )
    needs_from = serializers.TimeField(
        required=False, help_text="Accueil nécessaire dès (hh:mm) : ouverture au plus tard."
    )
    needs_until = serializers.TimeField(
        required=False, help_text="Accueil nécessaire jusqu'à (hh:mm) : fermeture au plus tôt."
    )
    atypical = serializers.CharField(
        required=False,
        help_text="Horaires atypiques, séparés par des virgules : "
        + ", ".join(a.value for a in AtypicalHours),
    )
    inclusion = serializers.BooleanField(required=False, default=False)

    def validate_atypical(self, value):
        values = [v.strip() for v in value.split(",") if v.strip()]
        unknown = [v for v in values if v not in AtypicalHours.values]
        if unknown:
            raise serializers.ValidationError(
                f"Valeur(s) inconnue(s) : {', '.join(unknown)}. Valeurs possibles : "
                + ", ".join(AtypicalHours.values)
                + "."
            )
        return values

    def validate(self, attrs):
        if (attrs.get("latitude") is None) != (attrs.get("longitude") is None):
            raise serializers.ValidationError(
                {"latitude": "Indiquez la latitude et la longitude ensemble."}
            )
        if "commune" not in attrs and attrs.get("latitude") is None:
            raise serializers.ValidationError(
                {
                    "commune": "Indiquez une commune (code INSEE) ou une position (latitude, "
                    "longitude)."
                }  # fmt: skip
            )
        start, end = attrs.get("needs_from"), attrs.get("needs_until")
        if start and end and start >= end:
            raise serializers.ValidationError(
                {"needs_until": "L'heure de fin doit suivre le début."}
            )
        return attrs


class CommuneRefSerializer(serializers.Serializer):
    code = serializers.CharField(source="insee_code")
    name = serializers.CharField()


class PlacesSerializer(serializers.Serializer):
    babies = serializers.IntegerField(source="places_babies")
    toddlers = serializers.IntegerField(source="places_toddlers")
    older = serializers.IntegerField(source="places_older")
    other = serializers.IntegerField(source="places_other")
    total = serializers.IntegerField(source="places_total")


class OpeningSerializer(serializers.Serializer):
    days = serializers.SerializerMethodField()
    opens_at = serializers.TimeField(format="%H:%M", allow_null=True)
    closes_at = serializers.TimeField(format="%H:%M", allow_null=True)
    note = serializers.CharField(source="opening_note")

    def get_days(self, obj) -> list[str]:
        return [DAY_CODES[d] for d in days_of(obj.opening_days)]


class AtypicalSerializer(serializers.Serializer):
    early = serializers.BooleanField(source="early_hours")
    late = serializers.BooleanField(source="late_hours")
    night = serializers.BooleanField()
    weekend = serializers.BooleanField()
    holidays = serializers.BooleanField()


class InclusionSerializer(serializers.Serializer):
    referent = serializers.BooleanField(source="inclusion_referent")
    adapted = serializers.BooleanField(source="inclusion_adapted")
    note = serializers.CharField(source="inclusion_note")


class StructureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    theme = serializers.SerializerMethodField()
    manager = serializers.SerializerMethodField()
    address = serializers.CharField()
    postal_code = serializers.CharField()
    commune = CommuneRefSerializer()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    coordinates_precision = serializers.CharField()
    distance_km = serializers.SerializerMethodField()
    age_min_months = serializers.IntegerField(allow_null=True)
    age_max_months = serializers.IntegerField(allow_null=True)
    places = PlacesSerializer(source="*")
    opening = OpeningSerializer(source="*")
    atypical_hours = AtypicalSerializer(source="*")
    inclusion = InclusionSerializer(source="*")
    pricing_mode = serializers.CharField()
    admitted_communes = serializers.SerializerMethodField(
        help_text="Codes INSEE des communes dont les familles sont admises (vide : toutes)."
    )
    phone = serializers.CharField()
    email = serializers.CharField()
    website = serializers.CharField()
    source = serializers.CharField()
    source_updated_on = serializers.DateField(allow_null=True)
    updated_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_theme(self, obj) -> str:
        return theme_of(obj.kind)

    def get_manager(self, obj) -> str:
        return obj.manager.name if obj.manager_id else obj.manager_name

    def get_admitted_communes(self, obj) -> list[str]:
        return sorted(c.insee_code for c in obj.admitted_communes.all())

    def get_distance_km(self, obj) -> float | None:
        distances = self.context.get("distances") or {}
        value = distances.get(obj.pk)
        return round(value, 2) if value is not None else None

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        path = f"/annuaire/structures/{obj.pk}/"
        return request.build_absolute_uri(path) if request else path


class PsuParams(serializers.Serializer):
    monthly_resources = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0,
        help_text="Ressources mensuelles du foyer (année N-2, avant abattements ÷ 12), en €.",
    )  # fmt: skip
    children = serializers.IntegerField(min_value=1, max_value=20, help_text="Enfants à charge.")
    aeeh_children = serializers.IntegerField(
        min_value=0, max_value=20, default=0, help_text="Dont enfants bénéficiaires de l'AEEH."
    )
    hours_per_month = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=0, max_value=744,
        help_text="Heures d'accueil par mois.",
    )  # fmt: skip
    date = serializers.DateField(
        required=False, help_text="Date à laquelle les barèmes sont lus (défaut : aujourd'hui)."
    )
    care_kind = serializers.ChoiceField(
        choices=CareKind.CHOICES, default=CareKind.COLLECTIVE, help_text="Type de crèche."
    )

    def validate(self, attrs):
        if attrs["aeeh_children"] > attrs["children"]:
            raise serializers.ValidationError(
                {"aeeh_children": "Ne peut pas dépasser le nombre d'enfants à charge."}
            )
        return attrs


class CmgParams(PsuParams):
    care_kind = None
    hourly_wage = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0.01"), max_value=100,
        help_text="Salaire horaire net de l'assistant maternel, en €.",
    )  # fmt: skip


class ParameterSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField()
    unit = serializers.CharField()
    valid_from = serializers.CharField()
    valid_until = serializers.CharField(allow_null=True, allow_blank=True)
    source_label = serializers.CharField()
    source_url = serializers.CharField(allow_blank=True)
    verified = serializers.BooleanField()


class PsuResultSerializer(serializers.Serializer):
    hourly_price = serializers.FloatField()
    monthly_price = serializers.FloatField()
    effort_rate = serializers.FloatField(help_text="Taux d'effort horaire, en %.")
    rate_rank = serializers.IntegerField(help_text="Rang du barème (enfants + enfants AEEH).")
    resources_used = serializers.FloatField()
    floor = serializers.FloatField()
    ceiling = serializers.FloatField()
    hours_per_month = serializers.FloatField()
    date = serializers.DateField()
    verified = serializers.BooleanField(source="is_verified")
    parameters = ParameterSerializer(many=True)
    steps = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())


class CmgResultSerializer(serializers.Serializer):
    monthly_cost = serializers.FloatField()
    cmg = serializers.FloatField()
    remaining_cost = serializers.FloatField()
    family_hourly_share = serializers.FloatField()
    effort_rate = serializers.FloatField()
    date = serializers.DateField()
    parameters = ParameterSerializer(many=True)
    steps = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())


class ChildminderSearchParams(StructureSearchParams):
    kind = None
    only_available = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Seulement les assistants maternels ayant déclaré une disponibilité récente.",
    )


class AvailabilitySerializer(serializers.Serializer):
    declared_on = serializers.DateField()
    available_from = serializers.DateField()
    places = serializers.IntegerField()
    days = serializers.SerializerMethodField()
    starts_at = serializers.TimeField(format="%H:%M", allow_null=True)
    ends_at = serializers.TimeField(format="%H:%M", allow_null=True)

    def get_days(self, obj) -> list[str]:
        return [DAY_CODES[d] for d in days_of(obj.days)]


class ChildminderSerializer(serializers.Serializer):
    """Public data only: without consent, no last name, address, phone nor e-mail."""

    id = serializers.IntegerField()
    public_name = serializers.CharField()
    commune = CommuneRefSerializer()
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    coordinates_precision = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField()
    agreement_places = serializers.IntegerField()
    agreement_age_min_months = serializers.IntegerField()
    agreement_age_max_months = serializers.IntegerField()
    atypical_hours = serializers.SerializerMethodField()
    inclusion_adapted = serializers.BooleanField()
    availability = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def get_distance_km(self, obj) -> float | None:
        value = (self.context.get("distances") or {}).get(obj.pk)
        return round(value, 2) if value is not None else None

    def get_latitude(self, obj) -> float | None:
        return obj.public_location().latitude

    def get_longitude(self, obj) -> float | None:
        return obj.public_location().longitude

    def get_coordinates_precision(self, obj) -> str:
        return obj.public_location().precision

    def get_atypical_hours(self, obj) -> dict[str, bool]:
        return {
            "early": obj.early_hours,
            "late": obj.late_hours,
            "night": obj.night,
            "weekend": obj.weekend,
        }

    @extend_schema_field(AvailabilitySerializer(allow_null=True))
    def get_availability(self, obj):
        availability = (self.context.get("availabilities") or {}).get(obj.pk)
        return AvailabilitySerializer(availability).data if availability else None

    def get_phone(self, obj) -> str:
        return obj.phone if obj.contact_consent else ""

    def get_email(self, obj) -> str:
        return obj.email if obj.contact_consent else ""

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        path = f"/annuaire/assistants-maternels/{obj.pk}/"
        return request.build_absolute_uri(path) if request else path
