import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from config.settings.base import env_bool, env_int
from maillage.core.models import Parameter, ParameterMissing, parameter_at


def test_environment_helpers_fail_loudly_on_bad_values(monkeypatch):
    monkeypatch.setenv("MAILLAGE_X", "peut-être")
    with pytest.raises(ImproperlyConfigured, match="valeur booléenne attendue"):
        env_bool("MAILLAGE_X", False)
    monkeypatch.setenv("MAILLAGE_X", "douze")
    with pytest.raises(ImproperlyConfigured, match="nombre entier attendu"):
        env_int("MAILLAGE_X", 1)
    monkeypatch.setenv("MAILLAGE_X", "oui")
    assert env_bool("MAILLAGE_X", False) is True


def test_parameter_in_force_at_a_date(db):
    for start, end, value in [
        (datetime.date(2024, 9, 1), datetime.date(2025, 8, 31), 7000),
        (datetime.date(2025, 9, 1), None, 8500),
    ]:
        Parameter.objects.create(
            key="plafond-test",
            label="Plafond",
            value=value,
            valid_from=start,
            valid_until=end,
            source_label="caf.fr",
        )
    assert parameter_at("plafond-test", datetime.date(2025, 8, 31)).value == 7000
    assert parameter_at("plafond-test", datetime.date(2025, 9, 1)).value == 8500
    with pytest.raises(ParameterMissing, match="n'est en vigueur le 01/01/2020"):
        parameter_at("plafond-test", datetime.date(2020, 1, 1))


def test_parameter_period_must_be_ordered(db):
    parameter = Parameter(
        key="x",
        label="x",
        value=1,
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2024, 1, 1),
        source_label="s",
    )
    with pytest.raises(ValidationError, match="La fin de validité doit suivre le début."):
        parameter.full_clean()
