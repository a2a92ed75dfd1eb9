"""Scores of sample-based probabilistic forecasts.

Shapes: ``samples`` is (S, H) for one window or (N, S, H) for N windows (S sample paths, H
steps); ``truth`` is (H,) or (N, H) accordingly. Every function pools all windows and steps it
is given into one number.

Two different quantities are called "CRPS" in the forecasting literature; kinemyo names them
apart:

* :func:`sample_crps` (column ``crps_energy``): the continuous ranked probability score of the
  sample distribution at each step, in series units (deg, N·m), averaged over steps. A point
  forecast scores its absolute error.
* :func:`weighted_quantile_loss` (column ``crps_wql``): GluonTS' ``mean_wQuantileLoss``, a
  dimensionless quantile approximation of CRPS normalised by sum|y|. This is the number the
  Lag-Llama paper and the seed study report as "CRPS" (e.g. 0.5161 for joint angles).

Quantiles of samples follow GluonTS' ``SampleForecast.quantile`` (:func:`sample_quantiles`): the
order statistic at 0-based rank ``round((S - 1) q)`` (half to even), not an interpolation between
two samples, so ``crps_wql`` and the coverages are the numbers GluonTS' evaluator gives for the
same samples (linear interpolation moved ``crps_wql`` by 0.8-2.7% on 100 paths).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kinemyo.errors import KinemyoError
from kinemyo.forecasting.series import JointSeries

DEFAULT_QUANTILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
"""The quantile levels of GluonTS' ``mean_wQuantileLoss`` (and of the Lag-Llama evaluation)."""

COVERAGE_LEVELS = (0.5, 0.9)
"""Central prediction-interval levels reported by :func:`score_forecasts`."""


def _check(samples: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, S, H) float64 samples and (N, H) float64 truth from either accepted shape."""
    samples = np.asarray(samples, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    if samples.ndim == 2 and truth.ndim == 1:
        samples, truth = samples[None], truth[None]
    if samples.ndim != 3 or truth.ndim != 2:
        raise KinemyoError(
            f"`samples` must be (S, H) or (N, S, H) with `truth` (H,) or (N, H); got "
            f"{samples.shape} and {truth.shape}."
        )
    if samples.shape[0] != truth.shape[0] or samples.shape[2] != truth.shape[1]:
        raise KinemyoError(
            f"`samples` {samples.shape} (N, S, H) does not match `truth` {truth.shape} (N, H)."
        )
    if samples.shape[1] < 1 or samples.shape[2] < 1:
        raise KinemyoError(
            f"`samples` needs at least one sample and one step, got {samples.shape}."
        )
    if not (np.all(np.isfinite(samples)) and np.all(np.isfinite(truth))):
        raise KinemyoError("`samples` and `truth` must be finite.")
    return samples, truth


def sample_crps(samples: np.ndarray, truth: np.ndarray) -> float:
    """CRPS of the sample distribution, averaged over steps (and windows), in series units.

    Energy form ``E|X - y| - 0.5 E|X - X'|`` with the *fair* (unbiased) estimator of the spread
    term: ``E|X - X'|`` is averaged over the S(S-1) pairs of distinct samples, not over all S^2
    pairs (which would include the S zero self-pairs and favour small ensembles). The fair
    estimator equals the probability-weighted-moment (PWM) form and is an unbiased estimate of
    the CRPS of the distribution the samples were drawn from. With one sample (S = 1) the spread
    term is 0 and the score is the absolute error.

    Args:
        samples: (S, H) or (N, S, H) sample paths.
        truth: (H,) or (N, H) observed values.

    Returns:
        The mean CRPS over all N * H steps.
    """
    samples, truth = _check(samples, truth)
    n_samples = samples.shape[1]
    accuracy = np.abs(samples - truth[:, None, :]).mean(axis=1)
    if n_samples == 1:
        return float(accuracy.mean())
    ordered = np.sort(samples, axis=1)
    # sum over i != j of |x_i - x_j| = 2 * sum_i (2i - S + 1) x_(i) for 0-based sorted x_(i).
    weights = (2 * np.arange(n_samples) - n_samples + 1)[None, :, None]
    pair_sum = 2.0 * (weights * ordered).sum(axis=1)
    spread = pair_sum / (n_samples * (n_samples - 1))
    return float((accuracy - 0.5 * spread).mean())


def sample_quantiles(samples: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """GluonTS' quantiles of sample paths: per step, the sorted samples' entry at 0-based rank
    ``round((S - 1) q)`` (``numpy.round``: halves go to the even rank).

    Args:
        samples: (N, S, H) sample paths.
        levels: Q levels in [0, 1].

    Returns:
        (Q, N, H) quantiles, in the units of ``samples``.
    """
    ordered = np.sort(samples, axis=1)
    ranks = [int(np.round((samples.shape[1] - 1) * q)) for q in levels]
    return np.moveaxis(ordered[:, ranks, :], 1, 0)


def weighted_quantile_loss(
    samples: np.ndarray, truth: np.ndarray, quantiles: Sequence[float] = DEFAULT_QUANTILES
) -> float:
    """GluonTS' ``mean_wQuantileLoss``: what the Lag-Llama paper and the seed call "CRPS".

    For each level q the sample quantile ``ŷ_q`` (:func:`sample_quantiles`, GluonTS' rule) at
    every step gives ``wQL_q = 2 * sum |(y - ŷ_q) * (1{y <= ŷ_q} - q)| / sum |y|``, sums over all
    windows and steps; the result is the mean of ``wQL_q`` over the levels. Dimensionless; for a
    point forecast and levels symmetric about 0.5 it equals sum|y - ŷ| / sum|y|.

    Args:
        samples: (S, H) or (N, S, H) sample paths.
        truth: (H,) or (N, H) observed values.
        quantiles: levels in (0, 1).

    Returns:
        The mean weighted quantile loss; nan when sum|y| is 0 (the weight is undefined).
    """
    samples, truth = _check(samples, truth)
    levels = np.asarray(quantiles, dtype=np.float64)
    if levels.ndim != 1 or levels.size == 0 or np.any((levels <= 0) | (levels >= 1)):
        raise KinemyoError(f"`quantiles` must be levels in (0, 1), got {quantiles}.")
    scale = np.abs(truth).sum()
    if scale == 0:
        return float("nan")
    predicted = sample_quantiles(samples, levels)  # (Q, N, H)
    error = truth[None] - predicted
    pinball = np.abs(error * ((truth[None] <= predicted) - levels[:, None, None]))
    return float((2.0 * pinball.sum(axis=(1, 2)) / scale).mean())


def median_mae(samples: np.ndarray, truth: np.ndarray) -> float:
    """Mean absolute error of the per-step sample median (GluonTS' rule, see
    :func:`sample_quantiles`: the upper middle sample when S is even), in series units."""
    samples, truth = _check(samples, truth)
    return float(np.abs(sample_quantiles(samples, [0.5])[0] - truth).mean())


def interval_coverage(samples: np.ndarray, truth: np.ndarray, level: float) -> float:
    """Fraction of observations inside the central ``level`` prediction interval.

    The interval at each step runs from the ``(1 - level) / 2`` to the ``(1 + level) / 2`` sample
    quantile (:func:`sample_quantiles`, GluonTS' rule), bounds included. A calibrated forecast
    covers about ``level`` (0.5 and 0.9 are reported by :func:`score_forecasts`).
    """
    samples, truth = _check(samples, truth)
    if not 0 < level < 1:
        raise KinemyoError(f"`level` must be in (0, 1), got {level}.")
    low, high = sample_quantiles(samples, [(1 - level) / 2, (1 + level) / 2])
    return float(((truth >= low) & (truth <= high)).mean())


def score_forecasts(
    samples: Sequence[np.ndarray] | np.ndarray,
    truth: Sequence[np.ndarray] | np.ndarray,
    series: Sequence[JointSeries],
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
) -> pd.DataFrame:
    """A tidy score table, one row per series, pooling that series' windows.

    Args:
        samples: N windows of (S, H) sample paths (a list or an (N, S, H) array).
        truth: N windows of (H,) observed values.
        series: the series each window was cut from (N entries).
        quantiles: levels of the weighted quantile loss.

    Returns:
        Columns: ``series`` (name), ``subject``, ``task``, ``joint``, ``quantity``, ``unit``,
        ``n_windows``, ``horizon``, ``crps_energy`` (sample CRPS, series units),
        ``crps_wql`` (GluonTS mean weighted quantile loss, dimensionless: the Lag-Llama / seed
        "CRPS"), ``median_mae`` (series units), ``coverage_50``, ``coverage_90``; rows in the
        order series first appear.
    """
    samples_arr = np.stack([np.asarray(s) for s in samples]) if len(samples) else np.empty(0)
    truth_arr = np.stack([np.asarray(t) for t in truth]) if len(truth) else np.empty(0)
    if not len(series) == samples_arr.shape[0] == truth_arr.shape[0] > 0:
        raise KinemyoError(
            f"`samples`, `truth` and `series` need the same number (> 0) of windows; got "
            f"{samples_arr.shape[0]}, {truth_arr.shape[0]} and {len(series)}."
        )
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(series):
        groups.setdefault(s.name, []).append(i)
    rows = []
    for name, index in groups.items():
        s = series[index[0]]
        x, y = samples_arr[index], truth_arr[index]
        row = {
            "series": name,
            "subject": s.subject,
            "task": s.task,
            "joint": s.joint,
            "quantity": s.quantity,
            "unit": s.unit,
            "n_windows": len(index),
            "horizon": y.shape[-1],
            "crps_energy": sample_crps(x, y),
            "crps_wql": weighted_quantile_loss(x, y, quantiles),
            "median_mae": median_mae(x, y),
        }
        for level in COVERAGE_LEVELS:
            row[f"coverage_{round(level * 100)}"] = interval_coverage(x, y, level)
        rows.append(row)
    return pd.DataFrame(rows)


def summarise_scores(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation across series of each score, per quantity.

    This is the form of the seed's report (e.g. CRPS 0.5161 +/- 0.1140 for joint angles, where
    "CRPS" is ``crps_wql``). Input: a :func:`score_forecasts` table. Output: one row per quantity,
    columns ``n_series`` and ``{metric}_mean`` / ``{metric}_std`` (sample std, ddof=1).
    """
    metrics = [c for c in table.columns if c.startswith(("crps_", "median_mae", "coverage_"))]
    grouped = table.groupby("quantity", sort=True)
    out = grouped[metrics].agg(["mean", "std"])
    out.columns = [f"{metric}_{stat}" for metric, stat in out.columns]
    out.insert(0, "n_series", grouped.size())
    return out.reset_index()
