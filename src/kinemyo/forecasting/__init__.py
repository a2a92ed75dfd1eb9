"""Probabilistic forecasting of joint angle and moment series: data, metrics, baselines.

* :mod:`kinemyo.forecasting.series`: univariate :class:`JointSeries` from recordings or the real
  knee cycles, resampling, context-only z-scaling, rolling forecast origins.
* :mod:`kinemyo.forecasting.metrics`: sample CRPS (``crps_energy``), GluonTS mean weighted
  quantile loss (``crps_wql``, the Lag-Llama paper's "CRPS"), median MAE, interval coverage.
* :mod:`kinemyo.forecasting.baselines`: the seasonal-naive baseline.
"""

from kinemyo.forecasting.baselines import SeasonalNaive, estimate_period, lag_correlation
from kinemyo.forecasting.metrics import (
    COVERAGE_LEVELS,
    DEFAULT_QUANTILES,
    interval_coverage,
    median_mae,
    sample_crps,
    score_forecasts,
    summarise_scores,
    weighted_quantile_loss,
)
from kinemyo.forecasting.series import (
    QUANTITIES,
    JointSeries,
    ZScore,
    rolling_origins,
    series_from_knee_cycles,
    series_from_recordings,
)

__all__ = [
    "COVERAGE_LEVELS",
    "DEFAULT_QUANTILES",
    "QUANTITIES",
    "JointSeries",
    "SeasonalNaive",
    "ZScore",
    "estimate_period",
    "interval_coverage",
    "lag_correlation",
    "median_mae",
    "rolling_origins",
    "sample_crps",
    "score_forecasts",
    "series_from_knee_cycles",
    "series_from_recordings",
    "summarise_scores",
    "weighted_quantile_loss",
]
