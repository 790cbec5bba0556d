"""Pure-Python indicator engine (coverage rates, catchment, gaps). Never imports Django.

- `coverage`: places per 100 children under 3, by mode and aggregated by any grouping key;
- `catchment`: two-step floating catchment area (2SFCA) on a spatial grid;
- `gaps`: supply/demand gap per commune (children under 3, or active applications);
- `trends`: a rate over periods;
- `secrecy`: masking of small counts.

Values that change by law or vintage (thresholds, radius, decay) arrive as arguments.
"""

from maillage.observatory.indicators.catchment import CatchmentResult, catchment_rates, two_step_fca
from maillage.observatory.indicators.coverage import (
    MODES,
    AreaCoverage,
    CommuneCoverage,
    CommuneInput,
    aggregate,
    commune_coverage,
    rate,
)
from maillage.observatory.indicators.gaps import Gap, supply_demand_gaps
from maillage.observatory.indicators.secrecy import mask_count, round_count
from maillage.observatory.indicators.trends import TrendPoint, trend

__all__ = [
    "MODES",
    "AreaCoverage",
    "CatchmentResult",
    "CommuneCoverage",
    "CommuneInput",
    "Gap",
    "TrendPoint",
    "aggregate",
    "catchment_rates",
    "commune_coverage",
    "mask_count",
    "rate",
    "round_count",
    "supply_demand_gaps",
    "trend",
    "two_step_fca",
]
