"""Import batches keep their file in MEDIA (no longer in the database) with a job and a stored
report; structures and childminders carry a version (compare-and-set saves)."""

import django.db.models.deletion
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import migrations, models

import maillage.core.imports


def contents_to_files(apps, schema_editor):
    """Previous batches kept their bytes in `content`: write them to the storage."""
    DirectoryImport = apps.get_model("directory", "DirectoryImport")
    for batch in DirectoryImport.objects.exclude(content=b"").iterator():
        batch.file.save(batch.filename or "fichier.csv", ContentFile(bytes(batch.content)))
        batch.save(update_fields=["file"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_cache_table"),
        ("directory", "0003_childminder_location_without_consent"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="childminder",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        migrations.AddField(
            model_name="structure",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        migrations.AddField(
            model_name="directoryimport",
            name="file",
            field=models.FileField(
                default="",
                max_length=255,
                upload_to=maillage.core.imports.upload_path,
                verbose_name="fichier",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(contents_to_files, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="directoryimport", name="content"),
        migrations.AlterModelOptions(
            name="directoryimport",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "import de l'annuaire",
                "verbose_name_plural": "imports de l'annuaire",
            },
        ),
        migrations.AddField(
            model_name="directoryimport",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="terminé le"),
        ),
        migrations.AddField(
            model_name="directoryimport",
            name="job",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="core.job",
                verbose_name="tâche de fond",
            ),
        ),
        migrations.AddField(
            model_name="directoryimport",
            name="valid_only",
            field=models.BooleanField(default=False, verbose_name="lignes valides seulement"),
        ),
        migrations.AlterField(
            model_name="directoryimport",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="déposé le"),
        ),
        migrations.AlterField(
            model_name="directoryimport",
            name="report",
            field=models.JSONField(blank=True, default=dict, verbose_name="rapport"),
        ),
        migrations.AlterField(
            model_name="directoryimport",
            name="status",
            field=models.CharField(
                choices=[
                    ("uploaded", "Déposé"),
                    ("previewing", "Vérification en cours"),
                    ("previewed", "Vérifié"),
                    ("importing", "Import en cours"),
                    ("imported", "Importé"),
                    ("failed", "Échec"),
                    ("cancelled", "Abandonné"),
                ],
                db_index=True,
                default="uploaded",
                max_length=20,
                verbose_name="état",
            ),
        ),
        migrations.AlterField(
            model_name="directoryimport",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="déposé par",
            ),
        ),
    ]
