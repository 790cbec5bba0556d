from rest_framework import serializers

from maillage.territories.models import Commune


class CommuneSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="insee_code")
    departement = serializers.SerializerMethodField()
    epci = serializers.SerializerMethodField()
    population_vintage = serializers.CharField()
    population_source = serializers.CharField()

    class Meta:
        model = Commune
        fields = [
            "code",
            "name",
            "population",
            "population_vintage",
            "population_source",
            "postal_codes",
            "departement",
            "epci",
            "latitude",
            "longitude",
        ]

    def get_departement(self, obj) -> dict:
        return {"code": obj.departement.code, "name": obj.departement.name}

    def get_epci(self, obj) -> dict | None:
        if obj.epci is None:
            return None
        return {"siren": obj.epci.siren, "name": obj.epci.name, "kind": obj.epci.kind}
