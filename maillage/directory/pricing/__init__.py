"""Pure-Python price engine (PSU barème, CMG estimate) on dated parameters. Never imports Django.

The caller (maillage.directory.services.pricing) reads the dated `core.Parameter` rows in force
at the chosen date and passes them here as `ParameterValue`s; the engine only computes and
explains each step in French.
"""

from maillage.directory.pricing.engine import (
    CmgParameters,
    CmgResult,
    ParameterValue,
    PricingInputError,
    PsuParameters,
    PsuResult,
    effort_rate_for,
    estimate_cmg,
    psu_price,
)

__all__ = [
    "CmgParameters",
    "CmgResult",
    "ParameterValue",
    "PricingInputError",
    "PsuParameters",
    "PsuResult",
    "effort_rate_for",
    "estimate_cmg",
    "psu_price",
]
