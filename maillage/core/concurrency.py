"""No lost updates: compare-and-set saves of shared records.

A shared record carries a `version` integer (`VersionedModel`). An edit form sends back the
version it was shown; `save_if_unchanged` writes the row only if the version in the database is
still that one (`UPDATE … SET …, version = version + 1 WHERE pk = … AND version = <seen>`). Zero
rows updated means someone else saved first: `ConcurrentEditError` carries a French message and
the caller re-renders the form with what the person typed.
"""

from django.db import models
from django.db.models import F


class ConcurrentEditError(Exception):
    """Someone else changed the record since the form was shown."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "Quelqu'un d'autre a modifié cette fiche pendant que vous la modifiiez. Vos "
            "saisies sont conservées ci-dessous : vérifiez la version actuelle (rechargez la "
            "page dans un autre onglet), puis enregistrez de nouveau."
        )


class VersionedModel(models.Model):
    version = models.PositiveIntegerField("version", default=1, editable=False)

    class Meta:
        abstract = True


def save_if_unchanged(obj: VersionedModel, seen_version: int | None, fields: list[str]) -> None:
    """Write `fields` of `obj` if the stored version is still `seen_version`.

    `seen_version` None (a form that did not send one) is treated as the current version of
    `obj` as loaded. On success `obj.version` is the new version.
    """
    expected = obj.version if seen_version is None else int(seen_version)
    values = {name: getattr(obj, obj._meta.get_field(name).attname) for name in fields}
    if (
        any(f.name == "updated_at" for f in obj._meta.concrete_fields)
        and "updated_at" not in values
    ):
        from django.utils import timezone

        obj.updated_at = timezone.now()
        values["updated_at"] = obj.updated_at
    updated = (
        type(obj)
        ._base_manager.filter(pk=obj.pk, version=expected)
        .update(version=F("version") + 1, **{_column(obj, k): v for k, v in values.items()})
    )
    if updated != 1:
        raise ConcurrentEditError()
    obj.version = expected + 1


def _column(obj, name: str) -> str:
    return obj._meta.get_field(name).attname
