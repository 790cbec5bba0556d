import pytest


def ensure_retention_parameters():
    """Seed again the retention periods (idempotent): a transactional test that ran earlier in
    the same worker may have flushed the seeded rows."""
    from importlib import import_module

    from django.apps import apps

    import_module("maillage.core.migrations.0004_retention_parameters").seed(apps, None)


@pytest.fixture(autouse=True)
def _retention_parameters(request):
    if "db" in request.fixturenames and "transactional_db" not in request.fixturenames:
        request.getfixturevalue("db")
        ensure_retention_parameters()
