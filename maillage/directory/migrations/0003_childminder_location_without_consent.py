"""Without consent, an assistant maternel's stored location is the centre of her commune.

Rows written before this rule (e.g. consent withdrawn after a geocoded import) keep no private
point: their coordinates become the commune centroid, precision "commune" (or none).
"""

from django.db import migrations


def clear_private_points(apps, schema_editor):
    Childminder = apps.get_model("directory", "Childminder")
    changed = []
    for childminder in (
        Childminder.objects.filter(contact_consent=False).select_related("commune").iterator()
    ):
        commune = childminder.commune
        if commune.latitude is not None and commune.longitude is not None:
            point = (commune.latitude, commune.longitude, "commune")
        else:
            point = (None, None, "none")
        current = (childminder.latitude, childminder.longitude, childminder.coordinates_precision)
        if current != point:
            childminder.latitude, childminder.longitude, childminder.coordinates_precision = point
            changed.append(childminder)
    Childminder.objects.bulk_update(
        changed, ["latitude", "longitude", "coordinates_precision"], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_pricing_parameters")]

    operations = [migrations.RunPython(clear_private_points, migrations.RunPython.noop)]
