"""Run models on a protocol's split and score them on the held-out windows only.

For each split, a fresh :class:`~kinemyo.signal.pipeline.SignalPipeline` is fitted on the
split's training windows (filter-stage baseline and thresholds, max-abs scales, feature
statistics, all from the training windows' samples), then each model is fitted on the training
features and predicts the test windows. Nothing about the test windows is used before prediction;
a leaky protocol (random k-fold, whose test windows overlap training windows) stays leaky, and
every table names the protocol of its rows.

Every model carries conformal intervals calibrated on the split's training windows only, in the
way that suits the protocol (cross-conformal over held-out training subjects under LOSO, each
fold through its own pipeline; the end of every training trial in time under within-trial; see
:mod:`kinemyo.evaluation.calibration`), so every table reports their coverage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kinemyo.config import PipelineConfig
from kinemyo.data.windowed import Prediction, WindowedDataset
from kinemyo.evaluation.calibration import Fold, IntervalSettings, fit_with_intervals, group_folds
from kinemyo.evaluation.metrics import (
    TARGET_SD,
    average_over,
    interval_metrics,
    remarks,
    score,
    summarise,
)
from kinemyo.evaluation.protocols import Split
from kinemyo.models.base import Estimator
from kinemyo.models.registry import create
from kinemyo.models.sequence import SequenceRegressor
from kinemyo.reporting.report import mean_sd
from kinemyo.signal.pipeline import SignalPipeline, SignalWindows
from kinemyo.training.trainer import EpochCallback, History


@dataclass(frozen=True, eq=False)
class ModelRun:
    """One model's prediction of one split's test windows, and how its training went.

    Attributes:
        model: registry name; split: the split's name; protocol: its label (e.g.
            "within-trial (chronological)").
        truth: the test windows (with targets); prediction: the model's estimate of them.
        fit_seconds: wall time of ``fit``; n_parameters: numbers the fitted model holds.
        history: the training history of a sequence model, else None.
    """

    model: str
    split: str
    protocol: str
    truth: WindowedDataset
    prediction: Prediction
    fit_seconds: float = 0.0
    n_parameters: int = 0
    history: History | None = None


def fit_model(
    name: str,
    params: Mapping[str, Any],
    train: WindowedDataset,
    on_epoch: EpochCallback | None = None,
    intervals: IntervalSettings | None = None,
    folds: Sequence[Fold] | None = None,
) -> tuple[Estimator, float]:
    """A model of registry ``name`` with ``params``, fitted and calibrated on ``train`` (see
    :func:`~kinemyo.evaluation.calibration.fit_with_intervals`; default settings: the last 20%
    of every training trial in time calibrates; ``folds`` from :func:`calibration_folds`), and
    the wall time in s; sequence models report each epoch to ``on_epoch``."""
    model = create(name, **params)
    if isinstance(model, SequenceRegressor):
        model.on_epoch = on_epoch
    started = time.perf_counter()
    fit_with_intervals(model, train, intervals or IntervalSettings(), folds)
    return model, time.perf_counter() - started


def calibration_folds(
    windows: SignalWindows,
    config: PipelineConfig,
    settings: IntervalSettings,
) -> list[Fold]:
    """The cross-conformal folds of the training ``windows`` (see
    :func:`~kinemyo.evaluation.calibration.group_folds`), each through a pipeline fitted on the
    fold's fit windows only: a held-out subject's features are then computed as a test
    subject's are (e.g. with the pooled max-abs scales, not its own), so its errors are those
    a new subject would see. [] when ``settings`` asks for no cross-conformal."""
    everything = np.arange(len(windows))
    folds = []
    for index in group_folds(windows, settings):
        pipeline = SignalPipeline(config)  # the windows are cut: plausibility was checked then
        fit = pipeline.fit_transform(windows.subset(np.setdiff1d(everything, index)))
        folds.append((fit, pipeline.transform(windows.subset(index))))
    return folds


@dataclass(frozen=True, eq=False)
class PreparedSplit:
    """A split's windows through a pipeline fitted on its training windows only, and how the
    models fitted on them calibrate their intervals.

    Attributes:
        train, test: the split's training and test windows, features computed by that pipeline.
        intervals: the protocol's calibration settings
            (:meth:`~kinemyo.evaluation.calibration.IntervalSettings.for_protocol`).
        folds: the cross-conformal folds of the training windows (:func:`calibration_folds`).
    """

    train: WindowedDataset
    test: WindowedDataset
    intervals: IntervalSettings
    folds: list[Fold]


def fit_on_split(windows: SignalWindows, split: Split, config: PipelineConfig) -> PreparedSplit:
    """The split's training and test windows through a pipeline fitted on the training windows
    only (filter baseline and thresholds, scales, feature statistics), with the calibration
    settings and folds of its protocol."""
    pipeline = SignalPipeline(config)
    train = pipeline.fit_transform(windows.subset(split.train))
    intervals = IntervalSettings.for_protocol(split.protocol, windows.gap_windows)
    folds = calibration_folds(windows.subset(split.train), config, intervals)
    return PreparedSplit(train, pipeline.transform(windows.subset(split.test)), intervals, folds)


def run_model(
    name: str,
    params: Mapping[str, Any],
    split: Split,
    prepared: PreparedSplit,
    on_epoch: EpochCallback | None = None,
) -> tuple[ModelRun, Estimator]:
    """Fit and calibrate model ``name`` on the split's training windows (see :func:`fit_model`)
    and predict its test windows; the run and the fitted model."""
    model, seconds = fit_model(
        name, params, prepared.train, on_epoch, prepared.intervals, prepared.folds
    )
    run = ModelRun(
        name,
        split.name,
        split.label,
        prepared.test,
        model.predict(prepared.test),
        seconds,
        model.n_parameters(),
        model.history if isinstance(model, SequenceRegressor) else None,
    )
    return run, model


def run_split(
    windows: SignalWindows,
    split: Split,
    config: PipelineConfig,
    models: Mapping[str, Mapping[str, Any]],
    progress: Callable[[str], None] | None = None,
    on_epoch: EpochCallback | None = None,
) -> list[ModelRun]:
    """Fit the pipeline and each model on ``split.train``; predict ``split.test``.

    Args:
        windows: every window of the experiment (from ``SignalPipeline.window``).
        split: which windows train and which test.
        config: the pipeline configuration.
        models: model name (see :func:`kinemyo.models.registry.available`) -> its parameters.
        progress: told the name of each model before it is fitted.
        on_epoch: per-epoch callback handed to sequence models (live training RMSE).
    """
    prepared = fit_on_split(windows, split, config)
    runs = []
    for name, params in models.items():
        if progress is not None:
            progress(name)
        runs.append(run_model(name, params, split, prepared, on_epoch)[0])
    return runs


def score_runs(runs: list[ModelRun]) -> pd.DataFrame:
    """Per-subject, per-task, per-joint metrics of every run, with "model", "split" and
    "protocol" columns, and the test target's sd (metric ``target_sd``) for the remarks."""
    tables = []
    for run in runs:
        table = score(run.truth, run.prediction, by=("subject", "task"), with_target_sd=True)
        tables.append(table.assign(model=run.model, split=run.split, protocol=run.protocol))
    return pd.concat(tables, ignore_index=True)


def pool_seeds(scores: pd.DataFrame) -> pd.DataFrame:
    """``scores`` without its "seed" column; with several seeds, each (subject, seed) pair
    becomes one "subject" ("Sub01 seed 1"), so that a summary across subjects runs across
    subjects AND seeds."""
    if "seed" not in scores.columns:
        return scores
    if scores["seed"].nunique() > 1:
        subject = scores["subject"].astype(str) + " seed " + scores["seed"].astype(str)
        scores = scores.assign(subject=subject)
    return scores.drop(columns="seed")


def spread_caption(scores: pd.DataFrame) -> str:
    """What the ± of a table built from ``scores`` spans: "across subjects", or "across
    subjects and seeds (one value per subject and seed, N seeds)"."""
    seeds = scores["seed"].nunique() if "seed" in scores.columns else 1
    if seeds == 1:
        return "across subjects"
    return f"across subjects and seeds (one value per subject and seed, {seeds} seeds)"


_PERCENT = ("nrmse", "vaf")
_UNITLESS = ("r2", "pearson_r")


def _column_label(quantity: str, metric: str, unit: str) -> str:
    """E.g. 'moment RMSE (N·m)', 'angle NRMSE (%)', 'angle R2', 'moment cover 90% (%)',
    'moment posterior cover 90% (%)', 'angle width 90% (deg)'."""
    kind, _, level = metric.rpartition("_")
    if kind == "width":
        return f"{quantity} width {level}% ({unit})"
    if kind in ("coverage", "posterior_coverage"):
        name = "cover" if kind == "coverage" else "posterior cover"
        return f"{quantity} {name} {level}% (%)"
    name = {"r2": "R2", "pearson_r": "r"}.get(metric, metric.upper())
    if metric in _UNITLESS:
        return f"{quantity} {name}"
    return f"{quantity} {name} ({'%' if metric in _PERCENT else unit})"


_ROW_KEYS = ("task", "chain", "protocol", "model")


def seed_table(scores: pd.DataFrame, metrics: tuple[str, ...]) -> pd.DataFrame:
    """The seed study's table: one row per gait (task), chain (when scores have a "chain"
    column), protocol and model; one column per quantity and metric. Each cell is the metric
    averaged over the joints and over the splits that tested a subject (the folds of a k-fold),
    then "mean ± sd" across subjects. The interval metrics of ``scores`` (coverage of the
    calibrated intervals, GPR's posterior coverage, widths) follow ``metrics``; "–" where a
    model has none (e.g. the posterior coverage of a point model). An R2 cell built from an R2
    below :data:`~kinemyo.evaluation.metrics.R2_FLOOR` or on a nearly constant target (scores
    with ``target_sd`` rows) is marked "[n]", and ``table.attrs["notes"]`` holds note n."""
    metrics = (*metrics, *interval_metrics(scores))
    per_joint = average_over(scores[scores["metric"].isin(metrics)], "joint")
    summary = summarise(average_over(per_joint, "split"), across="subject")
    summary["cell"] = [
        mean_sd(m, s if n > 1 else np.nan)
        for m, s, n in zip(summary["mean"], summary["sd"], summary["n"], strict=True)
    ]
    summary["column"] = [
        _column_label(q, m, u)
        for q, m, u in zip(summary["quantity"], summary["metric"], summary["unit"], strict=True)
    ]
    rows = [key for key in _ROW_KEYS if key in summary.columns]
    table = summary.pivot(index=rows, columns="column", values="cell")
    order = [
        _column_label(q, m, u)
        for q, u in summary[["quantity", "unit"]].drop_duplicates().itertuples(index=False)
        for m in metrics
        if _column_label(q, m, u) in table.columns
    ]
    table = table[order].fillna("–").reset_index().rename(columns={"task": "gait"})
    table.columns.name = None
    return _with_remarks(table, scores, rows)


def _with_remarks(table: pd.DataFrame, scores: pd.DataFrame, rows: list[str]) -> pd.DataFrame:
    """Mark each R2 cell built from an R2 that needs a remark (:func:`remarks`) with "[n]" and
    put the numbered notes in ``table.attrs["notes"]``."""
    found = remarks(scores[scores["metric"].isin(["r2", TARGET_SD])])
    notes: list[str] = []
    for keys, group in found.groupby([*rows, "quantity", "unit"], sort=True):
        *row_keys, quantity, unit = keys
        worst = group.loc[group["value"].idxmin()]
        where = ", ".join(f"{worst[k]}" for k in ("subject", "joint") if k in group.columns)
        notes.append(
            f"[{len(notes) + 1}] {' '.join(str(k) for k in row_keys)}, {quantity}: "
            f"{len(group)} R2 value(s) need a remark; the lowest ({where}): {worst['remark']}."
        )
        mask = np.ones(len(table), dtype=bool)
        for key, value in zip(rows, row_keys, strict=True):
            mask &= table["gait" if key == "task" else key].to_numpy() == value
        column = _column_label(quantity, "r2", unit)
        if column in table.columns:
            table.loc[mask, column] = table.loc[mask, column] + f" [{len(notes)}]"
    table.attrs["notes"] = notes
    return table
