"""Accuracy metrics of estimated joint angles and moments, and tables of them by group.

Every metric takes true and estimated values of the same shape (N, ...) and reduces over windows
(axis 0), returning one value per column (shape ``(...)``), in float64. A metric whose denominator
is zero for a column (a target that does not vary) is NaN there.

:func:`coverage` and :func:`mean_width` score prediction intervals: the share of true values
inside them (%) and their width (target unit). :func:`score` adds them for every interval level a
prediction carries ("coverage_90", "width_90", ...) and, for a prediction with a std (GPR), the
coverage of its own Gaussian posterior interval mean ± z·std ("posterior_coverage_90", ...).

:func:`score` turns a dataset and a prediction into a long table, one row per group x joint x
quantity x metric; :func:`summarise` gives the mean and sd across subjects and :func:`average_over`
averages over joints (or any other key), as in the seed study's table of MAE/RMSE per quantity.

An R2 far below 0 is rarely a model's fault alone: on a test target that barely varies (a joint
held still, a moment near 0) its denominator is tiny and any error gives R2 in the hundreds below
0. :func:`score` can add each group's test-target sd (``with_target_sd=True``) and :func:`remarks`
turns R2 values below :data:`R2_FLOOR`, or targets with an sd below :data:`NEAR_CONSTANT_SD`, into
sentences for the tables, instead of a bare -1562.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from kinemyo import units
from kinemyo.data.windowed import DEFAULT_LEVELS, Prediction, WindowedDataset, level_name
from kinemyo.errors import KinemyoError

Metric = Callable[[np.ndarray, np.ndarray], np.ndarray]

GROUP_KEYS = ("subject", "task", "trial", "segment")


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays as float64, or KinemyoError if their shapes differ or there are no windows."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise KinemyoError(f"y_true {y_true.shape} and y_pred {y_pred.shape} differ in shape.")
    if y_true.ndim == 0 or len(y_true) == 0:
        raise KinemyoError("Metrics need at least one window (axis 0 of y_true).")
    return y_true, y_pred


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Mean absolute error over windows, in the target unit: mean(|y - yhat|)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return np.abs(y_true - y_pred).mean(axis=0)


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Root mean squared error over windows, in the target unit: sqrt(mean((y - yhat)^2))."""
    y_true, y_pred = _pair(y_true, y_pred)
    return np.sqrt(np.square(y_true - y_pred).mean(axis=0))


def nrmse(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """RMSE as a percentage of the range of the true values: 100 * RMSE / (max(y) - min(y)).

    The range is that of each column over the windows evaluated (e.g. one subject's task), so
    values from groups with different ranges are normalised differently.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return 100.0 * _ratio(rmse(y_true, y_pred), np.ptp(y_true, axis=0))


def r2(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Coefficient of determination: 1 - sum((y - yhat)^2) / sum((y - mean(y))^2).

    1 for a perfect estimate, 0 for predicting the mean of the evaluated windows, negative when
    worse than that.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    residual = np.square(y_true - y_pred).sum(axis=0)
    total = np.square(y_true - y_true.mean(axis=0)).sum(axis=0)
    return 1.0 - _ratio(residual, total)


def pearson_r(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Pearson correlation coefficient between true and estimated values, in [-1, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    dt = y_true - y_true.mean(axis=0)
    dp = y_pred - y_pred.mean(axis=0)
    norm = np.sqrt(np.square(dt).sum(axis=0) * np.square(dp).sum(axis=0))
    return _ratio((dt * dp).sum(axis=0), norm)


def vaf(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Variance accounted for, %: 100 * (1 - var(y - yhat) / var(y)).

    Unlike R2 it ignores a constant offset of the estimate.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return 100.0 * (1.0 - _ratio((y_true - y_pred).var(axis=0), y_true.var(axis=0)))


def target_sd(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Population standard deviation of the true values over windows, in the target unit (not a
    score: how much the test target varies, for :func:`remarks`; ``y_pred`` is not used)."""
    y_true, _ = _pair(y_true, y_pred)
    return y_true.std(axis=0)


TARGET_SD = "target_sd"
"""The name :func:`score` gives the test-target sd rows (``with_target_sd=True``)."""

R2_FLOOR = -1.0
"""An R2 below this gets a remark in the tables."""

NEAR_CONSTANT_SD = {
    units.DEGREE: 0.5,
    units.RADIAN: 0.01,
    units.NEWTON_METRE: 0.5,
    units.NEWTON_METRE_PER_KG: 0.01,
}
"""Test-target sd below which a target counts as nearly constant, by unit (half a degree, half a
N·m): R2 is not meaningful there."""


def coverage(y_true: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Empirical coverage, %: 100 * the share of windows with lower <= y <= upper."""
    y_true, lower = _pair(y_true, lower)
    _, upper = _pair(y_true, upper)
    return 100.0 * ((lower <= y_true) & (y_true <= upper)).mean(axis=0)


def mean_width(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Mean width of the intervals over windows, in the target unit: mean(upper - lower)."""
    lower, upper = _pair(lower, upper)
    return (upper - lower).mean(axis=0)


INTERVAL_KINDS = ("coverage", "posterior_coverage", "width")
"""Interval metric names are ``<kind>_<level %>``, e.g. "coverage_90", "posterior_coverage_50"."""


def _interval_metrics(
    y_true: np.ndarray, prediction: Prediction, index: np.ndarray
) -> dict[str, np.ndarray]:
    """The interval metrics of the windows ``index``: coverage and width of every calibrated
    level, and the coverage of the Gaussian posterior mean ± z·std at the same levels (or the
    default ones) when the prediction has a std."""
    values = {}
    for level, (lower, upper) in sorted(prediction.bounds.items(), reverse=True):
        values[f"coverage_{level_name(level)}"] = coverage(y_true, lower[index], upper[index])
        values[f"width_{level_name(level)}"] = mean_width(lower[index], upper[index])
    if prediction.std is not None:
        mean, std = prediction.mean[index], prediction.std[index]
        for level in sorted(prediction.bounds or DEFAULT_LEVELS, reverse=True):
            half = norm.ppf(0.5 + level / 2) * std.astype(np.float64)
            values[f"posterior_coverage_{level_name(level)}"] = coverage(
                y_true, mean - half, mean + half
            )
    return values


def interval_metrics(scores: pd.DataFrame) -> tuple[str, ...]:
    """The interval metrics of a :func:`score` table, by kind (see :data:`INTERVAL_KINDS`),
    then from the highest level down."""
    found = []
    for kind in INTERVAL_KINDS:
        named = [
            (float(name.removeprefix(f"{kind}_")), name)
            for name in scores["metric"].unique()
            if name.startswith(f"{kind}_") and name.removeprefix(f"{kind}_")[:1].isdigit()
        ]
        found += [name for _, name in sorted(named, reverse=True)]
    return tuple(found)


METRICS: dict[str, Metric] = {
    "mae": mae,
    "rmse": rmse,
    "nrmse": nrmse,
    "r2": r2,
    "pearson_r": pearson_r,
    "vaf": vaf,
}


def score(
    truth: WindowedDataset,
    prediction: Prediction,
    by: Sequence[str] = ("subject", "task"),
    metrics: Sequence[str] = tuple(METRICS),
    *,
    with_target_sd: bool = False,
) -> pd.DataFrame:
    """Metrics of ``prediction`` against the targets of ``truth``, per group of windows.

    Args:
        truth: the evaluated windows, with targets Y (N, J, Q).
        prediction: estimates of those windows, mean (N, J, Q), same joints, quantities and units.
        by: per-window keys to group by, among "subject", "task", "trial", "segment"; () scores
            all windows as one group.
        metrics: names from :data:`METRICS`.
        with_target_sd: also add, per group, rows of metric :data:`TARGET_SD` (the test target's sd,
            in its unit), which :func:`remarks` reads.

    Returns:
        A long table with columns ``[*by, "joint", "quantity", "unit", "metric", "value"]``, one
        row per group x joint x quantity x metric, sorted by group. ``value`` is in the target
        unit for MAE, RMSE and interval widths, in % for NRMSE, VAF and coverages, unitless for
        R2 and Pearson r. Interval metrics (see :func:`interval_metrics`) follow ``metrics``
        when the prediction has bounds or a std.

    Raises:
        KinemyoError: truth has no targets, shapes or names differ, or a key or metric is unknown.
    """
    if truth.Y is None:
        raise KinemyoError("score needs the true targets; the dataset has no Y.")
    for name in ("joints", "quantities", "units"):
        if getattr(truth, name) != getattr(prediction, name):
            raise KinemyoError(
                f"The prediction's {name} {list(getattr(prediction, name))} differ from the "
                f"dataset's {list(getattr(truth, name))}."
            )
    if len(prediction.mean) != len(truth):
        raise KinemyoError(
            f"The prediction has {len(prediction.mean)} windows but the dataset has {len(truth)}."
        )
    unknown_keys = [key for key in by if key not in GROUP_KEYS]
    if unknown_keys:
        raise KinemyoError(f"Cannot group by {unknown_keys}; choose among {list(GROUP_KEYS)}.")
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise KinemyoError(f"Unknown metric(s) {unknown}; available: {list(METRICS)}.")

    functions = {name: METRICS[name] for name in metrics}
    if with_target_sd:
        functions[TARGET_SD] = target_sd
    J, Q = truth.Y.shape[1:]
    joint = np.repeat(truth.joints, Q)
    quantity = np.tile(truth.quantities, J)
    unit = np.tile(truth.units, J)
    keys = pd.DataFrame({key: getattr(truth, key) for key in by})
    groups = keys.groupby(list(by), sort=True).indices if by else {(): np.arange(len(truth))}
    blocks = []
    for group, index in groups.items():
        named = {
            name: function(truth.Y[index], prediction.mean[index])
            for name, function in functions.items()
        }
        named |= _interval_metrics(truth.Y[index], prediction, index)
        values = np.stack([value.ravel() for value in named.values()])
        levels = group if isinstance(group, tuple) else (group,)
        blocks.append(
            pd.DataFrame(
                {
                    **dict(zip(by, levels, strict=True)),
                    "joint": np.tile(joint, len(named)),
                    "quantity": np.tile(quantity, len(named)),
                    "unit": np.tile(unit, len(named)),
                    "metric": np.repeat(list(named), J * Q),
                    "value": values.ravel(),
                }
            )
        )
    return pd.concat(blocks, ignore_index=True)


def _keys(table: pd.DataFrame, without: str) -> list[str]:
    """The key columns of a score table (all but "value"), less ``without``."""
    if without not in table.columns or without == "value":
        raise KinemyoError(
            f"The table has no key column '{without}'; its columns are {list(table.columns)}."
        )
    return [column for column in table.columns if column not in (without, "value")]


def summarise(table: pd.DataFrame, across: str = "subject") -> pd.DataFrame:
    """Mean, sample standard deviation (ddof 1) and count of ``value`` across ``across``.

    Args:
        table: a :func:`score` table (or one of :func:`average_over`).
        across: the key column to summarise over, e.g. "subject".

    Returns:
        One row per combination of the other key columns, with columns "mean", "sd" (NaN when
        n is 1) and "n" (number of values).
    """
    keys = _keys(table, across)
    grouped = table.groupby(keys, sort=True, dropna=False)["value"]
    return grouped.agg(mean="mean", sd="std", n="count").reset_index()


def average_over(table: pd.DataFrame, column: str = "joint") -> pd.DataFrame:
    """Mean ``value`` over ``column`` (by default the joints), per combination of the other keys.

    E.g. the MAE of all joint angles of each subject and task, as the seed study reports it.
    """
    keys = _keys(table, column)
    return table.groupby(keys, sort=True, dropna=False)["value"].mean().reset_index()


def remark(r2_value: float, sd: float, unit: str) -> str:
    """A sentence on an R2 that should not stand bare, "" when it can.

    Args:
        r2_value: the R2 of one group, joint and quantity.
        sd: the sd of its test target, in ``unit``.
        unit: the target's unit (see :data:`NEAR_CONSTANT_SD`).

    Returns:
        E.g. "R2 -1562: the test target is nearly constant (sd 0.01 N·m); R2 is not meaningful
        here" or "R2 -3.2: worse than predicting the test target's own mean (sd 4.1 N·m);
        judge by the RMSE".
    """
    if sd < NEAR_CONSTANT_SD.get(unit, 0.0):
        return (
            f"R2 {r2_value:.4g}: the test target is nearly constant (sd {sd:.2g} {unit}); "
            "R2 is not meaningful here"
        )
    if r2_value < R2_FLOOR:
        return (
            f"R2 {r2_value:.4g}: worse than predicting the test target's own mean (sd {sd:.3g} "
            f"{unit}); judge by the RMSE"
        )
    return ""


def remarks(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a :func:`score` table (with ``with_target_sd=True``) whose R2 needs a remark.

    Returns:
        The R2 rows (all key columns and ``value``) with a column ``remark``, one per group,
        joint and quantity whose R2 is below :data:`R2_FLOOR` or whose target is nearly
        constant; empty when none (or when the table has no target-sd rows).
    """
    keys = [c for c in table.columns if c not in ("metric", "value")]
    r2_rows = table[table["metric"] == "r2"]
    sd_rows = table[table["metric"] == TARGET_SD][[*keys, "value"]]
    both = r2_rows.merge(sd_rows, on=keys, suffixes=("", "_sd"))
    both["remark"] = [
        remark(v, sd, u)
        for v, sd, u in zip(both["value"], both["value_sd"], both["unit"], strict=True)
    ]
    return both[both["remark"] != ""].drop(columns="value_sd").reset_index(drop=True)
